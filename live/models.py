"""Live updates: short, timestamped posts on a developing story, shown newest first on its page; the story's
"What we know" summary; and the log of changes an open page asks for (what changed since the version it holds)."""

import datetime
import html

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from articles.models import Article, Author, absolute_url, normalise_newlines
from pictures.models import Image
from sanitize import clean_story_html


class LiveUpdateQuerySet(models.QuerySet):
    def for_readers(self):
        """The one rule for which updates readers see: not a draft, and their time has come (a scheduled one stays
        hidden until then). Every reader's page, check, feed and address, the sitemaps and search ask this."""
        return self.filter(draft=False, publish_at__lte=timezone.now())

    def pinned_for_readers(self, story):
        """The story's pinned update readers see, ready to print (None: none)."""
        update = self.for_readers().filter(pinned=True).select_related("image", "author").first()
        if update is not None:
            update.article = story
        return update

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

    Written in the same editor as story bodies and cleaned by the same sanitiser on save.
    Its number is its permanent address on the page (#update-N). Readers see it from its
    time on (a time in the future schedules it); an edit after that is marked "Updated",
    with the desk's correction note. Every save and deletion is logged (LiveChange), so
    open pages learn of it. A draft is seen only on the live desk (with a preview) until
    someone publishes it, and leaves nothing in that log until then.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="live_updates", verbose_name="story")
    headline = models.CharField(max_length=200, blank=True, help_text="Optional: a few words above the update.")
    body = models.TextField("text", help_text="Bold, italic, links, lists and quotes, as in story bodies.")
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
    correction_note = models.CharField(
        max_length=300, blank=True,
        help_text="Optional: what an edit corrected, shown to readers beside “Updated”, e.g. “The toll was 12, not 21.”",
    )
    pinned = models.BooleanField(
        default=False, help_text="Shown under the story's summary, above the other updates. One update per story: "
        "pinning this one unpins the one pinned before.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        db_table = "articles_liveupdate"  # kept from when live updates lived in the articles app
        ordering = ["-publish_at", "-pk"]
        indexes = [models.Index(fields=["article", "-publish_at"])]
        constraints = [
            models.UniqueConstraint(fields=["article"], condition=Q(pinned=True), name="one_pinned_update_per_story"),
        ]
        verbose_name = "live update"

    def __str__(self):
        return self.headline or Truncator(html.unescape(strip_tags(self.body_html)) or self.body).words(10)

    def save(self, *args, **kwargs):
        """Render the text once; mark the update edited when readers had seen other words; a pinned update
        unpins the story's other one; log the change for open pages."""
        self.body = normalise_newlines(self.body).strip()
        self.body_html = clean_story_html(self.body)
        if self.draft:  # never pinned, by whatever path (clean() tells a form why)
            self.pinned = False
        before = None
        if self.pk:
            before = LiveUpdate.objects.filter(pk=self.pk).values(*LiveChange.WATCHED, "headline", "body", "draft").first()
            if (
                before
                and not before["draft"]
                and before["publish_at"] <= timezone.now()
                and (before["headline"], before["body"]) != (self.headline, self.body)
            ):
                self.edited_at = timezone.now()
        with transaction.atomic():
            LiveChange.lock_story(self.article_id)  # first, as every change of the story does: no deadlock
            if self.pinned:
                for other in LiveUpdate.objects.filter(article_id=self.article_id, pinned=True).exclude(pk=self.pk):
                    other.pinned = False
                    other.save(update_fields=["pinned"])
            super().save(*args, **kwargs)
            LiveChange.record(self, before)

    def get_absolute_url(self):
        """The update's permanent address (live.views.live_update): it leads to the page of the story that
        shows it now, at #update-N."""
        return f"{self.article.live_updates_url}{self.pk}/"

    def clean(self):
        """A draft is not pinned: readers would lose the update pinned before for one they cannot see."""
        if self.draft and self.pinned:
            raise ValidationError({"pinned": "A draft cannot be pinned: publish it first."})

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


@receiver(post_delete, sender=LiveUpdate, dispatch_uid="live.update_deleted")
def _update_deleted(sender, instance, origin=None, **kwargs):
    """A deleted update leaves a change behind, so open pages take it away; not when its story goes with it."""
    if origin is None or isinstance(origin, LiveUpdate) or getattr(origin, "model", None) is LiveUpdate:
        LiveChange.record(instance, LiveChange.watched(instance), deleted=True)


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
ONE_MICROSECOND = datetime.timedelta(microseconds=1)


class LiveChangeQuerySet(models.QuerySet):
    def seen(self):
        """Changes readers can see now (an update scheduled for later is a change at its time)."""
        return self.filter(at__lte=timezone.now())


class LiveChange(models.Model):
    """A change to a story's live coverage, kept so an open page can ask what changed since the version it holds.

    The version is the time of the latest change readers can see, in microseconds (LiveChange.number_of):
    it only grows, and a scheduled update's change is dated at its time, so it counts from the moment it
    appears. A row names the update (None: the summary) and whether the key events list or the pinned
    update may have moved with it; which updates were deleted is what a page learns from the updates named
    that readers can no longer see (deleted, scheduled for later, or anything else readers do not see).
    """

    # The fields of an update whose change may move the key events list or the pinned update.
    WATCHED = ["publish_at", "is_key_event", "pinned"]

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="live_changes", verbose_name="story")
    number = models.PositiveBigIntegerField(null=True, blank=True, help_text="The update's number; empty: the summary.")
    at = models.DateTimeField(help_text="When readers see the change.")
    key_events = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)

    objects = LiveChangeQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["article", "at"])]
        verbose_name = "live coverage change"

    def __str__(self):
        return f"{self.article_id}: update {self.number} at {self.at}" if self.number else f"{self.article_id}: summary at {self.at}"

    @staticmethod
    def number_of(moment):
        return (moment - EPOCH) // ONE_MICROSECOND if moment else 0

    @staticmethod
    def moment_of(number):
        return EPOCH + number * ONE_MICROSECOND

    @staticmethod
    def lock_story(article_id):
        """Hold the story's row until the transaction commits: changes to one story's coverage take turns."""
        list(Article.objects.select_for_update().filter(pk=article_id).values_list("pk"))

    @classmethod
    def now_in_order(cls, article_id):
        """The time to date a change of this story's coverage with: now, once the story is locked (lock_story), and
        after the latest change readers can see. So changes to one story become visible in the order of their
        times, and a page holding a version never misses a change that commits after it with an earlier time (two
        of the desk saving at once on PostgreSQL; SQLite takes one writer at a time)."""
        cls.lock_story(article_id)
        latest = cls.objects.filter(article_id=article_id).seen().aggregate(latest=Max("at"))["latest"]
        now = timezone.now()
        return max(now, latest + ONE_MICROSECOND) if latest else now

    @staticmethod
    def watched(update):
        """What record() needs of an update as it was: its WATCHED fields, and whether it was a draft."""
        return {name: getattr(update, name) for name in [*LiveChange.WATCHED, "draft"]}

    @classmethod
    def record(cls, update, before, deleted=False):
        """Log a save (or deletion) of `update`, which was `before` (watched(); None: new).

        Dated now, and also at the update's time when that is still to come: an update readers saw
        that is moved to later leaves open pages now and comes back then. A draft leaves nothing, saved
        or deleted: the answer of what changed would name its number, telling readers that it exists.
        A draft published is logged as a new update."""
        if before and before["draft"]:
            before = None
        gone = deleted or update.draft
        if gone and before is None:
            return
        now = cls.now_in_order(update.article_id)
        moments = {now} if gone else {max(now, update.publish_at)}
        if before and before["publish_at"] <= now:
            moments.add(now)
        after = {} if gone else cls.watched(update)
        cls.objects.bulk_create(
            cls(
                article_id=update.article_id, number=update.pk, at=moment,
                key_events=bool(before and before["is_key_event"] or after.get("is_key_event")),
                pinned=bool(before and before["pinned"] or after.get("pinned")),
            )
            for moment in sorted(moments)
        )


class LiveSummary(models.Model):
    """A live story's "What we know": a few lines the desk keeps current, shown above the updates with the time it
    was last changed. Written in the same editor as story bodies, through the same sanitiser."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="live_summary", verbose_name="story")
    body = models.TextField(
        "what we know", blank=True,
        help_text="E.g. a list of the facts established so far. Empty: no summary is shown.",
    )
    body_html = models.TextField(editable=False, blank=True)
    updated_at = models.DateTimeField(editable=False, default=timezone.now)

    class Meta:
        verbose_name = "live summary"
        verbose_name_plural = "live summaries"

    def __str__(self):
        return f"What we know: {self.article}"

    def save(self, *args, **kwargs):
        """Render the text once, stamp the time readers see, and log the change for open pages."""
        self.body = normalise_newlines(self.body).strip()
        self.body_html = clean_story_html(self.body)
        with transaction.atomic():
            self.updated_at = LiveChange.now_in_order(self.article_id)
            super().save(*args, **kwargs)
            LiveChange.objects.create(article_id=self.article_id, at=self.updated_at)
