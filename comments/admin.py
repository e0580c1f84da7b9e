"""Replies in the admin: the moderation page (comments/queue.py), the list with its bulk actions, each
reply's page with its history and reports, the discussion settings, and the bans."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, URLField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.text import Truncator

from . import privacy, queue
from .models import Ban, Comment, DiscussionSettings, ModerationEvent, Report

EXCERPT_CHARACTERS = 240


class ModerationEventInline(admin.TabularInline):
    """The reply's history on its page: every decision, who took it and when, oldest first."""

    model = ModerationEvent
    verbose_name_plural = "history"
    fields = ["at", "who", "action", "from_status", "to_status", "note"]
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
        if event.moderator:
            return event.moderator.get_username()
        return "A reader" if event.action == ModerationEvent.Action.REPORT else "Newsroom (automatic)"


class ReportInline(admin.TabularInline):
    """Readers' reports about the reply: why, when, and what a moderator decided. Never who reported."""

    model = Report
    verbose_name_plural = "readers’ reports"
    fields = ["created_at", "reason", "note", "outcome"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="decided")
    def outcome(self, report):
        if report.resolved_at is None:
            return "Open"
        return "Upheld" if report.upheld else "Dismissed"


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
        "status", "is_featured", "story_link", "name", "email", "website", "body", "created_at", "ip_address", "user_agent",
        "parent", "user",
    ]
    readonly_fields = ["story_link", "created_at", "ip_address", "user_agent", "parent", "user"]
    inlines = [ReportInline, ModerationEventInline]
    formfield_overrides = {URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request):
        return False  # replies come from readers, through the story page

    def get_urls(self):
        """The moderation page and what its buttons post to, before the admin's own reply addresses."""

        def view(function, **kwargs):
            return self.admin_site.admin_view(lambda request, **kw: function(request, self, **kw))

        return [
            path("moderate/", view(queue.moderation_page), name="comments_comment_moderate"),
            path("moderate/decide/", view(queue.decide), name="comments_comment_decide"),
            path("moderate/undo/", view(queue.undo), name="comments_comment_undo"),
            path("moderate/story/<int:article_id>/", view(queue.story_rules), name="comments_comment_story_rules"),
            path("<int:reply_id>/ban/", view(queue.ban_author), name="comments_comment_ban"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "moderate_url": reverse("admin:comments_comment_moderate")}
        return super().changelist_view(request, extra_context)

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
        """Save the edit; a status or featuring changed here is a decision like any other (recorded, reports settled)."""
        decided = change and {"status", "is_featured"} & set(form.changed_data)
        if not decided:
            super().save_model(request, reply, form, change)
            return
        status, featured = reply.status, reply.is_featured
        reply.status, reply.is_featured = form.initial["status"], form.initial["is_featured"]
        super().save_model(request, reply, form, change)
        action = ModerationEvent.Action
        reply.moderate(
            status, request.user, featured=featured,
            action=action.STATUS if "status" in decided else action.FEATURE if featured else action.UNFEATURE,
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
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied  # as the rules' own page would: no redirect (nor a row made) for someone without rights
        rules = DiscussionSettings.current()
        return redirect("admin:comments_discussionsettings_change", rules.pk)


@admin.register(Ban)
class BanAdmin(admin.ModelAdmin):
    """Bans and suspensions, with who set them and why; lifted with the action (recorded, never deleted)."""

    list_display = ["target", "kind", "state", "reason", "created_by", "created_at", "reply_link"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["email", "ip_address", "reason"]
    list_select_related = ["created_by", "lifted_by", "comment"]
    actions = ["lift"]
    fields = ["email", "ip_address", "until", "reason", "created_by", "created_at", "reply_link", "lifted_at", "lifted_by"]
    readonly_fields = ["created_by", "created_at", "reply_link", "lifted_at", "lifted_by"]

    def has_delete_permission(self, request, obj=None):
        return False  # lifted, never forgotten: the list says who banned whom and why

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["email", "ip_address"] if obj else [])

    def save_model(self, request, ban, form, change):
        if not change:
            ban.created_by = request.user
        super().save_model(request, ban, form, change)

    @admin.display(description="email or IP address")
    def target(self, ban):
        return ban.target

    @admin.display(description="state")
    def state(self, ban):
        if ban.lifted_at:
            lifted_by = ban.lifted_by.get_username() if ban.lifted_by else "someone"
            return f"Lifted by {lifted_by}, {date_format(timezone.localtime(ban.lifted_at), 'j M Y H:i')}"
        if not ban.is_active():
            return "Expired"
        return ban.describe().capitalize()

    @admin.display(description="reply")
    def reply_link(self, ban):
        if not ban.comment_id:
            return "–"
        return format_html('<a href="{}">{}</a>', reverse("admin:comments_comment_change", args=[ban.comment_id]), ban.comment.name)

    @admin.action(description="Lift the selected bans and suspensions", permissions=["change"])
    def lift(self, request, queryset):
        lifted = sum(ban.lift(request.user) for ban in queryset.filter(lifted_at__isnull=True).select_related("comment"))
        self.message_user(request, f"Lifted {lifted} ban{'s' if lifted != 1 else ''}.", messages.SUCCESS)
