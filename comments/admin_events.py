"""The moderators' record in the admin: every decision on every reply, newest first, read-only, with the
reasons each moderator gave lately.

Apart from admin.py (the replies themselves), which imports it so the page is registered.
"""

from datetime import timedelta

from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from . import stories
from .admin_base import DecisionColumns, FiltersWithoutNul
from .models import ModerationEvent


@admin.register(ModerationEvent)
class ModerationEventAdmin(FiltersWithoutNul, DecisionColumns, admin.ModelAdmin):
    """Every decision on every reply, newest first, read-only: the moderators' record, kept when a reply is
    deleted (its number and story stay; nothing of its author or its words)."""

    list_display = ["at", "who", "action", "from_status", "to_status", "reason", "why", "reply", "story"]
    list_display_links = None
    list_filter = [
        "action", "reason", ("moderator", admin.RelatedOnlyFieldListFilter), ("comment", admin.EmptyFieldListFilter)
    ]
    REASONS_OVER_DAYS = 30
    fields = list_display
    readonly_fields = list_display
    date_hierarchy = "at"
    ordering = ["-at", "-pk"]

    def get_queryset(self, request):
        return stories.with_story_shown(super().get_queryset(request).select_related("article"), request.user)

    def changelist_view(self, request, extra_context=None):
        """The decisions, above them the reasons each moderator gave for removing or marking as spam lately."""
        since = timezone.now() - timedelta(days=self.REASONS_OVER_DAYS)
        counted = ModerationEvent.objects.reasons_by_moderator(since)
        reasons = ModerationEvent.Reason.choices
        extra_context = {
            **(extra_context or {}),
            "reasons_over_days": self.REASONS_OVER_DAYS,
            "reason_labels": [label for _, label in reasons],
            "reasons_by_moderator": [
                (name, [by_reason.get(value, 0) for value, _ in reasons], sum(by_reason.values()))
                for name, by_reason in counted.items()
            ],
        }
        return super().changelist_view(request, extra_context)

    @admin.display(description="reply")
    def reply(self, event):
        if event.comment_id is None:
            return f"Reply {event.reply_number} (deleted)"
        url = reverse("admin:comments_comment_change", args=[event.comment_id])
        return format_html('<a href="{}">Reply {}</a>', url, event.reply_number)

    @admin.display(description="story")
    def story(self, event):
        return stories.story_link(event)
