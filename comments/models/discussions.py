"""A story's discussion: its kept counts and its moderators' rules, and the site's own discussion settings."""


from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.utils import timezone

import pagecache

from ..conf import app_settings
from .replies import Comment


class StoryDiscussion(models.Model):
    """A story's discussion: how many public replies it has and how many start a thread (kept up to date
    when a reply becomes public or stops being so, so no page counts a story's replies), and the
    moderators' rules for this story. One row, read with the page of replies, so the story page pays
    no query for its rules."""

    class Moderation(models.TextChoices):
        SITE = "", "As the discussion settings say"
        PRE = "pre", "Pre-moderation: every reply waits for a moderator"
        POST = "post", "Post-moderation: replies appear at once unless a rule holds them"

    article = models.OneToOneField(
        "articles.Article", primary_key=True, on_delete=models.CASCADE, related_name="+", verbose_name="story"
    )
    replies = models.PositiveIntegerField(default=0)
    threads = models.PositiveIntegerField(default=0)
    moderation = models.CharField(max_length=4, choices=Moderation.choices, default=Moderation.SITE, blank=True)
    closed_at = models.DateTimeField(
        "replies closed", null=True, blank=True, help_text="Set when a moderator closed replies on this story now."
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "story discussion"

    def __str__(self):
        return f"{self.replies} replies"

    @classmethod
    def of(cls, article_ids):
        """{story id: StoryDiscussion} for the stories that have a row (any public reply, or rules of their own)."""
        return {row.article_id: row for row in cls.objects.filter(article_id__in=article_ids)}

    @classmethod
    def for_story(cls, article):
        """The story's row, unsaved with the defaults when it has none."""
        return cls.of([article.pk]).get(article.pk) or cls(article_id=article.pk)

    @classmethod
    def set_rules(cls, article, moderator, *, moderation=None, closed=None):
        """Change the story's moderation or close (or reopen) its replies now, each change recorded with who
        and when (DiscussionChange); readers' pages follow at once."""
        with transaction.atomic():
            row, _ = cls.objects.select_for_update().get_or_create(article_id=article.pk)
            changes = []
            if moderation is not None and moderation != row.moderation:
                changes.append(DiscussionChange(
                    article_id=article.pk, by=moderator, what=DiscussionChange.What.MODERATION,
                    before=cls.Moderation(row.moderation).label, after=cls.Moderation(moderation).label,
                ))
                row.moderation = moderation
            if closed is not None and closed != bool(row.closed_at):
                row.closed_at, row.closed_by = (timezone.now(), moderator) if closed else (None, None)
                what = DiscussionChange.What.CLOSED if closed else DiscussionChange.What.REOPENED
                changes.append(DiscussionChange(article_id=article.pk, by=moderator, what=what))
            row.save(update_fields=["moderation", "closed_at", "closed_by"])
            DiscussionChange.objects.bulk_create(changes)
        pagecache.changed(f"replies-{article.pk}")  # the reply form appears or goes
        return row

    @classmethod
    def refresh(cls, article_ids):
        counted = (
            Comment.objects.public()
            .filter(article_id__in=article_ids)
            .order_by()
            .values("article_id")
            .annotate(replies=Count("pk"), threads=Count("pk", filter=Q(parent__isnull=True)))
        )
        counts = {row["article_id"]: row for row in counted}
        for article_id in article_ids:
            row = {key: counts.get(article_id, {}).get(key, 0) for key in ("replies", "threads")}
            updated = cls.objects.filter(article_id=article_id).update(**row)
            if not updated and row["replies"]:
                try:
                    with transaction.atomic():
                        cls.objects.create(article_id=article_id, **row)
                except IntegrityError:  # made at the same moment by another process
                    cls.objects.filter(article_id=article_id).update(**row)



class DiscussionChange(models.Model):
    """One change to a story's moderators' rules: its moderation, or its replies closed or reopened; by whom
    and when. The story's StoryDiscussion says how its rules stand now; this says how they came to."""

    class What(models.TextChoices):
        MODERATION = "moderation", "Moderation changed"
        CLOSED = "closed", "Replies closed"
        REOPENED = "reopened", "Replies reopened"

    # Kept when the story is deleted, as a decision is (ModerationEvent): a record of who did what.
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="story",
        help_text="Empty once the story is deleted.",
    )
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    what = models.CharField(max_length=10, choices=What.choices)
    before = models.CharField(max_length=100, blank=True)
    after = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "change to a story's moderation"

    def __str__(self):
        return self.describe()

    def describe(self):
        """"Moderation changed: As the discussion settings say → Post-moderation: …", "Replies closed"."""
        return f"{self.get_what_display()}: {self.before} → {self.after}" if self.after else self.get_what_display()


class DiscussionSettings(models.Model):
    """The rules moderators keep: which replies wait, which words hold or refuse one (one row).

    Like WordPress's Discussion settings: edited in the admin, in force from the next
    reply on. The NEWSROOM_COMMENTS_* settings are only the first values.
    """

    hold_all = models.BooleanField(
        "hold every reply",
        default=True,
        help_text="Every reply waits for a moderator. Untick to publish at once the replies of an author "
        "whose earlier reply was approved, from the same browser and with the same email.",
    )
    max_links = models.PositiveSmallIntegerField(
        "most links", default=2, help_text="A reply with more links than this waits for a moderator."
    )
    moderation_keys = models.TextField(
        "moderation words",
        blank=True,
        help_text="One per line: a word, email or IP address. A reply that contains one waits for a moderator.",
    )
    disallowed_keys = models.TextField(
        "disallowed words",
        blank=True,
        help_text="One per line: a word, email or IP address. A reply that contains one goes to spam "
        "(its author is never told so).",
    )

    offensive_threshold = models.FloatField(
        "offensive-language threshold", default=0.9, validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text="A reply whose offensive-language score is above this waits for a moderator (1 never holds one).",
    )
    spam_threshold = models.FloatField(
        "spam threshold", default=0.9, validators=[MinValueValidator(0.5), MaxValueValidator(1.0)],
        help_text="A reply whose spam score is above this waits for a moderator; a score alone never marks a "
        "reply as spam (1 never holds one).",
    )

    class Meta:
        verbose_name = verbose_name_plural = "discussion settings"

    def __str__(self):
        return "Discussion settings"

    def save(self, *args, **kwargs):
        changing = not self._state.adding  # made from the first values by current(), it changes nothing shown
        super().save(*args, **kwargs)
        if changing:
            pagecache.changed("site")  # the privacy notice tells readers these rules (in_readers_words)

    def in_readers_words(self):
        """When a reader's reply appears, in the words of the privacy notice (its {reply_moderation})."""
        if self.hold_all:
            waits = "Every reply from a reader waits until a moderator has read it before it appears"
        else:
            waits = (
                "A reader's first reply waits until a moderator has read it before it appears; once one of your "
                "replies has been approved, your later ones from the same browser and with the same email "
                "address appear at once, and a moderator reads them afterwards"
            )
        return (
            f"{waits}. On a story we open to post-moderation, a reply appears at once unless one of our rules "
            "holds it, and a moderator reads it afterwards; on a story under pre-moderation, every reply waits. "
            "Replies by our staff appear at once."
        )

    @classmethod
    def current(cls):
        """The one row, made from the NEWSROOM_COMMENTS_* settings the first time it is needed."""
        rules, _ = cls.objects.get_or_create(
            pk=1,
            defaults={
                "hold_all": app_settings.HOLD_ALL,
                "max_links": app_settings.MAX_LINKS,
                "moderation_keys": "\n".join(app_settings.MODERATION_KEYS),
                "disallowed_keys": "\n".join(app_settings.DISALLOWED_KEYS),
            },
        )
        return rules

    @staticmethod
    def keys(text):
        return [line.strip() for line in text.splitlines() if line.strip()]
