"""Readers' reports of a reply, settled by the moderator's next decision on it."""


from django.db import models
from django.utils import timezone

from .events import ModerationEvent
from .replies import Comment


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
