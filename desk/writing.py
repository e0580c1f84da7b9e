"""What the story form offers a writer beyond its fields (a mixin of desk.admin.ArticleAdmin).

The story's words and reading time and its address as it will be, as they type (the address
is made by the function the story uses, articles.models.story_path, asked of `address_view`);
the story as readers will see it at a phone's and a desktop's width, side by side; and the
draft copy of a story not saved yet, kept from the first keystroke under a key its form makes
up (desk.models.EditSession), offered back to its writer alone. None of it changes a story.
"""


from csp.decorators import csp_replace
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.utils.formats import date_format
from django.views.decorators.clickjacking import xframe_options_sameorigin

from articles.models import Article, absolute_url, story_path
from articles.templatetags.reading_aids import WORDS_PER_MINUTE
from articles.views import story_response

from .models import EditSession, draft_key

# The widths the side-by-side preview shows a story at: a phone's and a laptop's.
PREVIEW_WIDTHS = [("phone", 375), ("desktop", 1280)]


class StoryAddressForm(forms.Form):
    """The two fields of the story form its address is made of, read as that form reads them."""

    slug = forms.SlugField(max_length=200)
    publish_at = forms.SplitDateTimeField()
    story = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)  # the story the form edits, if saved

    def __init__(self, data):
        super().__init__(data)
        # The admin's split widget posts publish_at_0 and publish_at_1.
        self.fields["publish_at"].widget = forms.SplitDateTimeWidget()


class WritingAids:
    """The story form's aids, for a ModelAdmin of stories that has `_story_or_404(request, object_id)`."""

    def writing_aids_urls(self, wrap):
        return [
            path("address/", wrap(self.address_view), name="articles_article_address"),
            path("add/desk/", wrap(self.new_story_desk_view), name="articles_article_add_desk"),
            path("add/desk/discard/", wrap(self.discard_new_draft_view), name="articles_article_discard_new_draft"),
            path("<path:object_id>/preview/", wrap(self.preview_view), name="articles_article_preview"),
            path("<path:object_id>/preview/frame/", wrap(self.preview_frame_view), name="articles_article_preview_frame"),
        ]

    def writing_aids_context(self, request):
        """For the form's template and desk.js: the site's reading pace, where the address comes from, a restored copy."""
        return {
            "words_per_minute": WORDS_PER_MINUTE,
            "address_url": reverse("admin:articles_article_address"),
            "restoring_draft": getattr(request, "restoring_draft", None),
        }

    def get_changeform_initial_data(self, request):
        """A new story; opened with ?draft=<key>, the writer's own copy of a story they began and never saved."""
        initial = super().get_changeform_initial_data(request)
        initial.pop("draft", None)
        key = draft_key(request.GET.get("draft", ""))
        session = EditSession.new_drafts_of(request.user).filter(draft_key=key).first() if key else None
        if session is not None:
            initial.update(session.draft, draft_key=session.draft_key)
            request.restoring_draft = session
        return initial

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        if request.method == "GET":
            extra_context["new_draft"] = (
                None if "draft" in request.GET else EditSession.new_drafts_of(request.user).first()
            )
        extra_context["new_draft_url"] = reverse("admin:articles_article_add_desk")
        return super().add_view(request, form_url, extra_context)

    def address_view(self, request):
        """The story's address as it will be, from the form's slug and publish time (?slug=&publish_at_0=&publish_at_1=),
        made by the function the story itself uses (articles.models.story_path): the form shows it as the writer types,
        and says when another story has the slug already (&story= the story being edited), before a save is refused."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        form = StoryAddressForm(request.GET)
        if not form.is_valid():
            return JsonResponse({"errors": {name: list(errors) for name, errors in form.errors.items()}}, status=400)
        slug = form.cleaned_data["slug"]
        path = story_path(slug, form.cleaned_data["publish_at"])
        taken = Article.objects.filter(slug=slug).exclude(pk=form.cleaned_data["story"]).exists()
        return JsonResponse({"path": path, "url": absolute_url(path), "taken": taken})

    def _previewable_story(self, request, object_id):
        story = self._story_or_404(request, object_id)
        if not request.user.has_perm("articles.preview_article"):
            raise PermissionDenied
        return story

    def preview_view(self, request, object_id):
        """The story as readers will see it, as last saved, side by side at a phone's width and a desktop's."""
        story = self._previewable_story(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Preview: {story}",
            "subtitle": None,
            "frame_url": reverse("admin:articles_article_preview_frame", args=[story.pk]),
            "widths": PREVIEW_WIDTHS,
        }
        return TemplateResponse(request, "admin/articles/article/preview.html", context)

    @method_decorator(xframe_options_sameorigin)
    @method_decorator(csp_replace({"frame-ancestors": ["'self'"]}))
    def preview_frame_view(self, request, object_id):
        """The story page itself, for the preview's frames: only the site's own pages may frame it."""
        story = self._previewable_story(request, object_id)
        story = Article.objects.for_story_page().get(pk=story.pk)
        response = story_response(request, story, in_frame=True)
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
        return response

    def new_story_desk_view(self, request):
        """The form of a story not saved yet, every little while: its words to keep as the writer's draft copy,
        under the key the form made up (`draft_key`, a UUID), until the story is saved."""
        if request.method != "POST":
            return JsonResponse({"error": "POST only"}, status=405)
        if not self.has_add_permission(request):
            raise PermissionDenied
        key = draft_key(request.POST.get("draft_key", ""))
        if key is None:
            return JsonResponse({"error": "draft_key missing or not a UUID"}, status=400)
        saved = EditSession.keep_new_draft(request.user, key, request.POST)
        return JsonResponse({"draft_saved": date_format(timezone.localtime(saved), "H:i:s")})

    def discard_new_draft_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            EditSession.discard_new_draft(request.user, request.POST.get("draft_key", ""))
            self.message_user(request, "Your unsaved new story was discarded.", messages.SUCCESS)
        return redirect("admin:articles_article_add")
