"""Bans and suspensions in the admin: the list with who set them and why, each ban's page with its history,
and lifting them (recorded, never deleted).

Apart from admin.py (the replies themselves), which imports it so the page is registered.
"""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from .admin_base import ContactRule, FiltersWithoutNul, ReadOnlyInline
from .models import Ban, BanChange, Comment


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
