"""Stories and what readers see of them: the app every other one builds on.

Owns: Article (its states and the one rule of what is public, Article.objects.published(); who may
publish, Article.may_publish), sections, authors, topics, bylines, corrections, old addresses, the
search index (search.py), the reader pages (views.py), feeds and sitemaps of stories, and what a story
page reads beside the story (reading.py).
May import: pictures (a story's lead picture) and the shared modules (pagecache, sanitize). Never
comments, live or desk: they know stories, stories do not know them (the front page asks for the
editors' choice through register_front_page_curation; a story's live updates are read through its
reverse relation).
"""
