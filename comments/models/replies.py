"""A reader's reply to a story: what it says, where it sits in its thread, its status, and the decisions on it.
The queries the story page and the moderation page read replies with are in querysets.py."""

import hashlib

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import Signal, receiver
from django.template.defaultfilters import pluralize
from django.utils import timezone

import pagecache
from sanitize import render_comment

from ..conf import app_settings
from .identity import normalize_email
from .querysets import CommentQuerySet, _model

AVATAR_COLOURS = 12

# Sent with the stories' ids whenever what readers see of their replies changes (Comment.public_replies_changed).
replies_changed = Signal()


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
        "featured", default=False,
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
            # The Featured queue: the same, for the few replies picked out.
            models.Index(fields=["created_at"], condition=Q(is_featured=True), name="comment_featured_idx"),
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
        # Their story pages at once; the counts on lists follow within NEWSROOM_LIST_COUNTS_SECONDS. No
        # scheduled moment (a publication, a closing) depends on replies: the schedules are not asked again.
        pagecache.changed(*(f"replies-{pk}" for pk in article_ids), reschedule=False)
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
