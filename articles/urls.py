from django.urls import path, re_path

from pagecache import cached_for_readers

from . import views
from .feeds import LiveUpdatesFeed, SectionFeed, TopicFeed

STORY = r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-a-zA-Z0-9_]+)/"

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front"),
    path("section/<slug:slug>/", views.section_page, name="section"),
    path("preview/<str:token>/", views.preview, name="preview"),
    # Four-digit year, two-digit month and day: one address per story, never /2022/1/16/.
    re_path(STORY + "$", views.story_page, name="detail"),
    # Live coverage: the open page's check, the new updates as HTML, each update's address, the updates' feed.
    re_path(STORY + "updates/check/$", views.live_check, name="live-check"),
    re_path(STORY + "updates/$", views.live_updates_since, name="live-updates"),
    re_path(STORY + r"updates/(?P<number>[0-9]+)/$", views.live_update, name="live-update"),
    re_path(STORY + "updates/feed/$", cached_for_readers()(LiveUpdatesFeed()), name="live-feed"),
    path("section/<slug:slug>/feed/", cached_for_readers()(SectionFeed()), name="section-feed"),
    path("topics/", views.topics_index, name="topics"),
    path("topic/<slug:slug>/", views.topic_page, name="topic"),
    path("topic/<slug:slug>/feed/", cached_for_readers()(TopicFeed()), name="topic-feed"),
    path("author/<slug:slug>/", views.author_page, name="author"),
    path("corrections/", views.corrections_page, name="corrections"),
    path("search/", views.search_page, name="search"),
]
