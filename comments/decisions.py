"""A moderator's decisions on one reply: the DECISIONS a moderation page offers, the race two moderators can
lose to each other (DecidedMeanwhile), and taking and undoing a decision (Decisions.decide, Decisions.undo).

Apart from moderation.py, which owns the rest of a reply's life; ReplyModerator takes these methods from
Decisions, so `comments.moderation.moderator.decide()` is still the one way a moderator decides, and
moderation.py still offers DECISIONS and DecidedMeanwhile to the pages that use them.
"""

from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Claim, Comment, ModerationEvent


class Decision(NamedTuple):
    """What a moderator's decision does to a reply: its new status (None: unchanged), whether it is
    featured (None: unchanged), how it is recorded, the key that takes it on the moderation page, how the
    moderator is told, and whether it asks for a reason (ModerationEvent.Reason; `reason`: the one offered first)."""

    status: str | None
    featured: bool | None
    action: str
    key: str
    done: str
    asks_reason: bool = False
    reason: str = ""


DECISIONS = {
    "approve": Decision(Comment.Status.APPROVED, None, ModerationEvent.Action.STATUS, "a", "Approved"),
    "remove": Decision(Comment.Status.REMOVED, None, ModerationEvent.Action.STATUS, "r", "Removed", asks_reason=True),
    "spam": Decision(
        Comment.Status.SPAM, None, ModerationEvent.Action.STATUS, "s", "Marked as spam", asks_reason=True,
        reason=ModerationEvent.Reason.SPAM,
    ),
    # Featuring a reply that waits approves it too: a featured reply is one readers see.
    "feature": Decision(Comment.Status.APPROVED, True, ModerationEvent.Action.FEATURE, "f", "Featured"),
    "unfeature": Decision(None, False, ModerationEvent.Action.UNFEATURE, "f", "No longer featured"),
}


class DecidedMeanwhile(Exception):  # noqa: N818 (a told outcome, not a fault)
    """A decision that lost a race: since the moderator's page showed the reply, a colleague decided it.

    Nothing is applied; the moderator is told who decided what, and when ("Already approved by Anna at 14:05").
    """

    DONE = {
        Comment.Status.APPROVED: "approved",
        Comment.Status.REMOVED: "removed",
        Comment.Status.SPAM: "marked as spam",
        Comment.Status.PENDING: "put back to wait",
    }

    def __init__(self, reply, event):
        super().__init__(reply.pk)
        self.reply, self.event = reply, event

    def __str__(self):
        event, Action = self.event, ModerationEvent.Action
        if event is None or event.action == Action.STATUS:
            same = event is not None and event.from_status == event.to_status
            what = "kept" if same else self.DONE[self.reply.status]
        else:
            what = {Action.FEATURE: "featured", Action.UNFEATURE: "taken out of the featured replies"}.get(
                event.action, f"undone ({self.reply.get_status_display().lower()} now)"
            )
        told = f"Already {what}"
        if event and event.moderator:
            told += f" by {event.moderator.get_full_name() or event.moderator.get_username()}"
        if event:
            told += f" at {timezone.localtime(event.at):%H:%M}"
        return f"{told}: the reply by {self.reply.name}."


class Decisions:
    """ReplyModerator's decisions on a reply, one at a time, each recorded in its history."""

    # The events that decide a reply (a colleague's is what a later decision may have lost the race to).
    DECIDING = (
        ModerationEvent.Action.STATUS, ModerationEvent.Action.FEATURE, ModerationEvent.Action.UNFEATURE,
        ModerationEvent.Action.UNDO,
    )

    def decide(self, reply, decision, moderator, seen_status=None, seen_decision=None, reason="", note=""):
        """Take one of DECISIONS about `reply` for `moderator`, for `reason` (a ModerationEvent.Reason: the pages
        ask for one when a decision takes a reply off its story) with the moderator's `note`; the event recorded,
        or None if nothing changed.

        `seen_status` is the status the moderator's page showed, `seen_decision` the id of the reply's last
        decision it knew of (0: none): when the status has changed since, or a colleague decided the reply
        after that (kept it, featured it), the decision is not taken and DecidedMeanwhile says who did what.
        The check and the decision happen under the reply's row lock, so of two moderators deciding at the
        same instant one decides.
        """
        chosen = DECISIONS[decision]
        with transaction.atomic():
            reply = Comment.objects.select_for_update().get(pk=reply.pk)
            decisions = ModerationEvent.objects.filter(comment=reply, action__in=self.DECIDING).select_related("moderator")
            changed = seen_status in Comment.Status.values and reply.status != seen_status
            if seen_decision is not None and not changed:
                changed = decisions.filter(pk__gt=seen_decision).exclude(moderator=moderator).exists()
            if changed:
                raise DecidedMeanwhile(reply, decisions.last())
            event = reply.moderate(
                chosen.status or reply.status, moderator, note, featured=chosen.featured, action=chosen.action,
                reason=reason if chosen.asks_reason else "",
            )
            if event:
                Claim.let_go(reply)  # decided: the moderator moves on
            return event

    def undo(self, event_id, moderator):
        """Undo `moderator`'s own decision, if taken in the last UNDO_SECONDS and nobody decided since;
        the event recording the undo, or None when it cannot be undone."""
        event = ModerationEvent.objects.filter(pk=event_id).first()
        if event is None or not event.can_be_undone(moderator):
            return None
        try:
            return event.undo(moderator)
        except IntegrityError:  # undone at the same moment from another tab
            return None
