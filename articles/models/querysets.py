"""The ways stories are read in bulk (Article.objects): the one rule of what is public (published), the other states,
and what list and story pages fetch in one or two queries.

Apart from story.py so the model file holds the story itself; the rows' states are asked of the model's own
Status (self.model), so this module needs no import of the story.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

from .. import reading
from .filing import Byline


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one rule for what readers may see: published, its publish time come, its take-down time not."""
        now = timezone.now()
        return self.filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now), status=self.model.Status.PUBLISHED, publish_at__lte=now
        )

    def scheduled(self):
        return self.filter(status=self.model.Status.PUBLISHED, publish_at__gt=timezone.now())

    def taken_down(self):
        """Stories that were public and no longer are: their addresses answer 410 Gone."""
        return self.filter(
            Q(status=self.model.Status.TAKEN_DOWN) | Q(status=self.model.Status.PUBLISHED, expire_at__lte=timezone.now())
        )

    def in_review(self):
        return self.filter(status=self.model.Status.REVIEW)

    def indexable(self):
        """Public stories whose own address search engines should list (the sitemaps): not those kept out of
        search engines, nor those first published elsewhere (their canonical address is the original's)."""
        return self.published().filter(noindex=False, canonical_url="")

    def for_listing(self):
        """What list pages, story pages and feeds print, in two queries whatever the number of stories.

        The stories with their section and lead picture (whose renditions are in its row),
        then every byline with its author.
        """
        return self.select_related("section", "lead_image").prefetch_related(
            models.Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        )

    def with_live_changes(self):
        """Each story with when its live updates last changed (`live_updates_changed_at`), so last_modified (sitemaps,
        feeds) moves with the newest update readers see."""
        return self.annotate(**reading.live_changed_at(self.model))

    def with_topics(self):
        """Each story with its topics as data in its own row (`topics_data`), so showing them costs no query."""
        return self.annotate(topics_data=reading.topics_data(self.model))

    def for_story_page(self):
        """What the story page prints, in one query: the story with its section and lead picture, and its
        byline, topics, corrections and related stories in its own row, as data (articles/reading.py)."""
        return (
            self.select_related("section", "lead_image", "social_image")
            .with_topics()
            .annotate(**reading.story_page_data(self.model))
        )
