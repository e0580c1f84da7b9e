"""How replies are read in bulk (Comment.objects): what readers, a reply's author and moderators see, a page of
threads, the moderation page's queues and their counts, what a moderator weighs, and decisions on many replies at once.

Apart from replies.py, which holds the reply itself. This module imports no other module of comments.models but
identity and threads: the models it reads (the reply, its discussion, events and reports) are found by name when used.
"""

import math

from django.apps import apps
from django.db import models, transaction
from django.db.models import Case, Count, Exists, F, Func, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..conf import app_settings
from .identity import normalize_email
from .threads import SORTS, THREAD_ORDER, ThreadPage, build_threads, order_threads


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
        _model("Comment").objects.filter(email=OuterRef("email"), status=status, created_at__lt=OuterRef("created_at")).exclude(
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
        return self.filter(self.model.PUBLIC)

    def pending(self):
        return self.filter(status=self.model.Status.PENDING)

    def seen_as_published_by(self, author_token=""):
        """The replies this browser sees as published: the public ones, and its own held for who wrote them
        (Comment.looks_published), which it may answer and report like any other."""
        seen = self.model.PUBLIC
        if author_token:
            seen |= Q(status__in=self.model.AWAITING, looks_published=True, author_token=self.model.hash_token(author_token))
        return self.filter(seen)

    def visible_to(self, author_token="", moderating=False):
        """The public replies, plus the reader's own that wait (a spam verdict is shown to its author
        exactly like a pending reply), plus, for a moderator, every reply that waits for a decision."""
        visible = self.model.PUBLIC
        if author_token:
            visible |= Q(status__in=self.model.AWAITING, author_token=self.model.hash_token(author_token))
        if moderating:
            visible |= Q(status=self.model.Status.PENDING)
        return self.filter(visible)

    def written_by(self, author_token):
        """The replies this browser wrote that it still sees (public, or waiting as its author is shown them)."""
        if not author_token:
            return self.none()
        return self.visible_to(author_token).filter(author_token=self.model.hash_token(author_token))

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
            waiting = visible.exclude(self.model.PUBLIC).aggregate(
                threads=Count("pk", filter=Q(parent__isnull=True)),
                # The reader's own replies that look published to them count as published, for them.
                looks_published=Count("pk", filter=Q(looks_published=True, author_token=self.model.hash_token(author_token))),
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
            roots = roots.annotate(answers=count_of(self.model.objects.public().filter(root=OuterRef("pk"))))
        roots = roots.order_by(*THREAD_ORDER[sort]).values("pk")[(number - 1) * per_page : number * per_page]
        in_threads = Q(pk__in=roots) | Q(root__in=roots)
        wanted = in_threads | (self.model.PUBLIC & Q(is_featured=True)) if number == 1 else in_threads
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
        """{queue name: how many replies are in it} for the QUEUES named in `only`, in at most four queries, each
        reading an index rather than every reply (a moderator's every decision and every look at the queue
        asks): replies by status; the unmoderated and the featured, from the partial index of each, whose few
        rows are counted here by status (a count in SQL that tests the status too would read the status index's
        thousands of published replies on SQLite, which keeps no statistics); the reported, from the open reports."""
        counts, wanted = {}, set(only)
        if {"new", "spam", "removed", "all"} & wanted:
            by_status = dict(self.order_by().values_list("status").annotate(Count("pk")))
            counts["all"] = sum(by_status.values())
            for name, status in (("new", self.model.Status.PENDING), ("spam", self.model.Status.SPAM), ("removed", self.model.Status.REMOVED)):
                counts[name] = by_status.get(status, 0)
        for name, flag in (("unmoderated", "unmoderated"), ("featured", "is_featured")):
            if name in wanted:
                statuses = self.filter(**{flag: True}).order_by().values_list("status", flat=True)
                counts[name] = sum(status == self.model.PUBLIC_STATUS for status in statuses)
        if "reported" in wanted:
            counts["reported"] = self.in_queue("reported").count()
        return {name: counts[name] for name in only}

    def for_moderation(self):
        """Each reply with what a moderator weighs: its story, the reply it answers, why it was held, its
        open reports, and its author's history (their other replies by status, whether this is their first
        reply from this email or this IP address). Nothing about the reports an author made: a count that
        moves when a report arrives would tell the moderator who reported.

        One query for the replies however many there are, and one for their open reports.
        """
        ModerationEvent = _model("ModerationEvent")
        others = self.model.objects.filter(email=OuterRef("email")).exclude(email="").exclude(pk=OuterRef("pk"))
        return self.select_related("article", "parent").annotate(
            author_approved=count_of(others.filter(status=self.model.Status.APPROVED)),
            author_removed=count_of(others.filter(status=self.model.Status.REMOVED)),
            author_spam=count_of(others.filter(status=self.model.Status.SPAM)),
            author_waiting=count_of(others.filter(status=self.model.Status.PENDING)),
            earlier_from_email=Exists(others.filter(created_at__lt=OuterRef("created_at"))),
            earlier_from_ip=Exists(
                self.model.objects.filter(ip_address=OuterRef("ip_address"), created_at__lt=OuterRef("created_at"))
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
            approved_before=history_count(self.model.Status.APPROVED), spam_before=history_count(self.model.Status.SPAM)
        )

    def moderate(self, status, moderator, reason=""):
        """Give every reply here `status` (for `reason`, a ModerationEvent.Reason), recording each change in its
        history; how many changed. Approving a reply published unread marks it read (Comment.moderate)."""
        ModerationEvent, Report = _model("ModerationEvent"), _model("Report")
        unchanged = Q(status=status, unmoderated=False)
        ids = list(self.exclude(unchanged).values_list("pk", flat=True))
        with transaction.atomic():
            changing = list(
                self.model.objects.filter(pk__in=ids).exclude(unchanged).select_for_update()
                .only("pk", "status", "unmoderated", "article")
            )
            ModerationEvent.objects.bulk_create(
                ModerationEvent(
                    comment=reply, moderator=moderator, from_status=reply.status, to_status=status, reason=reason,
                    was_unmoderated=reply.unmoderated,
                )
                for reply in changing  # bulk decisions settle reports too, but are not undone one by one
            )
            self.model.objects.filter(pk__in=[reply.pk for reply in changing]).update(status=status, unmoderated=False)
            upheld = Report.upheld_by(status)
            if upheld is not None:
                Report.objects.open().filter(comment__in=changing).update(resolved_at=timezone.now(), upheld=upheld)
            shown = {reply.article_id for reply in changing if reply.is_public != (status == self.model.PUBLIC_STATUS)}
            if shown:  # approving a reply published unread changes nothing readers see
                self.model.public_replies_changed(shown)
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


def queue_filter(name):
    """Which replies are in the moderation page's queue `name` (QUEUES), as a filter."""
    Comment = _model("Comment")
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
