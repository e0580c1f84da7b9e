"""Replies in the admin: the moderation page (comments/queue.py, teamwork.py), a reply's author
(authors.py), the moderators' dashboard (dashboard.py), the list with its bulk actions, each
reply's page with its history and reports, the moderators' record of decisions, the discussion
settings, the bans, and (to read only) the addresses that asked for emails about replies. The pages of
bans (admin_bans.py), discussion rules (admin_discussions.py) and decisions (admin_events.py) are apart,
with what they share with these (admin_base.py).

Two rules hold on every page here: a reply's email and IP address only for staff who may change
replies (Comment.contact_visible_to), and a story's headline and address only for staff who may see
the story (comments.stories).
"""

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Count, IntegerField, URLField, Value, When
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst

from . import authors, dashboard, privacy, queue, stories, teamwork
from .admin_bans import BanAdmin, BanChangeInline  # noqa: F401 (registered on import)
from .admin_base import ContactRule, DecisionColumns, FiltersWithoutNul, ReadOnlyInline
from .admin_discussions import DiscussionChangeAdmin, DiscussionSettingsAdmin  # noqa: F401 (registered on import)
from .admin_events import ModerationEventAdmin  # noqa: F401 (registered on import)
from .models import Comment, ModerationEvent, Report, Subscriber, Subscription
from .moderation import moderator

EXCERPT_CHARACTERS = 240


class ModerationEventInline(DecisionColumns, admin.TabularInline):
    """The reply's history on its page: every decision, who took it and when, oldest first."""

    model = ModerationEvent
    verbose_name_plural = "history"
    fields = ["at", "who", "action", "from_status", "to_status", "reason", "why"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class ReportInline(ReadOnlyInline):
    """Readers' reports about the reply: why, when, and what a moderator decided. Never who reported."""

    model = Report
    verbose_name_plural = "readers’ reports"
    fields = ["created_at", "reason", "note", "outcome"]
    readonly_fields = fields

    @admin.display(description="decided")
    def outcome(self, report):
        if report.resolved_at is None:
            return "Open"
        return "Upheld" if report.upheld else "Dismissed"


class StoryFilter(admin.RelatedFieldListFilter):
    """Pick a story: the stories with the most replies waiting, and the one chosen, among those the staff member
    may see (every story with replies would be a list of thousands on a big site). Another story's id finds
    nothing, as an id that does not exist."""

    def field_choices(self, field, request, model_admin):
        shown = stories.shown_to(request.user)
        chosen = [number for number in map(queue.whole_number, self.lookup_val or []) if number]
        choices = [(story.pk, story.headline) for story in shown.filter(pk__in=chosen)] if chosen else []
        choices += [
            (story.pk, f"{story.headline} ({story.waiting} waiting)")
            for story in stories.with_replies_waiting(request.user)
            if story.pk not in chosen
        ]
        return choices

    def has_output(self):
        return True  # the admin applies only the filters it shows: a story chosen by its address is not in the short list

    def queryset(self, request, queryset):
        queryset = super().queryset(request, queryset)
        return queryset.filter(article__in=stories.shown_to(request.user)) if self.used_parameters else queryset


class EstimatedCount(Paginator):
    """Counts the replies' list exactly, except the whole unfiltered list on PostgreSQL once its own estimate
    (pg_class.reltuples, kept by autovacuum) passes ESTIMATE_ABOVE: an exact count there reads every row."""

    ESTIMATE_ABOVE = 100_000

    @cached_property
    def count(self):
        if connection.vendor == "postgresql" and not self.object_list.query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [self.object_list.model._meta.db_table])
                estimate = int(cursor.fetchone()[0])
            if estimate > self.ESTIMATE_ABOVE:
                return estimate
        return super().count


class ReplyList(ChangeList):
    """The replies' list sorts and pages bare replies, then reads that page's rows with their authors' history
    and their stories: annotated on the sorted query, SQLite would count the history of every reply in the list
    before sorting it (4 s for 20,500 replies)."""

    def get_results(self, request):
        super().get_results(request)
        page = list(self.result_list.values_list("pk", flat=True))
        rows = self.queryset.order_by().with_history().in_bulk(page)
        self.result_list = [rows[pk] for pk in page]


class ReasonActionForm(ActionForm):
    """The list's actions, with the reason that removing or marking as spam asks for."""

    reason = forms.ChoiceField(
        label="Reason (to remove or mark as spam)", required=False,
        choices=[("", "---------"), *ModerationEvent.Reason.choices],
    )


class ReplyForm(forms.ModelForm):
    """A reply's own page: a status changed to removed or spam says why, as on the moderation page."""

    reason = forms.ChoiceField(
        label="Reason (to remove or mark as spam)", required=False, choices=[("", "---------"), *ModerationEvent.Reason.choices],
    )
    note = forms.CharField(label="Note (optional)", max_length=200, required=False, help_text="For the other moderators, in the reply’s history.")

    def clean(self):
        cleaned = super().clean()
        taken_off = cleaned.get("status") in (Comment.Status.REMOVED, Comment.Status.SPAM) and "status" in self.changed_data
        if taken_off and not cleaned.get("reason"):
            self.add_error("reason", "Choose a reason: removing a reply or marking it as spam says why.")
        return cleaned


@admin.register(Comment)
class CommentAdmin(FiltersWithoutNul, ContactRule, admin.ModelAdmin):
    # Five columns, so the queue fits a laptop with the admin's sidebar open and the reply stays readable.
    list_display = ["excerpt", "author", "story_link", "status_and_scores", "received"]
    list_display_links = ["excerpt"]
    list_filter = ["status", ("article", StoryFilter)]
    search_fields = ["name", "email", "body", "ip_address"]
    contact_fields = ["email", "ip_address", "user_agent"]
    list_select_related = ["article"]
    list_per_page = 50
    paginator = EstimatedCount
    show_full_result_count = False  # a second count of the whole table, for "50 of 20,500" beside a search
    # No date hierarchy: its links read the month of every reply in the list (190 ms for 20,500 on SQLite);
    # the "received" column sorts by date.
    actions = ["approve", "mark_spam", "remove", "export_authors", "anonymise_authors", "delete_authors"]
    form = ReplyForm
    fields = [
        "status", "reason", "note", "is_featured", "story_link", "name", "email", "website", "body", "created_at", "ip_address", "user_agent",
        "parent", "user", "offensive_score", "spam_score",
    ]
    readonly_fields = ["story_link", "created_at", "ip_address", "user_agent", "parent", "user", "offensive_score", "spam_score"]
    inlines = [ReportInline, ModerationEventInline]
    formfield_overrides = {URLField: {"assume_scheme": "https"}}
    action_form = ReasonActionForm

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
            path("moderate/check/", view(teamwork.check), name="comments_comment_check"),
            path("moderate/claim/", view(teamwork.claim), name="comments_comment_claim"),
            path("moderate/dashboard/", view(dashboard.dashboard), name="comments_comment_dashboard"),
            path("<int:reply_id>/ban/", view(queue.ban_author), name="comments_comment_ban"),
            path("<int:reply_id>/author/", view(authors.author_page), name="comments_comment_author"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "moderate_url": reverse("admin:comments_comment_moderate")}
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request, **kwargs):
        return ReplyList

    def get_queryset(self, request):
        return stories.with_story_shown(super().get_queryset(request), request.user).with_score_limits()

    def get_ordering(self, request):
        """Pending first, then newest first."""
        pending_first = Case(When(status=Comment.Status.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField())
        return [pending_first.asc(), "-created_at"]

    @admin.display(description="reply")
    def excerpt(self, reply):
        return Truncator(reply.body).chars(EXCERPT_CHARACTERS)

    @admin.display(description="author", ordering="name")
    def author(self, reply):
        """Name, then email and IP address (for staff who may see them), then the author's earlier replies:
        one cell, one line each."""
        contact = ""
        if reply.contact_shown:
            contact = format_html(
                '<span class="reply-author__contact">{}<br>{}</span><br>',
                reply.email or "no email", reply.ip_address or "no IP address",
            )
        return format_html(
            '<span class="reply-author__name">{}</span><br>{}<span class="reply-author__history">{}</span>',
            reply.name, contact, self.history(reply),
        )

    @admin.display(description="status", ordering="status")
    def status_and_scores(self, reply):
        """The status, then each score above the moderators' threshold ("Likely spam, 0.97"), a line each."""
        badges = format_html_join("", '<br><span class="reply-score">{}</span>', ((capfirst(b),) for b in reply.score_badges))
        return format_html("{}{}", reply.get_status_display(), badges)

    @admin.display(description="received", ordering="created_at")
    def received(self, reply):
        """Date over time: the admin's one-line date would need a column of its own width."""
        local = timezone.localtime(reply.created_at)
        return format_html("{}<br>{}", date_format(local, "j M Y"), date_format(local, "H:i"))

    @admin.display(description="story")
    def story_link(self, reply):
        return stories.story_link(reply)

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
        taken_off = status in (Comment.Status.REMOVED, Comment.Status.SPAM) and "status" in decided
        reply.moderate(
            status, request.user, form.cleaned_data.get("note", ""), featured=featured,
            action=action.STATUS if "status" in decided else action.FEATURE if featured else action.UNFEATURE,
            reason=form.cleaned_data.get("reason", "") if taken_off else "",
        )

    def _moderate(self, request, queryset, status, verb, asks_reason=False):
        """One bulk decision; removing and marking as spam take the reason chosen beside the action."""
        reason = request.POST.get("reason", "")
        if asks_reason and reason not in ModerationEvent.Reason.values:
            self.message_user(request, "Choose a reason beside the action: nothing was changed.", messages.ERROR)
            return
        changed = queryset.moderate(status, request.user, reason if asks_reason else "")
        self.message_user(request, f"{changed} repl{'y' if changed == 1 else 'ies'} {verb}.", messages.SUCCESS)

    @admin.action(description="Approve selected replies", permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, "approved")

    @admin.action(description="Mark selected replies as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, "marked as spam", asks_reason=True)

    @admin.action(description="Remove selected replies from the story", permissions=["change"])
    def remove(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REMOVED, "removed", asks_reason=True)

    def has_erase_permission(self, request):
        """An erasure anonymises or deletes every reply of an author: it takes the right to change replies
        and the right to delete them."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @staticmethod
    def _authors(queryset):
        return set(queryset.exclude(email="").values_list("email", flat=True))

    @admin.action(description="Export everything stored about the selected replies' authors (JSON)", permissions=["change"])
    def export_authors(self, request, queryset):
        response = HttpResponse(
            json.dumps(privacy.export(self._authors(queryset), request.user), indent=2, ensure_ascii=False),
            content_type="application/json",
        )
        response["Content-Disposition"] = 'attachment; filename="replies-export.json"'
        return response

    @admin.action(description="Erase the selected replies' authors: anonymise all their replies", permissions=["erase"])
    def anonymise_authors(self, request, queryset):
        changed = privacy.erase(self._authors(queryset), "anonymise")
        self.message_user(request, f"Anonymised {changed} repl{'y' if changed == 1 else 'ies'}.", messages.SUCCESS)

    @admin.action(description="Erase the selected replies' authors: delete all their replies", permissions=["erase"])
    def delete_authors(self, request, queryset):
        changed = privacy.erase(self._authors(queryset), "delete")
        self.message_user(request, f"Deleted {changed} repl{'y' if changed == 1 else 'ies'}.", messages.SUCCESS)


class SubscriptionInline(ReadOnlyInline):
    model = Subscription
    fields = ["article", "kind", "created_at"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return moderator.may_decide(request.user)


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """Who asked for emails about replies, to read only, and only by staff who may change replies (the
    addresses are commenters' emails). A reader stops their own emails with the link in each one; an
    erasure (comments_privacy) forgets them."""

    list_display = ["email", "created_at", "confirmed_at", "subscriptions"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["email"]
    fields = ["email", "created_at", "confirmation_sent_at", "confirmed_at"]
    readonly_fields = fields
    inlines = [SubscriptionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(subscription_count=Count("subscriptions"))

    @admin.display(ordering="subscription_count")
    def subscriptions(self, subscriber):
        return subscriber.subscription_count

    def has_module_permission(self, request):
        return moderator.may_decide(request.user)

    def has_view_permission(self, request, obj=None):
        return moderator.may_decide(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
