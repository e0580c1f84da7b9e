"""A story's live updates as a feed of their own."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404

import pagecache
from articles.feeds import MediaAtomFeed, picture_media
from articles.models import Article, absolute_url, story_path


class LiveUpdatesFeed(Feed):
    """A story's live updates (Atom), newest first, at /<date>/<slug>/updates/feed/: what the newsroom wrote, nothing else."""

    feed_type = MediaAtomFeed

    def get_object(self, request, year, month, day, slug):
        story = Article.objects.published().filter(slug=slug).first()
        if story is None or not story.is_dated(int(year), int(month), int(day)):
            raise Http404("No story at this address.")
        pagecache.shows(request, f"story-{story.pk}")
        return story

    def title(self, story):
        return f"{settings.NEWSROOM_SITE_NAME}: {story.headline}, live updates"

    def subtitle(self, story):
        return f"Updates on “{story.headline}” as they are posted."

    def link(self, story):
        return absolute_url(story.get_absolute_url())

    def feed_url(self, story):
        return absolute_url(story_path(story.slug, story.publish_at) + "updates/feed/")

    def items(self, story):
        updates = list(story.live_updates.for_readers().select_related("image", "author")[:50])
        for update in updates:
            update.article = story
        return updates

    def item_title(self, update):
        return update.title

    def item_description(self, update):
        return update.body_html

    def item_link(self, update):
        return absolute_url(update.get_absolute_url())

    def item_guid(self, update):
        return absolute_url(update.get_absolute_url())

    def item_pubdate(self, update):
        return update.publish_at

    def item_updateddate(self, update):
        return update.edited_at or update.publish_at

    def item_author_name(self, update):
        return update.author.name if update.author else None

    def item_extra_kwargs(self, update):
        return {"media": picture_media(update.image)}
