"""The editors' desk: how a story is written, reviewed, published and kept, in the admin.

Owns: the story form and its admin (review states, who may set which, list actions), revisions with
compare and restore (revisions.py, django-reversion), presence and autosave (EditSession,
static/js/desk.js), preview links for outsiders and their page, the front page's curation
(FrontPage, FeaturedStory; it tells articles' front page through register_front_page_curation).
May import: articles' public API (Article, its querysets and methods, Byline, Correction) and pictures;
the shared modules. Not live, not comments.
"""
