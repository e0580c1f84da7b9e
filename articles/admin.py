"""The editors' desk: sections, authors, pictures and stories in Django admin."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list

from newsroom import pagecache

from .forms import ImageAdminForm
from .models import Article, Author, Byline, Image, Section

THUMBNAIL_WIDTH = 120
PREVIEW_WIDTH = 480


def thumbnail(image, width=THUMBNAIL_WIDTH):
    """A small <img> of the narrowest JPEG rendition, recorded in the Image row; empty without a picture."""
    if not image:
        return ""
    sources = image.sources("jpeg")
    if sources:
        src, natural_width, natural_height = sources[0].url, sources[0].width, sources[0].height
    else:
        src, natural_width, natural_height = image.file.url, image.width, image.height
    height = round(natural_height * width / natural_width) if natural_width else width
    return format_html('<img src="{}" width="{}" height="{}" alt="{}">', src, width, height, image.alt_text)


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
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        """Linking an account needs the right to see accounts, which editors do not have."""
        if request.user.has_perm("auth.view_user"):
            return self.readonly_fields
        return [*self.readonly_fields, "user"]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageAdminForm
    # Four columns, so the list fits a laptop with the admin's sidebar open.
    list_display = ["list_thumbnail", "description", "source", "uploaded_at"]
    list_display_links = ["list_thumbnail", "description"]
    list_filter = ["is_placeholder", "uploaded_at"]
    search_fields = ["caption", "alt_text", "label", "credit", "taken_note"]
    date_hierarchy = "uploaded_at"
    readonly_fields = ["preview", "width", "height", "is_placeholder"]
    fieldsets = [
        (None, {"fields": ["file", "preview", ("width", "height"), "is_placeholder"]}),
        ("For readers", {"fields": ["alt_text", "label", "caption", "taken_note"]}),
        ("Source", {"fields": ["taken_at", "credit"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        """A new picture has no preview or size yet: the add form asks only for what the editor gives."""
        if obj is None:
            return [(None, {"fields": ["file"]}), *self.fieldsets[1:]]
        return self.fieldsets

    @admin.display(description="picture")
    def list_thumbnail(self, image):
        return thumbnail(image)

    @admin.display(description="caption")
    def description(self, image):
        """The caption as readers see it, label first; the alt text when there is no caption."""
        if image.label:
            return format_html("<strong>{}:</strong> {}", image.label, str(image))
        return str(image)

    @admin.display(description="source")
    def source(self, image):
        """Credit, size, and whether Newsroom generated it, one line each."""
        lines = [image.credit or "No credit", f"{image.width} × {image.height}"]
        if image.is_placeholder:
            lines.append("Generated placeholder")
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="preview")
    def preview(self, image):
        return thumbnail(image, PREVIEW_WIDTH)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.filled_from_metadata:
            fields = get_text_list([label.lower() for label in form.filled_from_metadata], "and")
            messages.info(request, f"The {fields} came from the picture's own data: please check them.")


class BylineInline(admin.TabularInline):
    """The story's authors in byline order: lowest position first."""

    model = Byline
    fields = ["position", "author"]
    autocomplete_fields = ["author"]
    extra = 1


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["headline", "section", "status", "publish_at", "is_published", "list_thumbnail"]
    list_select_related = ["section", "lead_image"]
    list_filter = ["status", "section", "publish_at"]
    search_fields = ["headline", "kicker", "standfirst", "body"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "lead_image"]
    readonly_fields = ["lead_image_preview", "updated_at"]
    inlines = [BylineInline]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        ("Story", {"fields": ["section", "kicker", "headline", "slug", "standfirst", "body"]}),
        ("Picture", {"fields": ["lead_image", "lead_image_preview"]}),
        ("Publishing", {"fields": ["status", "publish_at", "updated_at"]}),
        ("Comments", {"fields": ["comments_enabled", "comments_close_at"]}),
    ]

    @admin.display(description="picture")
    def list_thumbnail(self, story):
        return thumbnail(story.lead_image)

    @admin.display(description="chosen picture")
    def lead_image_preview(self, story):
        if not story.lead_image:
            return "No picture chosen yet. After saving, the chosen picture is shown here."
        return thumbnail(story.lead_image, PREVIEW_WIDTH)

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        """Drafts and scheduled stories go public at this moment; stories already public keep their time."""
        now = timezone.now()
        waiting = queryset.filter(~Q(status=Article.Status.PUBLISHED) | Q(publish_at__gt=now))
        count = waiting.update(status=Article.Status.PUBLISHED, publish_at=now, modified_at=now)
        pagecache.changed()  # update() sends no signal
        self.message_user(request, f"{count} {'story' if count == 1 else 'stories'} published.", messages.SUCCESS)

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        count = queryset.exclude(status=Article.Status.DRAFT).update(
            status=Article.Status.DRAFT, modified_at=timezone.now()
        )
        pagecache.changed()  # update() sends no signal
        self.message_user(request, f"{count} {'story' if count == 1 else 'stories'} back to draft.", messages.SUCCESS)
