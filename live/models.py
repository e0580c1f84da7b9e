"""Live updates: short, timestamped posts on a developing story, shown newest first on its page."""

import html

import reversion
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from articles.models import Article, Author, absolute_url, normalise_newlines
from pictures.models import Image
from sanitize import render_markdown


class LiveUpdateQuerySet(models.QuerySet):
    def for_readers(self):
        """The one rule for which updates readers see: not a draft, and their time has come (a scheduled one stays
        hidden until then). Every reader's page, check, feed and address, the sitemaps and search ask this."""
        return self.filter(draft=False, publish_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(draft=False, publish_at__gt=timezone.now())

    def drafts(self):
        return self.filter(draft=True)

    def newer_than(self, update):
        """Updates that come before `update` in the newest-first order readers see."""
        return self.filter(Q(publish_at__gt=update.publish_at) | Q(publish_at=update.publish_at, pk__gt=update.pk))


@reversion.register()
class LiveUpdate(models.Model):
    """A short, timestamped update on a developing story, posted from the story's live desk.

    Written in the same Markdown as story bodies and cleaned by the same sanitiser on save.
    Its number is its permanent address on the page (#update-N). Readers see it from its
    time on (a time in the future schedules it); an edit after that is marked "edited". A draft
    is seen only on the live desk (with a preview) until someone publishes it.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="live_updates", verbose_name="story")
    headline = models.CharField(max_length=200, blank=True, help_text="Optional: a few words above the update.")
    body = models.TextField("text", help_text="Markdown, as in story bodies: *emphasis*, **bold**, [link](https://…), > quote, - list.")
    body_html = models.TextField(editable=False, blank=True)
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="picture"
    )
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="live_updates", verbose_name="byline"
    )
    is_key_event = models.BooleanField(
        "key event", default=False, help_text="Listed at the top of the story among the key events, linking here."
    )
    publish_at = models.DateTimeField(
        "time", default=timezone.now, help_text="Readers see the update from this time; a time in the future schedules it."
    )
    draft = models.BooleanField(
        default=False, help_text="A draft is seen only on the live desk, until someone publishes it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set when the words of an update readers have seen change."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        db_table = "articles_liveupdate"  # kept from when live updates lived in the articles app
        ordering = ["-publish_at", "-pk"]
        indexes = [models.Index(fields=["article", "-publish_at"])]
        verbose_name = "live update"

    def __str__(self):
        return self.headline or Truncator(html.unescape(strip_tags(self.body_html)) or self.body).words(10)

    def save(self, *args, **kwargs):
        """Render the text once; mark the update edited when readers had seen other words."""
        self.body = normalise_newlines(self.body).strip()
        self.body_html = render_markdown(self.body)
        if self.pk:
            before = LiveUpdate.objects.filter(pk=self.pk).values("headline", "body", "publish_at", "draft").first()
            if (
                before
                and not before["draft"]
                and before["publish_at"] <= timezone.now()
                and (before["headline"], before["body"]) != (self.headline, self.body)
            ):
                self.edited_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The update's permanent address (live.views.live_update): it leads to the page of the story that
        shows it now, at #update-N."""
        return f"{self.article.live_updates_url}{self.pk}/"

    def is_published(self):
        return not self.draft and self.publish_at <= timezone.now()

    is_published.boolean = True
    is_published.short_description = "visible"

    def is_scheduled(self):
        return not self.draft and self.publish_at > timezone.now()

    def publish_draft(self):
        """Publish a draft: at its time if that is still to come (scheduled), else now, not when it was drafted."""
        self.draft = False
        self.publish_at = max(self.publish_at, timezone.now())
        self.save()

    @property
    def anchor(self):
        return f"update-{self.pk}"

    @property
    def title(self):
        """The headline, or the text's first words (feeds, key events, search engines)."""
        return self.headline or Truncator(html.unescape(strip_tags(self.body_html))).words(12)

    def structured_data(self):
        """schema.org BlogPosting for the story's liveBlogUpdate."""
        data = {
            "@type": "BlogPosting",
            "headline": self.title,
            "datePublished": self.publish_at.isoformat(),
            "dateModified": (self.edited_at or self.publish_at).isoformat(),
            "articleBody": html.unescape(strip_tags(self.body_html)).strip(),
            "url": absolute_url(f"{self.article.get_absolute_url()}#{self.anchor}"),
        }
        if self.author_id:
            data["author"] = self.author.structured_data()
        return data

