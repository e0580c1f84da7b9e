"""The editors' desk: who has a story open and their unsaved copy, preview links for outsiders, the front page's choice."""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

import pagecache
from articles.models import Article, normalise_newlines


def draft_key(value):
    """The draft key a new story's form made up, as its canonical UUID text, or None when it is not one."""
    try:
        return str(uuid.UUID(value)) if len(value) == 36 else None
    except ValueError:
        return None


class EditSessionQuerySet(models.QuerySet):
    def others_editing(self, article, user):
        """Who else has had this story open in the admin within the last few minutes, latest first."""
        since = timezone.now() - EditSession.RECENT
        return (
            self.filter(article=article, seen_at__gte=since)
            .exclude(user=user)
            .select_related("user")
            .order_by("-seen_at")
        )


class EditSession(models.Model):
    """One person's work on one story in the admin: when they last had it open, and their unsaved draft copy.

    The draft copy is what the form held when it was last autosaved. It is never public and
    never changes the story: it is offered back to its writer (only to them) after a closed
    tab or a crash, and removed when they save or discard it. A story not saved yet has no
    row to hang its copy on: its copy is kept under the key its form made up (`draft_key`)
    from the first keystroke, with no story, until the story is saved.
    """

    # How long after its last sign of life an open form still counts as open.
    RECENT = timedelta(minutes=3)
    # How long after the last key pressed in it someone counts as typing.
    TYPING = timedelta(seconds=10)
    # The unsaved new stories kept per person: the older ones go.
    NEW_DRAFTS_KEPT = 5

    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.CASCADE, related_name="edit_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    draft_key = models.CharField(
        max_length=36, blank=True, default="", help_text="For a story not saved yet: the key its form made up."
    )
    seen_at = models.DateTimeField(null=True, blank=True)
    typing_at = models.DateTimeField(null=True, blank=True, help_text="When they last typed (the live desk says who is typing).")
    draft = models.JSONField(default=dict, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    draft_version = models.PositiveIntegerField(default=0, help_text="The story's edit version the draft started from.")

    objects = EditSessionQuerySet.as_manager()

    class Meta:
        db_table = "articles_editsession"
        constraints = [
            models.UniqueConstraint(fields=["article", "user"], name="one_edit_session_per_person"),
            models.UniqueConstraint(
                fields=["user", "draft_key"], condition=models.Q(article__isnull=True), name="one_new_story_draft_per_key"
            ),
        ]

    def __str__(self):
        return f"{self.user} on {self.article}"

    # The form fields a draft copy keeps: the story's words, where a crash hurts.
    DRAFT_FIELDS = ("kicker", "headline", "slug", "standfirst", "body")

    @classmethod
    def seen(cls, article, user, typing=False):
        now = timezone.now()
        cls.objects.update_or_create(
            article=article, user=user, defaults={"seen_at": now, **({"typing_at": now} if typing else {})}
        )

    def is_typing(self):
        return self.typing_at is not None and self.typing_at > timezone.now() - self.TYPING

    @classmethod
    def left(cls, article, user):
        cls.objects.filter(article=article, user=user).update(seen_at=None, typing_at=None)

    @classmethod
    def _draft_of(cls, fields):
        """The writer's unsaved words from the form's `fields`: only the draft fields, each cut to its field's length."""
        draft = {}
        for name in cls.DRAFT_FIELDS:
            if name in fields:
                limit = Article._meta.get_field(name).max_length
                value = normalise_newlines(str(fields[name]))
                draft[name] = value[:limit] if limit else value
        return draft

    @classmethod
    def keep_draft(cls, article, user, fields, version):
        """Store the writer's unsaved words of a story."""
        now = timezone.now()
        cls.objects.update_or_create(
            article=article,
            user=user,
            defaults={"draft": cls._draft_of(fields), "draft_saved_at": now, "draft_version": version, "seen_at": now},
        )
        return now

    @classmethod
    def keep_new_draft(cls, user, key, fields):
        """Store the writer's unsaved words of a story not saved yet, under the key its form made up."""
        now = timezone.now()
        cls.objects.update_or_create(
            article=None, user=user, draft_key=key, defaults={"draft": cls._draft_of(fields), "draft_saved_at": now}
        )
        older = cls.new_drafts_of(user)[cls.NEW_DRAFTS_KEPT:].values_list("pk", flat=True)
        cls.objects.filter(pk__in=list(older)).delete()
        return now

    @classmethod
    def new_drafts_of(cls, user):
        """The writer's own copies of stories they began and never saved, latest first."""
        return cls.objects.filter(article=None, user=user, draft_saved_at__isnull=False).order_by("-draft_saved_at", "-pk")

    @classmethod
    def discard_new_draft(cls, user, key):
        if key := draft_key(key):
            cls.objects.filter(article=None, user=user, draft_key=key).delete()

    @classmethod
    def draft_for(cls, article, user):
        """The writer's draft copy of the story when it differs from the story as saved, else None."""
        session = cls.objects.filter(article=article, user=user, draft_saved_at__isnull=False).first()
        if session is None or all(session.draft.get(name, getattr(article, name)) == getattr(article, name)
                                  for name in cls.DRAFT_FIELDS):
            return None
        return session

    @classmethod
    def discard_draft(cls, article, user):
        cls.objects.filter(article=article, user=user).update(draft={}, draft_saved_at=None, draft_version=0)


def new_preview_token():
    return secrets.token_urlsafe(32)


class PreviewLinkQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A link that shows one unpublished story to someone outside the newsroom (a lawyer, a source checking quotes).

    Its address carries 256 random bits; it works until it expires or is revoked, and
    never outlives what it shows: the page is a preview, marked and never cached or indexed.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=new_preview_token, editable=False)
    shared_with = models.CharField(
        "for", max_length=120, help_text='Who the link is for, e.g. "Legal: A. Kaliyeva". Shown only in the admin.'
    )
    expires_at = models.DateTimeField("expires", help_text="The link stops working at this time.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        db_table = "articles_previewlink"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of “{self.article}” for {self.shared_with}"

    def get_absolute_url(self):
        return reverse("desk:preview", kwargs={"token": self.token})

    def is_valid(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class FrontPage(models.Model):
    """What editors choose for the front page: its lead story, featured stories in order, and a breaking-news banner.

    One row. Left empty, the front page is newest first. A chosen story shows only while it is public.
    """

    lead = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="lead story",
        help_text="Leave empty to lead with the newest story.",
    )
    banner_text = models.CharField(
        "breaking news", max_length=160, blank=True, help_text="A line shown above the front page, e.g. “Curfew lifted in Almaty”."
    )
    banner_story = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="banner links to",
        help_text="The banner links to this story; it shows only while the story is public.",
    )
    banner_ends_at = models.DateTimeField(
        "banner ends at", null=True, blank=True, help_text="The banner disappears by itself at this time. Leave empty to keep it."
    )
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "articles_frontpage"
        verbose_name = "front page"
        verbose_name_plural = "front page"

    def __str__(self):
        return "Front page"

    def clean(self):
        if self.banner_text and not self.banner_story_id:
            raise ValidationError({"banner_story": "Choose the story the breaking-news banner links to."})
        if self.banner_story_id and not self.banner_text:
            raise ValidationError({"banner_text": "Write the line the banner shows, or leave both empty."})

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def curation(cls):
        """What the front page shows of the editors' choice now, remembered until something readers see changes:
        {"order": [story ids, lead first], "lead": id or None, "banner": {"text", "url"} or None}.
        """
        return pagecache.per_generation("front-page", cls._curation)

    @classmethod
    def _curation(cls):
        front = cls.objects.filter(pk=1).first()
        if front is None:
            return {"order": [], "lead": None, "banner": None}
        chosen = [front.lead_id] if front.lead_id else []
        chosen += [pk for pk in front.featured.values_list("article_id", flat=True) if pk not in chosen]
        public = set(Article.objects.published().filter(pk__in=chosen).values_list("pk", flat=True))
        order = [pk for pk in chosen if pk in public]
        banner = None
        if front.banner_text and front.banner_story_id and (front.banner_ends_at is None or front.banner_ends_at > timezone.now()):
            story = Article.objects.published().filter(pk=front.banner_story_id).first()
            if story:
                banner = {"text": front.banner_text, "url": story.get_absolute_url(), "headline": story.headline}
        return {"order": order, "lead": front.lead_id if front.lead_id in public else None, "banner": banner}

    def next_change(self):
        """The banner's end, when it is still to come (the front page changes by itself then)."""
        if self.banner_text and self.banner_ends_at and self.banner_ends_at > timezone.now():
            return self.banner_ends_at
        return None


class FeaturedStory(models.Model):
    front = models.ForeignKey(FrontPage, on_delete=models.CASCADE, related_name="featured")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", verbose_name="story")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        db_table = "articles_featuredstory"
        ordering = ["position", "pk"]
        verbose_name = "featured story"
        verbose_name_plural = "featured stories, after the lead, lowest position first"
        constraints = [models.UniqueConstraint(fields=["front", "article"], name="feature_a_story_once")]

    def __str__(self):
        return str(self.article)

