from django.urls import re_path

from articles.urls import STORY
from pagecache import cached_for_readers

from . import views
from .feeds import LiveUpdatesFeed

app_name = "live"

# Under the story's own address: the open page's check, what changed since its version, each update's address, the feed.
urlpatterns = [
    re_path(STORY + "updates/check/$", views.live_check, name="check"),
    re_path(STORY + "updates/$", views.live_changes, name="updates"),
    re_path(STORY + r"updates/(?P<number>[0-9]+)/$", views.live_update, name="update"),
    re_path(STORY + "updates/feed/$", cached_for_readers()(LiveUpdatesFeed()), name="feed"),
]
