"""Readers' replies to stories, and the state a moderator gives them."""

import hashlib

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Count, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from newsroom.sanitize import render_comment

AVATAR_COLOURS = 12


def normalize_email(email):
    """How an address is stored and compared: trimmed, lower case, so one person is one address."""
    return email.strip().lower()


def history_count(status):
    """How many earlier replies with the same email have this status: a subquery, so lists stay one query."""
    earlier = (
        Comment.objects.filter(email=OuterRef("email"), status=status, created_at__lt=OuterRef("created_at"))
        .exclude(email="")
        .order_by()
        .values("email")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(earlier[:1]), Value(0))


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """The one rule for which replies the public sees."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def for_story_page(self, article, author_token=""):
        """A story's approved replies plus the reader's own pending ones, oldest first, in one query."""
        visible = models.Q(status=Comment.Status.APPROVED)
        if author_token:
            visible |= models.Q(status=Comment.Status.PENDING, author_token=Comment.hash_token(author_token))
        return self.filter(visible, article=article).order_by("created_at", "pk")

    def with_history(self):
        """Each reply with how many of its author's earlier replies were approved or spam."""
        return self.annotate(
            approved_before=history_count(Comment.Status.APPROVED), spam_before=history_count(Comment.Status.SPAM)
        )

    def moderate(self, status, moderator):
        """Set the status of many replies at once, recording who decided and when."""
        return self.update(status=status, moderated_by=moderator, moderated_at=timezone.now())

    def by_emails(self, emails):
        """Every reply stored under these addresses (compared as saved: trimmed, lower case)."""
        return self.filter(email__in={normalize_email(email) for email in emails}).exclude(email="")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="comments", verbose_name="story")
    # A deleted reply's answers stay, as top-level replies.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=1, editable=False, help_text="1 for a reply to the story itself.")
    name = models.CharField(max_length=80)
    email = models.EmailField(blank=True, help_text="Never shown to the public.")
    website = models.URLField(blank=True, validators=[URLValidator(schemes=["http", "https"])])
    body = models.TextField("comment")
    body_html = models.TextField(editable=False, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(
        "IP address", null=True, blank=True, help_text="Kept for moderation, purged after some days."
    )
    user_agent = models.CharField(max_length=300, blank=True)
    # SHA-256 of the random token in the author's browser cookie; recognises a returning author.
    author_token = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    moderated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "status", "created_at"])]

    def __str__(self):
        return f"{self.name}: {self.body[:50]}"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        self.body_html = render_comment(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}{self.page_query()}#comment-{self.pk}"

    def page_query(self):
        """The ?cpage= that shows this reply: top-level threads are paginated, oldest first."""
        root = self
        while root.parent_id:
            root = root.parent
        older = Comment.objects.approved().filter(
            article_id=self.article_id, parent__isnull=True, created_at__lt=root.created_at
        ).count()
        page = older // settings.NEWSROOM_COMMENTS_PER_PAGE + 1
        return f"?cpage={page}" if page > 1 else ""

    def attach_to(self, parent):
        """Answer `parent`, or its nearest ancestor where the thread is not yet at its deepest."""
        while parent is not None and parent.depth >= settings.NEWSROOM_COMMENTS_MAX_DEPTH:
            parent = parent.parent
        self.parent = parent
        self.depth = parent.depth + 1 if parent else 1

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_pending(self):
        return self.status == self.Status.PENDING

    @property
    def website_url(self):
        """The website, only if it is a plain web address: never a javascript: or data: link."""
        return self.website if self.website.lower().startswith(("http://", "https://")) else ""

    @property
    def initials(self):
        """Up to two letters from the name, for an avatar that never involves the email."""
        letters = [word[0] for word in self.name.split() if word[0].isalnum()]
        return "".join(letters[:2]).upper() or "?"

    @property
    def avatar_class(self):
        """One of a dozen colours, chosen by the name so the same name always looks the same."""
        digest = hashlib.sha256(self.name.strip().casefold().encode()).digest()
        return f"avatar--{digest[0] % AVATAR_COLOURS}"
