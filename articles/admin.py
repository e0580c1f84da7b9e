"""Sections, authors and topics in Django admin: what stories are filed under (the story form is desk/admin.py)."""

from django.contrib import admin
from django.db.models import Count

from .models import Author, Section, Topic


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "user"]
    list_select_related = ["user"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "role"]
    autocomplete_fields = ["user", "portrait"]
    fields = ["name", "slug", "role", "is_organization", "bio", "portrait", "user"]
    view_on_site = True

    def get_readonly_fields(self, request, obj=None):
        """Linking an account needs the right to see accounts, which editors do not have."""
        if request.user.has_perm("auth.view_user"):
            return self.readonly_fields
        return [*self.readonly_fields, "user"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Topics editors tag stories with; the story form finds them by name as the editor types."""

    list_display = ["name", "slug", "story_count"]
    ordering = ["name"]  # explicit: a counted (grouped) query drops Meta.ordering
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]
    view_on_site = True

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(story_count=Count("articles"))

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, topic):
        return topic.story_count

