"""What the story form edits under a story besides its byline: its corrections and the preview links that show the
unpublished story to someone outside the newsroom.

Apart from admin.py, whose ArticleAdmin lists them among its inlines (the byline stays there: it follows the
story form's own rule of who may change a story).
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone
from django.utils.html import format_html

from articles.models import Correction, absolute_url
from sanitize.editor import RichTextWidget

from .models import PreviewLink


class CorrectionInline(admin.StackedInline):
    """Dated notes on what a story got wrong: shown with the story and on the corrections page."""

    model = Correction
    fields = ["kind", "published_at", "text"]
    formfield_overrides = {models.TextField: {"widget": RichTextWidget}}
    extra = 0
    verbose_name = "correction or clarification"
    verbose_name_plural = "corrections and clarifications (readers see each, dated, with the story)"



class PreviewLinkForm(forms.ModelForm):
    revoke = forms.BooleanField(required=False, help_text="The link stops working at once.")

    class Meta:
        model = PreviewLink
        fields = ["shared_with", "expires_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["expires_at"].initial = timezone.now() + PREVIEW_LINK_LIFETIME
            self.fields["revoke"].disabled = True  # nothing to revoke yet

    def save(self, commit=True):
        if self.cleaned_data.get("revoke") and self.instance.revoked_at is None:
            self.instance.revoked_at = timezone.now()
        return super().save(commit)


PREVIEW_LINK_LIFETIME = timezone.timedelta(days=3)


class PreviewLinkInline(admin.TabularInline):
    """Links that show the unpublished story to someone outside the newsroom, until they expire or are revoked."""

    model = PreviewLink
    form = PreviewLinkForm
    fields = ["shared_with", "expires_at", "address", "revoke"]
    readonly_fields = ["address"]
    extra = 0
    can_delete = False
    verbose_name = "preview link for someone outside the newsroom"
    verbose_name_plural = "preview links for people outside the newsroom (a lawyer, a source)"

    @admin.display(description="link")
    def address(self, link):
        if not link.pk:
            return "Made when you save."
        if not link.is_valid():
            return "Revoked" if link.revoked_at else "Expired"
        url = link.get_absolute_url()
        return format_html('<a href="{}" class="preview-link">{}</a>', url, absolute_url(url))
