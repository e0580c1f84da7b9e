"""Live coverage of a developing story: its updates, the live desk, the open page's check, the updates' feed.

Owns: LiveUpdate (models.py), the live desk and each update's admin pages with their history and
recovery (admin.py), the readers' check for new updates, the new updates as HTML and each update's
address (views.py), the feed (feeds.py), the story's search entry following its updates (indexing.py), the
update templates and static/js/live.js and live-desk.js.
May import: articles' public API (Article and its querysets and methods, Author, absolute_url,
reading.count_of, search.index_story) and pictures; the shared modules. Not desk, not comments. A story's
live times (live_from, live_until, is_live) are the story's own, on Article.
"""
