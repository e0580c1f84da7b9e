"""Live coverage of a developing story: its updates, the live desk, the open page's check, the updates' feed.

Owns: LiveUpdate, the story's LiveSummary ("What we know") and the LiveChange log open pages follow
(models.py), the live desk and each update's admin pages with their history and recovery (admin.py), the
readers' check of the coverage's version, what changed since a version and each update's address
(views.py), the feed (feeds.py), the update templates and static/js/live.js. Which updates readers see
is one rule: LiveUpdate.objects.for_readers().
May import: articles' public API (Article and its querysets and methods, Author, absolute_url,
reading.count_of) and pictures; the shared modules. Not desk, not comments. A story's live times
(live_from, live_until, is_live) are the story's own, on Article.
"""
