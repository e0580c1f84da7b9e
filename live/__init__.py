"""Live coverage of a developing story: its updates, the live desk, the open page's check, the updates' feed.

Owns: LiveUpdate, the story's LiveSummary ("What we know") and the LiveChange log open pages follow
(models.py), the live desk (drafts, preview, pins, moves, a list kept current for a team) and each update's
admin pages with their history and recovery (admin.py), the readers' check of the coverage's version, what
changed since a version and each update's address (views.py), the feed (feeds.py), the story's search entry
following its updates (indexing.py), the update templates and static/js/live.js and live-desk.js. Which
updates readers see is one rule: LiveUpdate.objects.for_readers() (never a draft).
May import: articles' public API (Article and its querysets and methods, Author, absolute_url,
reading.count_of, search.index_story) and pictures; the shared modules. Not desk, not comments. A story's
live times (live_from, live_until, is_live) are the story's own, on Article.
"""
