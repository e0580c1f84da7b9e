"""Replies in the admin: the moderation page (comments/queue.py, teamwork.py), a reply's author
(authors.py), the moderators' dashboard (dashboard.py), the list with its bulk actions, each
reply's page with its history and reports, the moderators' record of decisions, the discussion
settings, the bans, and (to read only) the addresses that asked for emails about replies.

Two rules hold on every page here: a reply's email and IP address only for staff who may change
replies (Comment.contact_visible_to), and a story's headline and address only for staff who may see
the story (comments.stories).
"""

import json
from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, URLField, Value, When
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, capfirst

from . import authors, dashboard, privacy, queue, stories, teamwork
from .models import (
    Ban,
    BanChange,
    Comment,
    DiscussionChange,
    DiscussionSettings,
    ModerationEvent,
    Report,
    Subscriber,
    Subscription,
)
from .moderation import moderator

EXCERPT_CHARACTERS = 240


class ContactRule:
    """Emails and IP addresses, shown or searched, only for staff who may change replies: the fields named
    in `contact_fields` leave the forms and the search for anyone else, and every row says whether the
    staff member asking may see them (`contact_shown`)."""

    contact_fields = ["email", "ip_address"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(contact_shown=Value(Comment.contact_visible_to(request.user)))

    def get_fields(self, request, obj=None):
        return self._without_contact(request, super().get_fields(request, obj))

    def get_search_fields(self, request):
        return self._without_contact(request, super().get_search_fields(request))

    def _without_contact(self, request, names):
        if Comment.contact_visible_to(request.user):
            return names
        return [name for name in names if name not in self.contact_fields]


class FiltersWithoutNul:
    """A list whose address holds a NUL character is answered as for any other bad filter (the admin's
    "?e=1"), not with the database's error: PostgreSQL refuses NUL in text, which would be a 500."""

    def get_changelist_instance(self, request):
        if any("\x00" in name or "\x00" in "".join(values) for name, values in request.GET.lists()):
            raise IncorrectLookupParameters("A NUL character in the address.")
        return super().get_changelist_instance(request)


class DecisionColumns(ContactRule):
    """What the reply's history and the list of decisions show of one decision."""

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderator", "comment")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of who decided what is kept

    @admin.display(description="by")
    def who(self, event):
        if event.moderator:
            return event.moderator.get_username()
        return "A reader" if event.action == ModerationEvent.Action.REPORT else "Newsroom (automatic)"

    @admin.display(description="note")
    def why(self, event):
        """The note, with the reply's email and IP address blanked out for staff who may not see them."""
        return event.note if event.contact_shown else event.note_without_contact()


class ModerationEventInline(DecisionColumns, admin.TabularInline):
    """The reply's history on its page: every decision, who took it and when, oldest first."""

    model = ModerationEvent
    verbose_name_plural = "history"
    fields = ["at", "who", "action", "from_status", "to_status", "reason", "why"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under an object for reading only: nothing added, changed or deleted here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


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
    fields = [
        "status", "is_featured", "story_link", "name", "email", "website", "body", "created_at", "ip_address", "user_agent",
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
        reply.moderate(
            status, request.user, featured=featured,
            action=action.STATUS if "status" in decided else action.FEATURE if featured else action.UNFEATURE,
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


@admin.register(DiscussionSettings)
class DiscussionSettingsAdmin(admin.ModelAdmin):
    """One page of rules, like WordPress's Discussion settings: the list goes straight to it."""

    fieldsets = [
        ("Holding replies", {"fields": ["hold_all", "max_links"]}),
        ("Words, emails and IP addresses", {"fields": ["moderation_keys", "disallowed_keys"]}),
        ("Scores", {
            "fields": ["offensive_threshold", "spam_threshold"],
            "description": "Every reply is scored when it arrives, on this server: its offensive language by a model "
            "that comes with the site, spam by a classifier trained on your own decisions (approved, removed, spam).",
        }),
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


class BanChangeInline(ReadOnlyInline):
    """A ban's history on its page: set, its end or reason changed, lifted; by whom and when."""

    model = BanChange
    verbose_name_plural = "history"
    fields = ["at", "by", "what", "before", "after"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("comments.view_ban")  # whoever reads the ban reads how it came to be

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")


@admin.register(DiscussionChange)
class DiscussionChangeAdmin(FiltersWithoutNul, admin.ModelAdmin):
    """Every change to a story's moderation, and every closing and reopening of its replies: who, when, what.
    Read-only, for the stories the staff member may see (and deleted ones); the moderation page shows a story's
    latest."""

    list_display = ["at", "by", "story", "what", "before", "after"]
    list_display_links = None
    list_filter = ["what", ("by", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["by", "article"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        # A deleted story's changes stay on the list (nothing is left of it to hide).
        changes = stories.with_story_shown(super().get_queryset(request), request.user)
        return changes.filter(Q(story_shown=True) | Q(article=None))

    def has_view_permission(self, request, obj=None):
        # Whoever may read (or change) the discussion settings may read how stories' rules changed.
        return request.user.has_perm("comments.view_discussionsettings") or request.user.has_perm(
            "comments.change_discussionsettings"
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="story")
    def story(self, change):
        return stories.story_link(change)


@admin.register(Ban)
class BanAdmin(FiltersWithoutNul, ContactRule, admin.ModelAdmin):
    """Bans and suspensions, with who set them and why; lifted with the action (recorded, never deleted)."""

    list_display = ["target", "kind", "state", "reason", "created_by", "created_at", "reply_link"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["email", "ip_address", "reason"]
    list_select_related = ["created_by", "lifted_by", "comment"]
    actions = ["lift"]
    fields = [
        "email", "ip_address", "author_token", "until", "reason", "created_by", "created_at", "reply_link", "lifted_at",
        "lifted_by",
    ]
    readonly_fields = ["author_token", "created_by", "created_at", "reply_link", "lifted_at", "lifted_by"]
    inlines = [BanChangeInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []  # a ban being set has no history yet

    def has_add_permission(self, request):
        return super().has_add_permission(request) and Comment.contact_visible_to(request.user)  # a ban names an email or IP

    def has_delete_permission(self, request, obj=None):
        return False  # lifted, never forgotten: the list says who banned whom and why

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["email", "ip_address"] if obj else [])

    def save_model(self, request, ban, form, change):
        """Save the ban; a change to its end or its reason goes into its history with who made it."""
        if not change:
            ban.created_by = request.user
        super().save_model(request, ban, form, change)
        if change:
            ban.record_changes(request.user, {name: form.initial.get(name) for name in form.changed_data})

    @admin.display(description="email or IP address")
    def target(self, ban):
        return ban.target if ban.contact_shown else ban.describe_target()

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
