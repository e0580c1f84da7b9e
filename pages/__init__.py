"""The site's own pages: About, Contact, Privacy notice, Corrections policy, edited in the admin.

Owns: Page, its admin, its view at /<slug>/ and its sitemap; default texts in pages/defaults/.
May import: articles (the sitemap's base class), comments (its settings, which the privacy notice
quotes) and the shared modules.
"""
