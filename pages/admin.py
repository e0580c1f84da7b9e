"""About, Contact, the Privacy notice and the Corrections policy, edited by editors."""

from django.contrib import admin
from django.db import models

from sanitize.editor import RichTextWidget

from .models import Page


@admin.register(Page)
class PageAdmin(admin.ModelAdmin):
    list_display = ["title", "address", "in_footer", "position", "updated_at"]
    list_editable = ["in_footer", "position"]
    prepopulated_fields = {"slug": ["title"]}
    search_fields = ["title", "body"]
    fields = ["title", "slug", "summary", "body", "in_footer", "position"]
    view_on_site = True
    formfield_overrides = {models.TextField: {"widget": RichTextWidget}}

    @admin.display(description="address")
    def address(self, page):
        return page.get_absolute_url()
