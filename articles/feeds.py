"""The latest published stories as RSS 2.0 and Atom 1.0."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse_lazy
from django.utils.feedgenerator import Atom1Feed

from .models import Article


class LatestStoriesFeed(Feed):
    link = reverse_lazy("articles:front")
    feed_url = reverse_lazy("feeds-latest")

    def title(self):
        return f"{settings.NEWSROOM_SITE_NAME}: latest stories"

    def description(self):
        return f"The latest stories published by {settings.NEWSROOM_SITE_NAME}."

    def items(self):
        return Article.objects.published().for_listing()[:30]

    def item_title(self, story):
        return story.headline

    def item_description(self, story):
        return story.summary

    def item_pubdate(self, story):
        return story.publish_at

    def item_updateddate(self, story):
        return story.last_modified

    def item_author_name(self, story):
        return ", ".join(author.name for author in story.byline) or None

    def item_categories(self, story):
        return [story.section.name]


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = Atom1Feed
    feed_url = reverse_lazy("feeds-atom")

    def subtitle(self):
        return self.description()
