"""Readers' replies to stories, the decisions moderators take on them, and the little the server
remembers for a reader's browser."""

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.crypto import salted_hmac

from newsroom import pagecache
from newsroom.sanitize import render_comment

from .conf import app_settings

AVATAR_COLOURS = 12


def normalize_email(email):
    """How an address is stored and compared: trimmed, lower case, so one person is one address."""
    return email.strip().lower()


def digest(kind, value):
    """A keyed hash (HMAC with the secret key) of an email or IP address: comparable, not reversible."""
    return salted_hmac(f"comments.{kind}", value).hexdigest()


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
    def public(self):
        """The replies readers see (Comment.PUBLIC: the approved ones)."""
        return self.filter(Comment.PUBLIC)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def visible_to(self, author_token=""):
        """The public replies, plus the reader's own that wait (a spam verdict is shown to its author
        exactly like a pending reply)."""
        visible = Comment.PUBLIC
        if author_token:
            visible |= Q(status__in=Comment.AWAITING, author_token=Comment.hash_token(author_token))
        return self.filter(visible)

    def thread_page(self, article, number, author_token=""):
        """One page of a story's threads, oldest first: its top-level replies with all their answers.

        Only the replies of that page are read, in one query, however many the story has;
        the number of pages comes from the story's kept ReplyCount.
        """
        visible = self.visible_to(author_token).filter(article=article)
        counts = ReplyCount.of([article.pk]).get(article.pk, ReplyCount(article_id=article.pk))
        threads = counts.threads
        if author_token:
            threads += visible.exclude(Comment.PUBLIC).filter(parent__isnull=True).count()
        per_page = app_settings.PER_PAGE
        pages = max(1, math.ceil(threads / per_page))
        try:
            number = min(max(int(number), 1), pages)
        except (TypeError, ValueError):
            number = 1
        roots = visible.filter(parent__isnull=True).order_by("created_at", "pk").values("pk")
        roots = roots[(number - 1) * per_page : number * per_page]
        replies = list(visible.filter(Q(pk__in=roots) | Q(root__in=roots)).order_by("created_at", "pk"))
        return ThreadPage(number, pages, counts.replies, build_threads(replies))

    def with_history(self):
        """Each reply with how many of its author's earlier replies were approved or spam."""
        return self.annotate(
            approved_before=history_count(Comment.Status.APPROVED), spam_before=history_count(Comment.Status.SPAM)
        )

    def moderate(self, status, moderator):
        """Give every reply here `status`, recording each change in its history; how many changed."""
        ids = list(self.exclude(status=status).values_list("pk", flat=True))
        with transaction.atomic():
            changing = list(
                Comment.objects.filter(pk__in=ids).exclude(status=status).select_for_update().only("pk", "status", "article")
            )
            ModerationEvent.objects.bulk_create(
                ModerationEvent(comment=reply, moderator=moderator, from_status=reply.status, to_status=status)
                for reply in changing
            )
            Comment.objects.filter(pk__in=[reply.pk for reply in changing]).update(status=status)
            if status == Comment.PUBLIC_STATUS or any(reply.is_public for reply in changing):
                Comment.public_replies_changed({reply.article_id for reply in changing})
        return len(changing)

    def by_emails(self, emails):
        """Every reply stored under these addresses (compared as saved: trimmed, lower case)."""
        return self.filter(email__in={normalize_email(email) for email in emails}).exclude(email="")


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        SPAM = "spam", "Spam"
        REMOVED = "removed", "Removed"

    PUBLIC_STATUS = Status.APPROVED  # the one rule for what readers see; PUBLIC is it as a filter
    PUBLIC = Q(status=PUBLIC_STATUS)
    # What the author alone sees as "awaiting moderation": telling spam apart would teach a spammer the rules.
    AWAITING = (Status.PENDING, Status.SPAM)

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="comments", verbose_name="story")
    # A deleted reply's answers stay, as top-level replies.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replies")
    # The top-level reply of its thread (empty for a top-level reply): a page of threads is read in one query.
    root = models.ForeignKey(
        "self", null=True, blank=True, editable=False, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
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
    # The random part of the signed form it was posted with: a form takes one reply.
    form_nonce = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)

    objects = CommentQuerySet.as_manager()
    _loaded_status = None  # the status as read from the database (see from_db)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["article", "status", "created_at"])]

    def __str__(self):
        return f"{self.name}: {self.body[:50]}"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        self.body_html = render_comment(self.body)
        # Where it sits in its thread follows from the reply it answers.
        self.depth = self.parent.depth + 1 if self.parent else 1
        self.root_id = (self.parent.root_id or self.parent.pk) if self.parent else None
        super().save(*args, **kwargs)
        if self.is_public or self._loaded_status == self.PUBLIC_STATUS:
            Comment.public_replies_changed([self.article_id])
        self._loaded_status = self.status

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}{self.page_query()}#comment-{self.pk}"

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so save() can tell whether what readers see has changed.
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @staticmethod
    def public_replies_changed(article_ids):
        """What readers see of these stories' replies has changed: recount them, and pages go stale."""
        ReplyCount.refresh(article_ids)
        pagecache.changed()

    def page_query(self):
        """The ?cpage= that shows this reply: top-level threads are paginated, oldest first."""
        root = self
        while root.parent_id:
            root = root.parent
        older = Comment.objects.public().filter(
            article_id=self.article_id, parent__isnull=True, created_at__lt=root.created_at
        ).count()
        page = older // app_settings.PER_PAGE + 1
        return f"?cpage={page}" if page > 1 else ""

    def attach_to(self, parent):
        """Answer `parent`, or its nearest ancestor where the thread is not yet at its deepest."""
        while parent is not None and parent.depth >= app_settings.MAX_DEPTH:
            parent = parent.parent
        self.parent = parent
        self.depth = parent.depth + 1 if parent else 1

    def moderate(self, status, moderator, note=""):
        """Give this reply `status` and record who decided, from which status, and why."""
        with transaction.atomic():
            ModerationEvent.objects.create(
                comment=self, moderator=moderator, from_status=self.status, to_status=status, note=note
            )
            was_public, self.status = self.is_public, status
            Comment.objects.filter(pk=self.pk).update(status=status)
            if was_public or self.is_public:
                Comment.public_replies_changed([self.article_id])

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_public(self):
        return self.status == self.PUBLIC_STATUS

    @property
    def is_awaiting(self):
        """Shown to its author as "awaiting moderation" (pending, or spam told as pending)."""
        return self.status in self.AWAITING

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
        hashed = hashlib.sha256(self.name.strip().casefold().encode()).digest()
        return f"avatar--{hashed[0] % AVATAR_COLOURS}"


def build_threads(replies):
    """Top-level replies, each with .children in order; replies whose parent is not shown are left out."""
    by_id = {reply.pk: reply for reply in replies}
    threads = []
    for reply in replies:
        reply.children = []
    for reply in replies:
        if reply.parent_id is None:
            threads.append(reply)
        elif reply.parent_id in by_id:
            by_id[reply.parent_id].children.append(reply)
    return threads


@dataclass
class ThreadPage:
    """A page of threads under a story, for the template."""

    number: int
    pages: int
    public_count: int  # the story's public replies, all pages together
    threads: list

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages

    def rows(self):
        """Every reply of the page in reading order, as (reply, lists to close after it): a flat loop for
        the template, which nests the lists without including itself once per reply."""
        rows = []

        def walk(reply):
            rows.append([reply, 0])
            for child in reply.children:
                walk(child)
            if reply.children:
                rows[-1][1] += 1

        for thread in self.threads:
            walk(thread)
        return [(reply, range(closes)) for reply, closes in rows]


class ReplyCount(models.Model):
    """How many public replies a story has, and how many start a thread: kept up to date when a reply
    becomes public or stops being so, so no page counts a story's replies."""

    article = models.OneToOneField("articles.Article", primary_key=True, on_delete=models.CASCADE, related_name="+")
    replies = models.PositiveIntegerField(default=0)
    threads = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.replies} replies"

    @classmethod
    def of(cls, article_ids):
        """{story id: ReplyCount} for the stories that have any public reply, in one query."""
        return {count.article_id: count for count in cls.objects.filter(article_id__in=article_ids)}

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


class ModerationEvent(models.Model):
    """One decision about a reply: who took it (nobody for the automatic verdict), when, from what to what."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="events", verbose_name="reply")
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty for the automatic verdict when the reply arrived.",
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=10, choices=Comment.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Comment.Status.choices)
    note = models.CharField(max_length=300, blank=True, help_text="Why, for the automatic verdict.")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "moderation decision"

    def __str__(self):
        who = self.moderator or "automatic"
        return f"{self.get_from_status_display() or 'new'} → {self.get_to_status_display()} ({who})"


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
        "(its author is told it awaits moderation, like any other).",
    )

    class Meta:
        verbose_name = verbose_name_plural = "discussion settings"

    def __str__(self):
        return "Discussion settings"

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


class Throttle(models.Model):
    """How recently, and how often this hour, one address or one email has posted a reply.

    Kept in the database so every worker process counts the same posts; a row is
    locked while a post is decided, so two posts at once cannot both slip through.
    Keys are keyed hashes, never the address itself.
    """

    key = models.CharField(max_length=80, unique=True)
    last_post_at = models.DateTimeField()
    hour_started_at = models.DateTimeField()
    posts_this_hour = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.key

    @classmethod
    def locked(cls, key):
        """The row for `key`, locked until the transaction ends (made if new).

        The same two queries whether or not the key has posted before: how long a post
        takes must not tell whether an email has written here.
        """
        far_past = timezone.now() - timedelta(days=1)
        cls.objects.bulk_create([cls(key=key, last_post_at=far_past, hour_started_at=far_past)], ignore_conflicts=True)
        return cls.objects.select_for_update().get(key=key)

    def seconds_since_last_post(self, now):
        return (now - self.last_post_at).total_seconds()

    def posts_in_the_hour(self, now):
        return self.posts_this_hour if now - self.hour_started_at < timedelta(hours=1) else 0

    def count_post(self, now):
        if now - self.hour_started_at >= timedelta(hours=1):
            self.hour_started_at, self.posts_this_hour = now, 0
        self.posts_this_hour += 1
        self.last_post_at = now
        self.save(update_fields=["last_post_at", "hour_started_at", "posts_this_hour"])


class RememberedAuthor(models.Model):
    """Name, email and website a reader asked their browser to remember, kept here behind its random token.

    The browser holds only the token; the email never travels in a cookie.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=80)
    email = models.EmailField()
    website = models.URLField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.name


class ModeratorNotification(models.Model):
    """An email to moderators about a reply waiting for them, sent after the reader has had the answer.

    Stored with the reply, so a mail server that is down loses nothing: a failed
    send is logged and retried later (after the next reply, or by
    `manage.py send_moderator_emails` from cron).
    """

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+", verbose_name="reply")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    sending_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Notification about reply {self.comment_id}"


@receiver(post_delete, sender=Comment, dispatch_uid="comments.reply_deleted")
def reply_deleted(sender, instance, **kwargs):
    """A deleted reply's answers stay, as top-level replies: each now starts a thread of its own.

    A signal rather than delete(), so the admin's bulk delete and an erasure are covered too.
    """
    orphans = list(Comment.objects.filter(article_id=instance.article_id, parent__isnull=True, root__isnull=False))
    for orphan in orphans:
        shift = orphan.depth - 1
        Comment.objects.filter(pk=orphan.pk).update(root=None, depth=1)
        level = [orphan.pk]
        while level:
            answers = Comment.objects.filter(parent__in=level)
            level = list(answers.values_list("pk", flat=True))
            answers.update(root=orphan.pk, depth=models.F("depth") - shift)
    if instance.is_public or orphans:
        Comment.public_replies_changed([instance.article_id])
