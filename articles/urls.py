from django.urls import path, re_path

from pagecache import cached_for_readers

from . import views
from .feeds import SectionFeed, TopicFeed

STORY = r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-a-zA-Z0-9_]+)/"

app_name = "articles"

# Feeds say when each story last changed, its live updates included: an update moves them too ("live").
LIVE = ("live",)

urlpatterns = [
    path("", views.front_page, name="front"),
    path("section/<slug:slug>/", views.section_page, name="section"),
    # Four-digit year, two-digit month and day: one address per story, never /2022/1/16/.
    re_path(STORY + "$", views.story_page, name="detail"),
    path("section/<slug:slug>/feed/", cached_for_readers(shows=LIVE)(SectionFeed()), name="section-feed"),
    path("topics/", views.topics_index, name="topics"),
    path("topic/<slug:slug>/", views.topic_page, name="topic"),
    path("topic/<slug:slug>/feed/", cached_for_readers(shows=LIVE)(TopicFeed()), name="topic-feed"),
    path("author/<slug:slug>/", views.author_page, name="author"),
    path("corrections/", views.corrections_page, name="corrections"),
    path("search/", views.search_page, name="search"),
]
