"""The moderation queue: pending replies first, with what a moderator needs to decide at a glance."""

import json

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, URLField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator

from . import privacy
from .models import Comment, DiscussionSettings, ModerationEvent

EXCERPT_CHARACTERS = 240


class ModerationEventInline(admin.TabularInline):
    """The reply's history on its page: every decision, who took it and when, oldest first."""

    model = ModerationEvent
    verbose_name_plural = "history"
    fields = ["at", "who", "from_status", "to_status", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator")

    @admin.display(description="by")
    def who(self, event):
        return event.moderator.get_username() if event.moderator else "Newsroom (automatic)"


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    # Five columns, so the queue fits a laptop with the admin's sidebar open and the reply stays readable.
    list_display = ["excerpt", "author", "story_link", "status", "received"]
    list_display_links = ["excerpt"]
    list_filter = ["status", ("article", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "email", "body", "ip_address"]
    list_select_related = ["article"]
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["approve", "mark_spam", "remove", "export_authors", "anonymise_authors", "delete_authors"]
    fields = [
        "status", "story_link", "name", "email", "website", "body", "created_at", "ip_address", "user_agent", "parent",
    ]
    readonly_fields = ["story_link", "created_at", "ip_address", "user_agent", "parent"]
    inlines = [ModerationEventInline]
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False  # replies come from readers, through the story page

    def get_queryset(self, request):
        return super().get_queryset(request).with_history()

    def get_ordering(self, request):
        """Pending first, then newest first."""
        pending_first = Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        return [pending_first.asc(), "-created_at"]

    @admin.display(description="reply")
    def excerpt(self, reply):
        return Truncator(reply.body).chars(EXCERPT_CHARACTERS)

    @admin.display(description="author", ordering="name")
    def author(self, reply):
        """Name, then email and IP address, then the author's earlier replies: one cell, one line each."""
        return format_html(
            '<span class="reply-author__name">{}</span><br><span class="reply-author__contact">{}<br>{}</span>'
            '<br><span class="reply-author__history">{}</span>',
            reply.name, reply.email or "no email", reply.ip_address or "no IP address", self.history(reply),
        )

    @admin.display(description="received", ordering="created_at")
    def received(self, reply):
        """Date over time: the admin's one-line date would need a column of its own width."""
        local = timezone.localtime(reply.created_at)
        return format_html("{}<br>{}", date_format(local, "j M Y"), date_format(local, "H:i"))

    @admin.display(description="story", ordering="article__headline")
    def story_link(self, reply):
        return format_html('<a href="{}">{}</a>', reply.article.get_absolute_url(), reply.article.headline)

    @staticmethod
    def history(reply):
        return f"{reply.approved_before} approved, {reply.spam_before} spam"

    def save_model(self, request, reply, form, change):
        super().save_model(request, reply, form, change)
        if change and "status" in form.changed_data:
            ModerationEvent.objects.create(
                comment=reply, moderator=request.user, from_status=form.initial["status"], to_status=reply.status
            )

    def _moderate(self, request, queryset, status, verb):
        changed = queryset.moderate(status, request.user)
        self.message_user(request, f"{changed} repl{'y' if changed == 1 else 'ies'} {verb}.", messages.SUCCESS)

    @admin.action(description="Approve selected replies", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, "approved")

    @admin.action(description="Mark selected replies as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, "marked as spam")

    @admin.action(description="Remove selected replies from the story", permissions=["change"])
    def remove(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REMOVED, "removed")

    @staticmethod
    def _authors(queryset):
        return set(queryset.exclude(email="").values_list("email", flat=True))

    @admin.action(description="Export everything stored about the selected replies' authors (JSON)", permissions=["view"])
    def export_authors(self, request, queryset):
        response = HttpResponse(
            json.dumps(privacy.export(self._authors(queryset)), indent=2, ensure_ascii=False),
            content_type="application/json",
        )
        response["Content-Disposition"] = 'attachment; filename="replies-export.json"'
        return response

    @admin.action(description="Erase the selected replies' authors: anonymise all their replies", permissions=["change"])
    def anonymise_authors(self, request, queryset):
        changed = privacy.erase(self._authors(queryset), "anonymise")
        self.message_user(request, f"Anonymised {changed} repl{'y' if changed == 1 else 'ies'}.", messages.SUCCESS)

    @admin.action(description="Erase the selected replies' authors: delete all their replies", permissions=["delete"])
    def delete_authors(self, request, queryset):
        changed = privacy.erase(self._authors(queryset), "delete")
        self.message_user(request, f"Deleted {changed} repl{'y' if changed == 1 else 'ies'}.", messages.SUCCESS)


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(admin.ModelAdmin):
    """One page of rules, like WordPress's Discussion settings: the list goes straight to it."""

    fieldsets = [
        ("Holding replies", {"fields": ["hold_all", "max_links"]}),
        ("Words, emails and IP addresses", {"fields": ["moderation_keys", "disallowed_keys"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        rules = DiscussionSettings.current()
        return redirect("admin:comments_discussionsettings_change", rules.pk)
