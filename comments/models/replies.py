"""A reader's reply to a story: what it says, where it sits in its thread, its status, and the queries
the story page and the moderation page read replies with."""

import hashlib
import math

from django.apps import apps
from django.conf import settings
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete
from django.dispatch import Signal, receiver
from django.template.defaultfilters import pluralize
from django.utils import timezone

import pagecache
from sanitize import render_comment

from ..conf import app_settings
from .identity import normalize_email
from .threads import SORTS, THREAD_ORDER, ThreadPage, build_threads, order_threads

AVATAR_COLOURS = 12

# Sent with the stories' ids whenever what readers see of their replies changes (Comment.public_replies_changed).
replies_changed = Signal()


def _model(name):
    """A model of this app from a module that builds on this one (discussions, events, reports), found by
    name when it is used: the modules of comments.models import each other in no circle."""
    return apps.get_model("comments", name)


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
    "unmoderated": "Unmoderated",
    "reported": "Reported",
    "featured": "Featured",
    "spam": "Spam",
    "removed": "Removed",
    "all": "All",
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

    def written_by(self, author_token):
        """The replies this browser wrote that it still sees (public, or waiting as its author is shown them)."""
        if not author_token:
            return self.none()
        return self.visible_to(author_token).filter(author_token=Comment.hash_token(author_token))

    def thread_page(self, article, number, author_token="", sort="oldest", moderating=False):
        """One page of a story's threads in the order the reader chose (SORTS), with its featured replies.

        The top-level replies of the page with all their answers, and on the first page the story's
        featured replies, are read in one query, however many replies the story has; the number of
        pages comes from the story's kept StoryDiscussion row, which also carries its moderators' rules.
        Answers stay oldest first inside their thread.
        """
        sort = sort if sort in SORTS else "oldest"
        visible = self.visible_to(author_token, moderating).filter(article=article)
        StoryDiscussion = _model("StoryDiscussion")
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
        queries whatever their length: replies by status (and the unmoderated among them), the featured
        ones, the reported ones."""
        counts = {}
        if {"new", "unmoderated", "spam", "removed", "all"} & set(only):
            rows = self.order_by().values("status").annotate(n=Count("pk"), unmoderated=Count("pk", filter=Q(unmoderated=True)))
            by_status = {row["status"]: row for row in rows}
            counts["all"] = sum(row["n"] for row in by_status.values())
            for name, status in (("new", Comment.Status.PENDING), ("spam", Comment.Status.SPAM), ("removed", Comment.Status.REMOVED)):
                counts[name] = by_status.get(status, {}).get("n", 0)
            counts["unmoderated"] = by_status.get(Comment.PUBLIC_STATUS, {}).get("unmoderated", 0)
        if "featured" in only:
            counts["featured"] = self.in_queue("featured").count()
        if "reported" in only:
            counts["reported"] = _model("Report").objects.open().filter(comment__in=self.values("pk")).values("comment").distinct().count()
        return {name: counts[name] for name in only}

    def for_moderation(self):
        """Each reply with what a moderator weighs: its story, the reply it answers, why it was held, its
        open reports, and its author's history (their other replies by status, whether this is their first
        reply from this email or this IP address). Nothing about the reports an author made: a count that
        moves when a report arrives would tell the moderator who reported.

        One query for the replies however many there are, and one for their open reports.
        """
        ModerationEvent = _model("ModerationEvent")
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
        ).prefetch_related(models.Prefetch("reports", queryset=_model("Report").objects.open(), to_attr="open_reports"))

    def with_score_limits(self):
        """Each reply with the moderators' thresholds for its scores beside it (Comment.score_badges), read in
        the same query: a page of replies costs nothing more for its badges."""
        DiscussionSettings = _model("DiscussionSettings")
        rules = DiscussionSettings.objects.filter(pk=1)
        return self.annotate(**{
            f"{what}_limit": Coalesce(
                Subquery(rules.values(f"{what}_threshold")), Value(DiscussionSettings._meta.get_field(f"{what}_threshold").default)
            )
            for what in ("offensive", "spam")
        })

    def with_history(self):
        """Each reply with how many of its author's earlier replies were approved or spam."""
        return self.annotate(
            approved_before=history_count(Comment.Status.APPROVED), spam_before=history_count(Comment.Status.SPAM)
        )

    def moderate(self, status, moderator, reason=""):
        """Give every reply here `status` (for `reason`, a ModerationEvent.Reason), recording each change in its
        history; how many changed. Approving a reply published unread marks it read (Comment.moderate)."""
        ModerationEvent, Report = _model("ModerationEvent"), _model("Report")
        unchanged = Q(status=status, unmoderated=False)
        ids = list(self.exclude(unchanged).values_list("pk", flat=True))
        with transaction.atomic():
            changing = list(
                Comment.objects.filter(pk__in=ids).exclude(unchanged).select_for_update()
                .only("pk", "status", "unmoderated", "article")
            )
            ModerationEvent.objects.bulk_create(
                ModerationEvent(
                    comment=reply, moderator=moderator, from_status=reply.status, to_status=status, reason=reason,
                    was_unmoderated=reply.unmoderated,
                )
                for reply in changing  # bulk decisions settle reports too, but are not undone one by one
            )
            Comment.objects.filter(pk__in=[reply.pk for reply in changing]).update(status=status, unmoderated=False)
            upheld = Report.upheld_by(status)
            if upheld is not None:
                Report.objects.open().filter(comment__in=changing).update(resolved_at=timezone.now(), upheld=upheld)
            shown = {reply.article_id for reply in changing if reply.is_public != (status == Comment.PUBLIC_STATUS)}
            if shown:  # approving a reply published unread changes nothing readers see
                Comment.public_replies_changed(shown)
        return len(changing)

    def matching_author(self, emails=(), ips=(), tokens=()):
        """Replies written under any of these emails, sent from any of these IP addresses or from any of these
        browsers (their tokens' hashes)."""
        emails = {normalize_email(email) for email in emails if email}
        ips = {ip for ip in ips if ip}
        tokens = {token for token in tokens if token}
        if not (emails or ips or tokens):
            return self.none()
        return self.filter(Q(email__in=emails) | Q(ip_address__in=ips) | Q(author_token__in=tokens))

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
    # Published before any moderator read it (post-moderation, a returning author): Coral's Unmoderated queue.
    UNMODERATED = PUBLIC & Q(unmoderated=True)

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
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
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
    unmoderated = models.BooleanField(
        default=False, editable=False,
        help_text="Published before a moderator read it: in the Unmoderated queue until one approves or removes it.",
    )
    # Scored when it arrived (comments/scores.py), from 0 to 1; empty for a reply that came another way.
    offensive_score = models.FloatField("offensive-language score", null=True, blank=True, editable=False)
    spam_score = models.FloatField("spam score", null=True, blank=True, editable=False)
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
        # Each queue, list and history is read newest first within a status, so its first page comes straight
        # from an index, however many replies the site has, and only that page's rows are annotated.
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["article", "status", "created_at"]),
            # An author's history (by status, earlier than a reply) and bans are looked up by email and by IP address.
            models.Index(fields=["email", "status", "created_at"]),
            models.Index(fields=["ip_address"]),
            # The Unmoderated queue: a few replies among millions, read newest first.
            models.Index(fields=["created_at"], condition=Q(unmoderated=True), name="comment_unmoderated_idx"),
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
        this is committed, their subscribers hear of the replies newly approved (whichever path approved them:
        comments.subscriptions listens to `replies_changed`)."""
        _model("StoryDiscussion").refresh(article_ids)
        # Their story pages at once; the counts on lists follow within NEWSROOM_LIST_COUNTS_SECONDS.
        pagecache.changed(*(f"replies-{pk}" for pk in article_ids))
        replies_changed.send(sender=Comment, article_ids=article_ids)

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

    def scores_over(self, offensive_threshold, spam_threshold):
        """[(what, score, threshold)] for each of its scores above the moderators' threshold: "offensive", "spam"."""
        scored = [("offensive", self.offensive_score, offensive_threshold), ("spam", self.spam_score, spam_threshold)]
        return [(what, score, threshold) for what, score, threshold in scored if score is not None and score > threshold]

    @property
    def score_badges(self):
        """"likely offensive, 0.93" for each score above its threshold (the replies read with_score_limits())."""
        return [f"likely {what}, {score:.2f}" for what, score, _ in self.scores_over(self.offensive_limit, self.spam_limit)]

    def moderate(self, status, moderator, note="", *, featured=None, action=None, reason=""):
        """Give this reply `status` (and `featured`, when given), and record who decided, from which status, and why
        (`reason`, one of ModerationEvent.Reason, and `note`).

        Any decision marks the reply as read: it leaves the Unmoderated queue, and approving a reply published
        unread is recorded though readers see nothing change. The decision settles the reply's open reports
        (Report.upheld_by: upheld when it leaves the story, dismissed when a moderator approves it); taking a
        reply out of the featured ones settles none. Returns the event recorded, or None when the decision
        would change nothing.
        """
        ModerationEvent = _model("ModerationEvent")
        featured = self.is_featured if featured is None else featured
        action = action or ModerationEvent.Action.STATUS
        with transaction.atomic():
            reports = self.reports.open()
            upheld = _model("Report").upheld_by(status) if action != ModerationEvent.Action.UNFEATURE else None
            settling = reports.count() if upheld is not None else 0
            if status == self.status and featured == self.is_featured and not settling and not self.unmoderated:
                return None
            if settling:
                outcome = "upheld" if upheld else "dismissed"
                note = "; ".join(filter(None, [note, f"{settling} report{pluralize(settling)} {outcome}"]))
            event = ModerationEvent.objects.create(
                comment=self, moderator=moderator, from_status=self.status, to_status=status, note=note[:300],
                action=action, reason=reason, was_unmoderated=self.unmoderated,
            )
            if settling:
                reports.update(resolved_at=event.at, upheld=upheld, resolved_by=event)
            shown_before = (self.is_public, self.is_public and self.is_featured)
            self.status, self.is_featured, self.unmoderated = status, featured, False
            Comment.objects.filter(pk=self.pk).update(status=status, is_featured=featured, unmoderated=False)
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




def queue_filter(name):
    """Which replies are in the moderation page's queue `name` (QUEUES), as a filter."""
    return {
        "new": Q(status=Comment.Status.PENDING),
        "unmoderated": Comment.UNMODERATED,
        # From the open reports to their replies: a few rows, where a test on each reply would read them all.
        "reported": Q(pk__in=_model("Report").objects.open().values("comment")),
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
    _model("ModerationEvent").objects.filter(reply_number=instance.pk).forget([instance.email], [instance.ip_address])
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
