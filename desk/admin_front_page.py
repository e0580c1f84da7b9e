"""The front page in the admin: one page of its lead, its featured stories in order and the breaking-news banner.

Apart from admin.py (the story form), which imports it so the page is registered.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from .models import FeaturedStory, FrontPage


class FeaturedStoryInline(admin.TabularInline):
    model = FeaturedStory
    fields = ["position", "article"]
    autocomplete_fields = ["article"]
    extra = 1


@admin.register(FrontPage)
class FrontPageAdmin(admin.ModelAdmin):
    """The one front page: lead, featured stories in order, breaking-news banner. Empty means newest first."""

    inlines = [FeaturedStoryInline]
    autocomplete_fields = ["lead", "banner_story"]
    fieldsets = [
        ("Lead", {"fields": ["lead"]}),
        ("Breaking news", {"fields": ["banner_text", "banner_story", "banner_ends_at"]}),
    ]

    def has_add_permission(self, request):
        return False  # there is one, made when first opened

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:desk_frontpage_change", FrontPage.current().pk)
