"""Corrections and clarifications: dated notes on what a story got wrong, shown with it and on /corrections/."""

import html
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.html import strip_tags

import pagecache
from sanitize import clean_story_html

from .story import Article


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """Corrections of stories readers can see, newest first, with their story."""
        return (
            self.filter(article__in=Article.objects.published().values("pk"))
            .select_related("article")
            .order_by("-published_at", "-pk")
        )


class Correction(models.Model):
    """A dated note an editor adds to a story when something in it was wrong (or unclear).

    Shown on the story (at its top or foot: NEWSROOM_CORRECTIONS_AT), in its structured
    data, and on the corrections page; saving one moves the story's modified time.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="What was wrong and what is right, in a sentence or two, e.g. "
        "\"An earlier version of this story gave the wrong date for the curfew.\" Written as stories are "
        "(italic, bold, links); cleaned on save."
    )
    published_at = models.DateTimeField(
        "date", default=timezone.now, help_text="When the correction was made. Shown with it, e.g. \"Correction, 17 January 2022\"."
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}, {timezone.localtime(self.published_at):%d %B %Y}"

    def save(self, *args, **kwargs):
        """Clean the text (the editor's HTML), save, and move the story's "Updated" time (its dateModified) to the
        correction's date if that is later."""
        self.text = clean_story_html(self.text)
        with transaction.atomic():
            super().save(*args, **kwargs)
            story = Article.objects.filter(pk=self.article_id).first()
            if story and story.is_published() and (story.updated_at is None or story.updated_at < self.published_at):
                Article.objects.filter(pk=story.pk).update(updated_at=self.published_at)
                pagecache.changed(*story.page_keys())  # update() sends no signal

    def clean(self):
        if self.published_at and self.published_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"published_at": "A correction cannot be dated in the future."})

    def structured_data(self):
        """schema.org CorrectionComment, for the story's `correction` property."""
        return {"@type": "CorrectionComment", "text": self.plain_text, "datePublished": self.published_at.isoformat()}

    @property
    def plain_text(self):
        """The words without their HTML, for search engines."""
        return html.unescape(strip_tags(self.text)).strip()
