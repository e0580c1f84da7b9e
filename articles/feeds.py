"""Stories as RSS 2.0 and Atom 1.0: the latest, and each section's and each topic's.

Every item carries the story's lead picture as Media RSS (media:content, with its
description and credit), and its section and topics as categories. Nothing a
reader wrote or gave ever goes into a feed. Every link is made absolute from the
site's address (NEWSROOM_SITE_URL), never the Host a request came with: a feed is
cached and served to everyone.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

import pagecache

from .models import Article, Section, Topic, absolute_url

MEDIA_RSS = "http://search.yahoo.com/mrss/"


class MediaFeedMixin:
    """Media RSS's media:content for the item's picture, in RSS and Atom alike."""

    def add_media_namespace(self, attrs):
        attrs["xmlns:media"] = MEDIA_RSS
        return attrs

    def add_media_elements(self, handler, item):
        media = item.get("media")
        if not media:
            return
        handler.startElement("media:content", media["attributes"])
        for name in ("description", "credit"):
            if media.get(name):
                handler.addQuickElement(f"media:{name}", media[name])
        handler.endElement("media:content")


class MediaRssFeed(MediaFeedMixin, Rss201rev2Feed):
    def rss_attributes(self):
        return self.add_media_namespace(super().rss_attributes())

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        self.add_media_elements(handler, item)


class MediaAtomFeed(MediaFeedMixin, Atom1Feed):
    def root_attributes(self):
        return self.add_media_namespace(super().root_attributes())

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        self.add_media_elements(handler, item)


def picture_media(image):
    """An Image as Media RSS: the JPEG readers' browsers get (up to 1200 pixels wide), its caption and credit."""
    if not image:
        return None
    rendition = image.fallback()
    url, width, height = (rendition.url, rendition.width, rendition.height) if rendition else (image.file.url, image.width, image.height)
    attributes = {"url": absolute_url(url), "medium": "image", "width": str(width), "height": str(height)}
    if rendition:
        attributes["type"] = rendition.mime_type
    return {"attributes": attributes, "description": image.caption or image.alt_text, "credit": image.credit}


class LatestStoriesFeed(Feed):
    feed_type = MediaRssFeed

    def link(self):
        return absolute_url(reverse("articles:front"))

    def feed_url(self):
        return absolute_url(reverse("feeds-latest"))

    def title(self):
        return f"{settings.NEWSROOM_SITE_NAME}: latest stories"

    def description(self):
        return f"The latest stories published by {settings.NEWSROOM_SITE_NAME}."

    def stories(self, obj):
        """The stories of this feed, before they are read (the latest, a section's, a topic's)."""
        return Article.objects.published()

    def items(self, obj=None):
        return self.stories(obj).for_listing().with_topics().with_live_changes()[:30]

    def item_title(self, story):
        return story.headline

    def item_link(self, story):
        return absolute_url(story.get_absolute_url())

    def item_description(self, story):
        """The summary's text as HTML (feed readers read a description as HTML): "<b>" in it is a word, not a mark."""
        return escape(story.summary)

    def item_pubdate(self, story):
        return story.publish_at

    def item_updateddate(self, story):
        return story.last_modified

    def item_author_name(self, story):
        return ", ".join(author.name for author in story.byline) or None

    def item_categories(self, story):
        return [story.section.name, *(topic.name for topic in story.topic_list)]

    def item_extra_kwargs(self, story):
        return {"media": picture_media(story.lead_image)}


class LatestStoriesAtomFeed(LatestStoriesFeed):
    feed_type = MediaAtomFeed

    def feed_url(self):
        return absolute_url(reverse("feeds-atom"))

    def subtitle(self):
        return self.description()


class SectionFeed(LatestStoriesFeed):
    """A section's latest stories (RSS), at /section/<slug>/feed/."""

    def get_object(self, request, slug):
        section = next((section for section in Section.objects.listed() if section.slug == slug), None)
        if section is None:
            raise Http404("No such section.")
        pagecache.shows(request, f"section-{section.pk}")
        return section

    def title(self, section):
        return f"{settings.NEWSROOM_SITE_NAME}: {section.name}"

    def description(self, section):
        return section.description or f"The latest {section.name} stories from {settings.NEWSROOM_SITE_NAME}."

    def link(self, section):
        return absolute_url(section.get_absolute_url())

    def feed_url(self, section):
        return absolute_url(reverse("articles:section-feed", kwargs={"slug": section.slug}))

    def stories(self, section):
        return Article.objects.published().filter(section=section)


class TopicFeed(LatestStoriesFeed):
    """A topic's latest stories (RSS), at /topic/<slug>/feed/."""

    def get_object(self, request, slug):
        topic = Topic.objects.by_slug(slug)
        if topic is None:
            raise Http404("No such topic.")
        pagecache.shows(request, f"topic-{topic.pk}")
        return topic

    def title(self, topic):
        return f"{settings.NEWSROOM_SITE_NAME}: {topic.name}"

    def description(self, topic):
        return topic.description or f"The latest stories about {topic.name} from {settings.NEWSROOM_SITE_NAME}."

    def link(self, topic):
        return absolute_url(topic.get_absolute_url())

    def feed_url(self, topic):
        return absolute_url(reverse("articles:topic-feed", kwargs={"slug": topic.slug}))

    def stories(self, topic):
        return Article.objects.published().filter(topics=topic)
