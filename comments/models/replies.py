"""Readers' replies to stories, the decisions moderators take on them, and the little the server
remembers for a reader's browser."""

import functools
import hashlib
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format

import clientip
import pagecache
from sanitize import render_comment

from .conf import app_settings

AVATAR_COLOURS = 12


def normalize_email(email):
    """How an address is stored and compared: trimmed, lower case, so one person is one address."""
    return email.strip().lower()


def digest(kind, value):
    """A keyed hash (HMAC with the secret key) of an email or IP address: comparable, not reversible."""
    return salted_hmac(f"comments.{kind}", value).hexdigest()


def count_of(queryset):
    """How many rows `queryset` has, as a subquery (0 when none): a list of replies stays one query."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def history_count(status):
    """How many earlier replies with the same email have this status: a subquery, so lists stay one query."""
    return count_of(
        Comment.objects.filter(email=OuterRef("email"), status=status, created_at__lt=OuterRef("created_at")).exclude(
            email=""
        )
    )


# The moderation page's queues: name, label, and which replies are in it (see CommentQuerySet.in_queue).
QUEUES = {
    "new": "New",
    "reported": "Reported",
    "featured": "Featured",
    "spam": "Spam",
    "removed": "Removed",
    "all": "All",
}
# The orders a reader may choose for a story's threads (?sort=), the first being the default.
SORTS = {"oldest": "Oldest first", "newest": "Newest first", "replies": "Most replied to"}
# The same orders for the top-level replies in SQL ("answers": its thread's public replies, see thread_page).
THREAD_ORDER = {
    "oldest": ("created_at", "pk"),
    "newest": ("-created_at", "-pk"),
    "replies": ("-answers", "created_at", "pk"),
}


class CommentQuerySet(models.QuerySet):
    def public(self):
        """The replies readers see (Comment.PUBLIC: the approved ones)."""
        return self.filter(Comment.PUBLIC)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def seen_as_published_by(self, author_token=""):
        """The replies this browser sees as published: the public ones, and its own held for who wrote them
        (Comment.looks_published), which it may answer and report like any other."""
        seen = Comment.PUBLIC
        if author_token:
            seen |= Q(status__in=Comment.AWAITING, looks_published=True, author_token=Comment.hash_token(author_token))
        return self.filter(seen)

    def visible_to(self, author_token="", moderating=False):
        """The public replies, plus the reader's own that wait (a spam verdict is shown to its author
        exactly like a pending reply), plus, for a moderator, every reply that waits for a decision."""
        visible = Comment.PUBLIC
        if author_token:
            visible |= Q(status__in=Comment.AWAITING, author_token=Comment.hash_token(author_token))
        if moderating:
            visible |= Q(status=Comment.Status.PENDING)
        return self.filter(visible)

    def thread_page(self, article, number, author_token="", sort="oldest", moderating=False):
        """One page of a story's threads in the order the reader chose (SORTS), with its featured replies.

        The top-level replies of the page with all their answers, and on the first page the story's
        featured replies, are read in one query, however many replies the story has; the number of
        pages comes from the story's kept StoryDiscussion row, which also carries its moderators' rules.
        Answers stay oldest first inside their thread.
        """
        sort = sort if sort in SORTS else "oldest"
        visible = self.visible_to(author_token, moderating).filter(article=article)
        discussion = StoryDiscussion.of([article.pk]).get(article.pk) or StoryDiscussion(article_id=article.pk)
        threads, public_count = discussion.threads, discussion.replies
        if author_token or moderating:
            waiting = visible.exclude(Comment.PUBLIC).aggregate(
                threads=Count("pk", filter=Q(parent__isnull=True)),
                # The reader's own replies that look published to them count as published, for them.
                looks_published=Count("pk", filter=Q(looks_published=True, author_token=Comment.hash_token(author_token))),
            )
            threads += waiting["threads"]
            public_count += waiting["looks_published"] if author_token else 0
        per_page = app_settings.PER_PAGE
        pages = max(1, math.ceil(threads / per_page))
        try:
            number = min(max(int(number), 1), pages)
        except (TypeError, ValueError):
            number = 1
        roots = visible.filter(parent__isnull=True)
        if sort == "replies":
            roots = roots.annotate(answers=count_of(Comment.objects.public().filter(root=OuterRef("pk"))))
        roots = roots.order_by(*THREAD_ORDER[sort]).values("pk")[(number - 1) * per_page : number * per_page]
        in_threads = Q(pk__in=roots) | Q(root__in=roots)
        wanted = in_threads | (Comment.PUBLIC & Q(is_featured=True)) if number == 1 else in_threads
        replies = list(
            visible.filter(wanted)
            .annotate(in_thread=Case(When(in_threads, then=Value(True)), default=Value(False)))
            .order_by("created_at", "pk")
        )
        for reply in replies:
            # A moderator sees every reply that waits as waiting; its author, only those not made to look published.
            reply.shown_waiting = reply.is_awaiting if moderating else reply.is_awaiting_for_its_author
        featured = [reply for reply in replies if reply.is_featured and reply.is_public] if number == 1 else []
        in_thread = [reply for reply in replies if reply.in_thread]
        threads = order_threads(build_threads(in_thread), sort, in_thread)
        return ThreadPage(number, pages, public_count, threads, sort=sort, featured=featured, discussion=discussion)

    def in_queue(self, name):
        """The replies in one of the moderation page's QUEUES."""
        return self.filter(queue_filter(name))

    def queue_counts(self, only=tuple(QUEUES)):
        """{queue name: how many replies are in it} for the QUEUES named in `only`, in at most three
        queries whatever their length: replies by status, the featured ones, the reported ones."""
        counts = {}
        if {"new", "spam", "removed", "all"} & set(only):
            by_status = dict(self.order_by().values_list("status").annotate(n=Count("pk")))
            counts["all"] = sum(by_status.values())
            for name, status in (("new", Comment.Status.PENDING), ("spam", Comment.Status.SPAM), ("removed", Comment.Status.REMOVED)):
                counts[name] = by_status.get(status, 0)
        if "featured" in only:
            counts["featured"] = self.in_queue("featured").count()
        if "reported" in only:
            counts["reported"] = Report.objects.open().filter(comment__in=self.values("pk")).values("comment").distinct().count()
        return {name: counts[name] for name in only}

    def for_moderation(self):
        """Each reply with what a moderator weighs: its story, the reply it answers, why it was held, its
        open reports, and its author's history (their other replies by status, whether this is their first
        reply from this email or this IP address). Nothing about the reports an author made: a count that
        moves when a report arrives would tell the moderator who reported.

        One query for the replies however many there are, and one for their open reports.
        """
        others = Comment.objects.filter(email=OuterRef("email")).exclude(email="").exclude(pk=OuterRef("pk"))
        return self.select_related("article", "parent").annotate(
            author_approved=count_of(others.filter(status=Comment.Status.APPROVED)),
            author_removed=count_of(others.filter(status=Comment.Status.REMOVED)),
            author_spam=count_of(others.filter(status=Comment.Status.SPAM)),
            author_waiting=count_of(others.filter(status=Comment.Status.PENDING)),
            earlier_from_email=Exists(others.filter(created_at__lt=OuterRef("created_at"))),
            earlier_from_ip=Exists(
                Comment.objects.filter(ip_address=OuterRef("ip_address"), created_at__lt=OuterRef("created_at"))
            ),
            verdict_note=Subquery(
                ModerationEvent.objects.filter(comment=OuterRef("pk"), action=ModerationEvent.Action.VERDICT)
                .order_by("pk")
                .values("note")[:1]
            ),
        ).prefetch_related(models.Prefetch("reports", queryset=Report.objects.open(), to_attr="open_reports"))

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
                for reply in changing  # bulk decisions settle reports too, but are not undone one by one
            )
            Comment.objects.filter(pk__in=[reply.pk for reply in changing]).update(status=status)
            upheld = Report.upheld_by(status)
            if upheld is not None:
                Report.objects.open().filter(comment__in=changing).update(resolved_at=timezone.now(), upheld=upheld)
            if status == Comment.PUBLIC_STATUS or any(reply.is_public for reply in changing):
                Comment.public_replies_changed({reply.article_id for reply in changing})
        return len(changing)

    def matching_author(self, emails=(), ips=()):
        """Replies written under any of these emails or sent from any of these IP addresses."""
        emails = {normalize_email(email) for email in emails if email}
        ips = {ip for ip in ips if ip}
        return self.filter(Q(email__in=emails) | Q(ip_address__in=ips)) if emails or ips else self.none()

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
    # Held for who wrote it (a ban, a watched email or address, a flood from the email) where the words
    # alone would be published: its author is told, and their browser shows, that it is published, so no
    # answer tells anyone about an email. Nobody else sees it until a moderator approves it.
    looks_published = models.BooleanField(
        "shown to its author as published", default=False, editable=False,
        help_text="Held for who wrote it; its author was told it is published.",
    )
    is_featured = models.BooleanField(
        "featured", default=False, db_index=True,
        help_text="Shown first under “Featured” on the story (and in its place in the thread) while it is approved.",
    )
    # The signed-in staff member who wrote it: the reply carries a "Staff" badge that no name can fake.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+",
        verbose_name="staff author",
    )

    objects = CommentQuerySet.as_manager()
    _loaded_status = None  # the status as read from the database (see from_db)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["article", "status", "created_at"]),
            # An author's history and bans are looked up by email and by IP address.
            models.Index(fields=["email"]),
            models.Index(fields=["ip_address"]),
        ]

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
        """What readers see of these stories' replies has changed: recount them, pages go stale, and once
        this is committed, their subscribers hear of the replies newly approved (whichever path approved them)."""
        from .subscriptions import replies_published

        StoryDiscussion.refresh(article_ids)
        pagecache.changed()
        replies_published(article_ids)

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

    def moderate(self, status, moderator, note="", *, featured=None, action=None):
        """Give this reply `status` (and `featured`, when given), and record who decided, from which status, and why.

        The decision settles the reply's open reports (Report.upheld_by: upheld when it leaves the story,
        dismissed when a moderator approves it); taking a reply out of the featured ones settles none.
        Returns the event recorded, or None when the decision would change nothing.
        """
        featured = self.is_featured if featured is None else featured
        action = action or ModerationEvent.Action.STATUS
        with transaction.atomic():
            reports = self.reports.open()
            upheld = Report.upheld_by(status) if action != ModerationEvent.Action.UNFEATURE else None
            settling = reports.count() if upheld is not None else 0
            if status == self.status and featured == self.is_featured and not settling:
                return None
            if settling:
                outcome = "upheld" if upheld else "dismissed"
                note = "; ".join(filter(None, [note, f"{settling} report{pluralize(settling)} {outcome}"]))
            event = ModerationEvent.objects.create(
                comment=self, moderator=moderator, from_status=self.status, to_status=status, note=note, action=action
            )
            if settling:
                reports.update(resolved_at=event.at, upheld=upheld, resolved_by=event)
            shown_before = (self.is_public, self.is_public and self.is_featured)
            self.status, self.is_featured = status, featured
            Comment.objects.filter(pk=self.pk).update(status=status, is_featured=featured)
            if shown_before != (self.is_public, self.is_public and self.is_featured):
                Comment.public_replies_changed([self.article_id])
        return event

    @property
    def is_by_staff(self):
        """Written by a signed-in staff member: the "Staff" badge."""
        return self.user_id is not None

    @staticmethod
    def contact_visible_to(user):
        """Whether `user` may see (and search by) a reply's email and IP address: staff who may change replies."""
        return user.has_perm("comments.change_comment")

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def is_public(self):
        return self.status == self.PUBLIC_STATUS

    @property
    def is_awaiting(self):
        """Waiting for a moderator's decision, or spam (told to its author as waiting: telling spam apart
        would teach a spammer the rules)."""
        return self.status in self.AWAITING

    @property
    def is_awaiting_for_its_author(self):
        """Shown to its author as "awaiting moderation": it waits, and was not made to look published."""
        return self.is_awaiting and not self.looks_published

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


def order_threads(threads, sort, replies):
    """The threads in the order THREAD_ORDER gave their top-level replies in SQL (`replies`: all that were read)."""
    if sort == "newest":
        return sorted(threads, key=lambda reply: (reply.created_at, reply.pk), reverse=True)
    if sort == "replies":
        answers = Counter(reply.root_id for reply in replies if reply.root_id and reply.is_public)
        return sorted(threads, key=lambda reply: (-answers[reply.pk], reply.created_at, reply.pk))
    return threads


@dataclass
class ThreadPage:
    """A page of threads under a story, for the template."""

    number: int
    pages: int
    public_count: int  # the story's public replies, all pages together
    threads: list
    sort: str = "oldest"
    featured: list = field(default_factory=list)  # the story's featured replies, on the first page
    discussion: "StoryDiscussion | None" = None

    def query(self, cpage=None, replyto=None):
        """The query string for another page (or a reply form) of these threads in the same order."""
        params = []
        if self.sort != "oldest":
            params.append(f"sort={self.sort}")
        if cpage and cpage > 1:
            params.append(f"cpage={cpage}")
        if replyto:
            params.append(f"replyto={replyto}")
        return "?" + "&".join(params) if params else "?"

    @property
    def sorts(self):
        """(sort, label, link, is it the current one) for the reader's choice of order."""
        return [(name, label, f"?sort={name}" if name != "oldest" else "?", name == self.sort) for name, label in SORTS.items()]

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
        """Change the story's moderation or close (or reopen) its replies now; readers' pages follow at once."""
        row, _ = cls.objects.get_or_create(article_id=article.pk)
        if moderation is not None:
            row.moderation = moderation
        if closed is not None and closed != bool(row.closed_at):
            row.closed_at, row.closed_by = (timezone.now(), moderator) if closed else (None, None)
        row.save(update_fields=["moderation", "closed_at", "closed_by"])
        pagecache.changed()  # the reply form appears or goes
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


def without_contact(text, emails=(), ips=()):
    """`text` with these emails and IP addresses blanked out, in any case: a verdict's note quotes the
    moderation word that held a reply, and that word may be its author's email or IP address."""
    for value, blank in [*((email, "[email]") for email in emails if email), *((ip, "[IP address]") for ip in ips if ip)]:
        text = re.sub(re.escape(value), blank, text, flags=re.IGNORECASE)
    return text


class ModerationEventQuerySet(models.QuerySet):
    def bulk_create(self, events, *args, **kwargs):
        """As save() does, each event keeps its reply's number and story (ModerationEvent.keeping_the_reply)."""
        return super().bulk_create([event.keeping_the_reply() for event in events], *args, **kwargs)

    def forget(self, emails=(), ips=()):
        """Blank these emails and IP addresses out of these decisions' notes (a deleted reply, an erasure):
        who decided what, when and on which story stays; the author does not."""
        values = [value for value in (*emails, *ips) if value]
        if not values:
            return
        quoting = functools.reduce(operator.or_, (Q(note__icontains=value) for value in values))
        for event in self.filter(quoting).only("pk", "note"):
            ModerationEvent.objects.filter(pk=event.pk).update(note=without_contact(event.note, emails, ips))


class ModerationEvent(models.Model):
    """One decision about a reply, or one thing that happened to it: who (nobody for the automatic verdict
    and for a reader's report), when, what, from which status to which, and why.

    The moderators' record outlives the reply: a deleted reply leaves its decisions with its number and
    its story, the link to it empty and its author's email and IP address blanked out of their notes.
    """

    class Action(models.TextChoices):
        VERDICT = "verdict", "Automatic verdict"
        STATUS = "status", "Status changed"
        FEATURE = "feature", "Featured"
        UNFEATURE = "unfeature", "No longer featured"
        REPORT = "report", "Reported by a reader"
        BAN = "ban", "Author banned or suspended"
        LIFT = "lift", "Ban lifted"
        UNDO = "undo", "Decision undone"

    # The decisions a moderator may undo for a few seconds after taking them (moderation.UNDO_SECONDS).
    UNDOABLE = (Action.STATUS, Action.FEATURE, Action.UNFEATURE)

    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events", verbose_name="reply",
        help_text="Empty once the reply is deleted; its number and story stay.",
    )
    reply_number = models.PositiveBigIntegerField(editable=False, db_index=True, help_text="The reply's id, kept when it is deleted.")
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+",
        verbose_name="story",
    )
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="Empty for the automatic verdict when the reply arrived, and for a reader's report.",
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.STATUS)
    from_status = models.CharField(max_length=10, choices=Comment.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Comment.Status.choices)
    note = models.CharField(max_length=300, blank=True, help_text="Why: the verdict's reason, a report's reason, a ban's.")
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="undone_by",
        help_text="The decision this one undid.",
    )

    objects = ModerationEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "moderation decision"

    def __str__(self):
        who = self.moderator or "automatic"
        return f"{self.get_from_status_display() or 'new'} → {self.get_to_status_display()} ({who})"

    def save(self, *args, **kwargs):
        self.keeping_the_reply()
        super().save(*args, **kwargs)

    def keeping_the_reply(self):
        """Note the reply's number and story on the decision (on save() and bulk_create()), so the record
        says what was decided where once the reply is gone. The event itself."""
        if self.comment_id and not self.reply_number:
            self.reply_number, self.article_id = self.comment_id, self.comment.article_id
        return self

    def note_without_contact(self):
        """The note as staff who may not see a reply's email and IP address read it."""
        reply = self.comment
        return without_contact(self.note, [reply.email], [reply.ip_address]) if reply else self.note

    def describe(self):
        """The decision in a moderator's words, with its note: "Approved", "Kept (1 report dismissed)", "Featured"."""
        if self.action == self.Action.STATUS:
            what = "Kept" if self.from_status == self.to_status else {
                Comment.Status.APPROVED: "Approved",
                Comment.Status.REMOVED: "Removed",
                Comment.Status.SPAM: "Marked as spam",
                Comment.Status.PENDING: "Put back to wait",
            }[self.to_status]
        else:
            what = self.get_action_display()
        return f"{what} ({self.note})" if self.note else what

    def undo(self, moderator):
        """Put the reply back as it was before this decision (its status, whether it was featured, the
        reports it settled reopened) and record that; the new event. The caller checks who and when."""
        with transaction.atomic():
            reply = Comment.objects.select_for_update().get(pk=self.comment_id)
            featured = {self.Action.FEATURE: False, self.Action.UNFEATURE: True}.get(self.action, reply.is_featured)
            reopened = self.resolved_reports.update(resolved_at=None, upheld=None, resolved_by=None)
            note = f"undid “{self.describe()}” ({self.get_from_status_display() or 'new'} → {self.get_to_status_display()})"
            if reopened:
                note += f"; {reopened} report{pluralize(reopened)} open again"
            event = ModerationEvent.objects.create(
                comment=reply, moderator=moderator, action=self.Action.UNDO, from_status=reply.status,
                to_status=self.from_status, note=note, undoes=self,
            )
            shown_before = (reply.is_public, reply.is_public and reply.is_featured)
            reply.status, reply.is_featured = self.from_status, featured
            Comment.objects.filter(pk=reply.pk).update(status=reply.status, is_featured=featured)
            if shown_before != (reply.is_public, reply.is_public and reply.is_featured):
                Comment.public_replies_changed([reply.article_id])
        return event

    def can_be_undone(self, moderator, now=None, seconds=None):
        """Whether `moderator` may still undo this decision: theirs, undoable, recent, not undone, and the
        reply's latest decision (a colleague's later one is not overwritten)."""
        from .moderation import UNDO_SECONDS

        now = now or timezone.now()
        if self.comment_id is None:  # the reply is gone
            return False
        if self.action not in self.UNDOABLE or self.moderator_id != getattr(moderator, "pk", None):
            return False
        if (now - self.at).total_seconds() > (UNDO_SECONDS if seconds is None else seconds):
            return False
        if ModerationEvent.objects.filter(undoes=self).exists():
            return False
        later = ModerationEvent.objects.filter(comment_id=self.comment_id, pk__gt=self.pk).exclude(
            action__in=[self.Action.REPORT, self.Action.VERDICT]
        )
        return not later.exists()


class ReportQuerySet(models.QuerySet):
    def open(self):
        """Reports no moderator has settled yet."""
        return self.filter(resolved_at__isnull=True)


class Report(models.Model):
    """A reader's report about a public reply: why, and what a moderator decided about it.

    Who reported is never shown to anyone, nor anything derived from it: only a hash of the reporting
    browser's token is kept, so one browser reports a reply once. It is the same hash a reply stores as
    its author_token, so nothing may count or show reports by it: a count on an author that moved when a
    report arrived would name the reporter.
    """

    class Reason(models.TextChoices):
        ABUSIVE = "abusive", "Abusive or hateful"
        SPAM = "spam", "Spam or advertising"
        OFF_TOPIC = "off_topic", "Off topic"
        PRIVATE = "private", "Reveals private information"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports", verbose_name="reply")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    reporter = models.CharField(max_length=64, editable=False, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    upheld = models.BooleanField(null=True, help_text="Yes: the reply was removed or marked spam. No: it was kept.")
    resolved_by = models.ForeignKey(
        ModerationEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="resolved_reports"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="one_report_per_browser")]

    def __str__(self):
        return self.describe()

    def describe(self):
        """The reason in words, with the reader's note for "something else"."""
        return f"{self.get_reason_display()}: {self.note}" if self.note else self.get_reason_display()

    @staticmethod
    def upheld_by(status):
        """Whether a moderator giving a reported reply `status` upholds its reports (True), dismisses them
        (False), or leaves them open (None: it waits)."""
        if status in (Comment.Status.REMOVED, Comment.Status.SPAM):
            return True
        return False if status == Comment.PUBLIC_STATUS else None


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bans in force: not lifted, and either until lifted or not yet expired."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=now))

    def matching(self, emails=(), ips=()):
        """Bans on any of these emails or IP addresses (an IPv6 address: on its /64, see Ban.ip_address)."""
        emails = {normalize_email(email) for email in emails if email}
        ips = {clientip.network(ip) for ip in ips} - {""}
        return self.filter(Q(email__in=emails) | Q(ip_address__in=ips)) if emails or ips else self.none()


class Ban(models.Model):
    """A commenter banned (until lifted) or suspended (until a time), by email or by IP address.

    Their new replies are taken like any other and go to spam, with the ban as the verdict: the
    answer they get is exactly a held reply's, so no response tells anyone that an email or an address
    is banned, or has written here. Their earlier replies stay unless a moderator removes them.
    """

    email = models.EmailField(blank=True, help_text="The commenter's email address (compared trimmed, in lower case).")
    # Stored as clientip.network() gives it: an IPv6 address bans its whole /64 (one subscriber's
    # network), or a banned reader would only have to take the next address.
    ip_address = models.GenericIPAddressField(
        "IP address", null=True, blank=True, help_text="An IPv6 address bans its whole /64 network."
    )
    reason = models.CharField(max_length=300, help_text="Why, for the other moderators.")
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: banned until a moderator lifts it.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="set by"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="bans",
        verbose_name="reply", help_text="The reply it was set from, if any.",
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(email="") & Q(ip_address__isnull=False)) | (~Q(email="") & Q(ip_address__isnull=True)),
                name="ban_by_email_or_by_address",
                violation_error_message="Give an email or an IP address: one ban each.",
            )
        ]

    def __str__(self):
        # Never the email or the address: this names the ban in page titles and in the admin's log.
        return self.describe_target()

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        self.ip_address = clientip.network(self.ip_address) or None
        super().save(*args, **kwargs)

    def clean(self):
        self.email, self.ip_address = normalize_email(self.email), clientip.network(self.ip_address) or None
        if bool(self.email) == bool(self.ip_address):
            raise ValidationError("Give an email or an IP address: one ban each (set two to ban both).")

    def describe_target(self):
        """"Ban by email", "Suspension by IP address": what the history says, never the email itself."""
        return f"{self.kind} by {'email' if self.email else 'IP address'}"

    @property
    def target(self):
        """The email, the IPv4 address, or the IPv6 network ("2001:db8:1:2::/64") banned."""
        if self.ip_address and ":" in self.ip_address:
            return f"{self.ip_address}/{clientip.IPV6_PREFIX}"
        return self.email or self.ip_address

    @property
    def kind(self):
        return "Suspension" if self.until else "Ban"

    def covers(self, reply):
        """Whether this ban is on the reply's email or on its address's network (an IPv6 address: its /64)."""
        if self.email:
            return self.email == normalize_email(reply.email)
        return self.ip_address == clientip.network(reply.ip_address)

    def is_active(self, now=None):
        now = now or timezone.now()
        return self.lifted_at is None and (self.until is None or self.until > now)

    def describe(self):
        """"Banned until lifted" or "Suspended until 3 March 2026, 14:00", for badges and the history."""
        if self.until is None:
            return "banned until lifted"
        return f"suspended until {date_format(timezone.localtime(self.until), 'j F Y, H:i')}"

    def lift(self, moderator):
        """End the ban now, recording who lifted it (and, when it was set from a reply, in that reply's history)."""
        if self.lifted_at:
            return False
        self.lifted_at, self.lifted_by = timezone.now(), moderator
        self.save(update_fields=["lifted_at", "lifted_by"])
        if self.comment_id:
            ModerationEvent.objects.create(
                comment=self.comment, moderator=moderator, action=ModerationEvent.Action.LIFT,
                from_status=self.comment.status, to_status=self.comment.status, note=f"{self.describe_target()} lifted",
            )
        return True


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

    class Meta:
        verbose_name = verbose_name_plural = "discussion settings"

    def __str__(self):
        return "Discussion settings"

    def save(self, *args, **kwargs):
        changing = not self._state.adding  # made from the first values by current(), it changes nothing shown
        super().save(*args, **kwargs)
        if changing:
            pagecache.changed()  # the privacy notice tells readers these rules (in_readers_words)

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


def queue_filter(name):
    """Which replies are in the moderation page's queue `name` (QUEUES), as a filter."""
    return {
        "new": Q(status=Comment.Status.PENDING),
        "reported": Q(Exists(Report.objects.open().filter(comment=OuterRef("pk")))),
        "featured": Comment.PUBLIC & Q(is_featured=True),
        "spam": Q(status=Comment.Status.SPAM),
        "removed": Q(status=Comment.Status.REMOVED),
        "all": Q(),
    }[name]


@receiver(post_delete, sender=Comment, dispatch_uid="comments.reply_deleted")
def reply_deleted(sender, instance, **kwargs):
    """A deleted reply's answers stay, as top-level replies: each now starts a thread of its own.

    Its decisions stay, with its email and IP address blanked out of their notes. A signal rather than
    delete(), so the admin's bulk delete and an erasure are covered too.
    """
    ModerationEvent.objects.filter(reply_number=instance.pk).forget([instance.email], [instance.ip_address])
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


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Addresses that followed their confirmation link: the only ones told of replies."""
        return self.filter(confirmed_at__isnull=False)


class Subscriber(models.Model):
    """An email address that asked to hear of new replies, and whether it confirmed that it asked.

    Double opt-in: the first time an address asks, it gets a link to confirm and nothing else until
    it follows it; its subscriptions are kept meanwhile and take effect once it is confirmed.
    """

    email = models.EmailField(unique=True, help_text="Trimmed, in lower case. Never shown to the public.")
    created_at = models.DateTimeField("first asked", default=timezone.now)
    confirmation_sent_at = models.DateTimeField("confirmation link sent", null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Subscriber {self.pk}"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Subscription(models.Model):
    """What one address asked to hear of on one story: the replies to its own replies, or every new reply."""

    class Kind(models.TextChoices):
        REPLIES_TO_ME = "replies", "Replies to my replies"
        STORY = "story", "Every new reply to the story"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="reply_subscriptions", verbose_name="story"
    )
    kind = models.CharField(max_length=7, choices=Kind.choices)
    created_at = models.DateTimeField("asked at", default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["subscriber", "article", "kind"], name="one_subscription_per_kind")]

    def __str__(self):
        return self.get_kind_display()


class Delivery(models.Model):
    """A reply a subscriber is to hear of, and when the email telling them left (empty: it waits).

    One row per subscriber and reply, so a reply is never told twice, whichever tasks run or run again.
    """

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+", verbose_name="reply")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["subscriber", "comment"], name="one_delivery_per_reply")]

    def __str__(self):
        return f"Reply {self.comment_id} for subscriber {self.subscriber_id}"
