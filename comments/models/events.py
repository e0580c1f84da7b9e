"""Moderation events: every decision on a reply, kept after the reply is deleted, and what can be undone."""

import functools
import operator
import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Count, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from .replies import Comment

# A moderator's decision can be undone for this long (the keyboard queue offers it for a few seconds;
# the page without JavaScript shows it after reloading, so the server allows a little longer).
UNDO_SECONDS = 30


def without_contact(text, emails=(), ips=()):
    """`text` with these emails and IP addresses blanked out, in any case: a verdict's note quotes the
    moderation word that held a reply, and that word may be its author's email or IP address."""
    for value, blank in [*((email, "[email]") for email in emails if email), *((ip, "[IP address]") for ip in ips if ip)]:
        text = re.sub(re.escape(value), blank, text, flags=re.IGNORECASE)
    return text


class ModerationEventQuerySet(models.QuerySet):
    def reasons_by_moderator(self, since=None):
        """{moderator's username: {reason's value: how many}} for the replies each moderator removed or marked
        as spam (since `since`, when given), leaving out decisions undone since: one query."""
        username = f"moderator__{get_user_model().USERNAME_FIELD}"
        decided = self.filter(moderator__isnull=False, undone_by__isnull=True).exclude(reason="")
        if since is not None:
            decided = decided.filter(at__gte=since)
        counts = {}
        for row in decided.order_by().values(username, "reason").annotate(n=Count("pk")).order_by(username, "reason"):
            counts.setdefault(row[username], {})[row["reason"]] = row["n"]
        return counts

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

    class Reason(models.TextChoices):
        """Why a moderator took a reply off its story or marked it as spam: a short list, counted per moderator.
        The digits are the keys the moderation page picks them with."""

        OFFENSIVE = "offensive", "Offensive"
        SPAM = "spam", "Spam or advertising"
        OFF_TOPIC = "off_topic", "Off topic"
        PERSONAL_ATTACK = "attack", "Personal attack"
        MISINFORMATION = "misinfo", "Misinformation"
        DUPLICATE = "duplicate", "Duplicate"
        OTHER = "other", "Other"

    # The decisions a moderator may undo for a few seconds after taking them (UNDO_SECONDS).
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
    reason = models.CharField(
        max_length=10, choices=Reason.choices, blank=True, help_text="Why the moderator removed the reply or marked it as spam."
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Why: the verdict's reason, a report's reason, a ban's, the moderator's note."
    )
    was_unmoderated = models.BooleanField(
        default=False, editable=False, help_text="The reply was published before any moderator read it; undoing "
        "this decision puts it back in the Unmoderated queue.",
    )
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
        """The decision in a moderator's words, with its reason and note: "Approved", "Kept (1 report dismissed)",
        "Removed: Personal attack (names a neighbour)", "Featured"."""
        if self.action == self.Action.STATUS:
            kept = self.from_status == self.to_status and not self.was_unmoderated
            what = "Kept" if kept else {
                Comment.Status.APPROVED: "Approved",
                Comment.Status.REMOVED: "Removed",
                Comment.Status.SPAM: "Marked as spam",
                Comment.Status.PENDING: "Put back to wait",
            }[self.to_status]
        else:
            what = self.get_action_display()
        if self.reason:
            what = f"{what}: {self.get_reason_display()}"
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
            reply.status, reply.is_featured, reply.unmoderated = self.from_status, featured, self.was_unmoderated
            Comment.objects.filter(pk=reply.pk).update(status=reply.status, is_featured=featured, unmoderated=self.was_unmoderated)
            if shown_before != (reply.is_public, reply.is_public and reply.is_featured):
                Comment.public_replies_changed([reply.article_id])
        return event

    def can_be_undone(self, moderator, now=None, seconds=None):
        """Whether `moderator` may still undo this decision: theirs, undoable, recent, not undone, and the
        reply's latest decision (a colleague's later one is not overwritten)."""
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
