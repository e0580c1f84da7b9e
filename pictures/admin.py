"""Pictures in Django admin: upload (cleaned and resized on save), caption, credit; a thumbnail for other lists;
the story editor's picture chooser."""

import re

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import path
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list

from .forms import ImageAdminForm
from .models import Image

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

    def get_urls(self):
        return [
            path("choose/", self.admin_site.admin_view(self.choose_view), name="pictures_image_choose"),
            *super().get_urls(),
        ]

    CHOOSER_LIMIT = 24

    def choose_view(self, request):
        """The story editor's picture chooser: the newest pictures, or those matching ?q=, or those named by ?ids=1,2,
        with a thumbnail and the words readers will see under them (JSON, for the editor's script)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        pictures = self.get_queryset(request)
        if "ids" in request.GET:
            ids = [int(i) for i in request.GET["ids"].split(",")[: self.CHOOSER_LIMIT] if re.fullmatch(r"[0-9]{1,9}", i)]
            pictures = pictures.filter(pk__in=ids)
        elif query := request.GET.get("q", "").replace("\x00", "").strip()[:100]:
            pictures = pictures.filter(
                Q(caption__icontains=query) | Q(alt_text__icontains=query) | Q(label__icontains=query)
                | Q(credit__icontains=query)
            )
        return JsonResponse({"pictures": [_chooser_entry(image) for image in pictures[: self.CHOOSER_LIMIT]]})

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.filled_from_metadata:
            fields = get_text_list([label.lower() for label in form.filled_from_metadata], "and")
            messages.info(request, f"The {fields} came from the picture's own data: please check them.")



def _chooser_entry(image):
    small = (image.sources("jpeg") or [None])[0]
    width = THUMBNAIL_WIDTH
    return {
        "id": image.pk,
        "caption": f"{image.label}: {image}" if image.label else str(image),
        "alt": image.alt_text,
        "thumbnail": small.url if small else image.file.url,
        "width": width,
        "height": round(image.height * width / image.width) if image.width else width,
    }
