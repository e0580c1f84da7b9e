"""The rules of discussion in the admin: the site's discussion settings (one page, no list) and the record of
every change to a story's moderation and to whether it takes replies.

Apart from admin.py (the replies themselves), which imports it so the pages are registered.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect

from . import stories
from .admin_base import FiltersWithoutNul
from .models import DiscussionChange, DiscussionSettings


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
