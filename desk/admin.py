"""The editors' desk: sections, authors, pictures, stories and the front page in Django admin.

Reporters write stories and send them for review; only people with the publishing right
(Editors) publish, schedule or take a story down, by any path: the form's status and times,
the list's actions, a restored revision. Every save of a story keeps a revision (history,
compare, restore); two people on one story see each other, and the older form's save is refused.
"""

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list
from reversion.admin import VersionAdmin
from reversion.models import Version

from . import revisions
from .forms import ArticleAdminForm, ImageAdminForm, LiveUpdateForm
from .models import (
    Article,
    Author,
    Byline,
    Correction,
    EditSession,
    FeaturedStory,
    FrontPage,
    Image,
    LiveUpdate,
    PreviewLink,
    Section,
    Topic,
    absolute_url,
)

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


class CorrectionInline(admin.StackedInline):
    """Dated notes on what a story got wrong: shown with the story and on the corrections page."""

    model = Correction
    fields = ["kind", "published_at", "text"]
    extra = 0
    verbose_name = "correction or clarification"
    verbose_name_plural = "corrections and clarifications (readers see each, dated, with the story)"


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


class StoryAdminInlineMixin:
    """Inlines of a story follow the story: nobody changes them where they may not change the story."""

    def _story_editable(self, request, obj):
        return obj is None or ArticleAdmin.may_change_story(request, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._story_editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._story_editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._story_editable(request, obj)


class BylineInline(StoryAdminInlineMixin, admin.TabularInline):
    """The story's authors in byline order: lowest position first."""

    model = Byline
    fields = ["position", "author"]
    autocomplete_fields = ["author"]
    extra = 1


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


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("review", "In review"), ("scheduled", "Scheduled"), ("public", "Public"),
                ("taken_down", "Taken down")]

    def queryset(self, request, queryset):
        chosen = {
            "draft": lambda: queryset.filter(status=Article.Status.DRAFT),
            "review": lambda: queryset.in_review(),
            "scheduled": lambda: queryset.scheduled(),
            "public": lambda: queryset.published(),
            "taken_down": lambda: queryset.taken_down(),
        }.get(self.value())
        return chosen() if chosen else queryset


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    list_display = ["headline", "section", "state_label", "publish_at", "list_thumbnail"]
    list_select_related = ["section", "lead_image"]
    list_filter = [StateFilter, "section", "publish_at"]
    search_fields = ["headline", "kicker", "standfirst", "body"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "lead_image", "topics"]
    readonly_fields = ["lead_image_preview", "updated_at"]
    inlines = [BylineInline, CorrectionInline, PreviewLinkInline]
    actions = ["submit_for_review", "publish_now", "take_down"]
    fieldsets = [
        ("Story", {"fields": ["section", "kicker", "headline", "slug", "standfirst", "body", "topics"]}),
        ("Picture", {"fields": ["lead_image", "lead_image_preview"]}),
        ("Publishing", {"fields": ["status", "publish_at", "expire_at", "updated_at"]}),
        ("Live coverage", {"fields": ["live_from", "live_until"],
                           "description": "For a developing story. Post its updates from the Live desk (top right)."}),
        ("Comments", {"fields": ["comments_enabled", "comments_close_at"]}),
    ]

    class Media:
        js = ["js/desk.js"]

    # Rights: one rule, used by the form, the actions, the inlines and the history.

    @staticmethod
    def can_publish(request):
        return request.user.has_perm("articles.publish_article")

    def has_publish_permission(self, request):
        return self.can_publish(request)

    @classmethod
    def may_change_story(cls, request, story):
        """Writers change stories that are not out (draft, in review); a public, scheduled or taken-down one is the editors'."""
        return cls.can_publish(request) or story.status in Article.WRITERS_STATUSES

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or self.may_change_story(request, obj))

    @classmethod
    def may_post_live_updates(cls, request, story):
        """Who may post, edit and delete a story's live updates: whoever may change that story (never a moderator)."""
        return request.user.has_perm("articles.change_article") and (story is None or cls.may_change_story(request, story))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or self.may_change_story(request, obj))

    def get_readonly_fields(self, request, obj=None):
        if self.can_publish(request):
            return self.readonly_fields
        return [*self.readonly_fields, "publish_at", "expire_at", "live_from", "live_until"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.can_publish = self.can_publish(request)
        form.user = request.user
        return form

    def get_inlines(self, request, obj):
        if request.user.has_perm("articles.add_previewlink"):
            return self.inlines
        return [inline for inline in self.inlines if inline is not PreviewLinkInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is PreviewLink:
            for link_form in formset.forms:
                if not link_form.instance.pk:
                    link_form.instance.created_by = request.user
        super().save_formset(request, form, formset, change)

    # List.

    @admin.display(description="state", ordering="status")
    def state_label(self, story):
        """Scheduled and public told apart at a glance: a word in its own colour, and the time for a scheduled story."""
        state = story.state
        text = state.capitalize()
        if state == "scheduled":
            text = f"Scheduled for {date_format(timezone.localtime(story.publish_at), 'j M Y, H:i')}"
        elif state == "public" and story.expire_at:
            text = f"Public until {date_format(timezone.localtime(story.expire_at), 'j M Y, H:i')}"
        return format_html('<span class="state state--{}">{}</span>', state.replace(" ", "-"), text)

    @admin.display(description="picture")
    def list_thumbnail(self, story):
        return thumbnail(story.lead_image)

    @admin.display(description="chosen picture")
    def lead_image_preview(self, story):
        if not story.lead_image:
            return "No picture chosen yet. After saving, the chosen picture is shown here."
        return thumbnail(story.lead_image, PREVIEW_WIDTH)

    # Actions: each story saved on its own, so each change counts, keeps a revision and shows at once.

    def _each(self, request, queryset, change, comment):
        done = 0
        with transaction.atomic():
            for story in queryset.select_for_update(of=("self",)):
                with reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment(comment)
                    if change(story) is not False:
                        done += 1
        return done

    @admin.action(description="Send for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        def submit(story):
            if story.status != Article.Status.DRAFT:
                return False
            story.status = Article.Status.REVIEW
            story.save()

        count = self._each(request, queryset, submit, "Sent for review.")
        self.message_user(request, f"{count} {_stories(count)} sent for review.", messages.SUCCESS)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        """Drafts, stories in review, scheduled and taken-down stories go public at this moment; public ones keep their time."""

        def publish(story):
            if story.is_published():
                return False
            story.publish(when=timezone.now())

        count = self._each(request, queryset, publish, "Published.")
        self.message_user(request, f"{count} {_stories(count)} published.", messages.SUCCESS)

    @admin.action(description="Take down (address answers “gone”)", permissions=["publish"])
    def take_down(self, request, queryset):
        def withdraw(story):
            if story.status == Article.Status.TAKEN_DOWN:
                return False
            story.take_down()

        count = self._each(request, queryset, withdraw, "Taken down.")
        self.message_user(request, f"{count} {_stories(count)} taken down.", messages.SUCCESS)

    # Saving: one revision per save, with who and what; the writer's draft copy is done with.

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        reversion.set_comment(entry.get_change_message() or "Written.")
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        reversion.set_comment(entry.get_change_message() or "Saved without changes.")
        return entry

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        EditSession.discard_draft(obj, request.user)
        EditSession.left(obj, request.user)

    def get_object(self, request, object_id, from_field=None):
        """The story; opened with ?draft=1, the writer's autosaved copy of its words, to look over and save."""
        story = super().get_object(request, object_id, from_field)
        if story is not None and request.method == "GET" and request.GET.get("draft") == "1":
            session = EditSession.draft_for(story, request.user)
            if session:
                for name, value in session.draft.items():
                    setattr(story, name, value)
                # The draft started from this save of the story: a save over a newer one is refused as usual.
                story.edit_version = session.draft_version
                request.restoring_draft = session
        return story

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        story = self.get_object(request, object_id) if request.method == "GET" else None
        if story is not None and self.has_change_permission(request, story):
            EditSession.seen(story, request.user)
            extra_context["draft"] = (
                None if getattr(request, "restoring_draft", None) else EditSession.draft_for(story, request.user)
            )
            extra_context["restoring_draft"] = getattr(request, "restoring_draft", None)
        if object_id:
            extra_context["others_editing"] = list(EditSession.objects.others_editing(object_id, request.user))
            extra_context["desk_url"] = reverse("admin:articles_article_desk", args=[object_id])
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["stale"] = getattr(form, "stale", None)
        context["may_post_live_updates"] = obj is not None and self.may_post_live_updates(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # History, comparison, restore, and the desk's autosave and presence.

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/history/compare/", wrap(self.compare_view), name="articles_article_compare"),
            path("<path:object_id>/history/<int:version_id>/restore/", wrap(self.restore_view), name="articles_article_restore"),
            path("<path:object_id>/desk/", wrap(self.desk_view), name="articles_article_desk"),
            path("<path:object_id>/live/", wrap(self.live_desk_view), name="articles_article_live"),
            path("<path:object_id>/desk/discard/", wrap(self.discard_draft_view), name="articles_article_discard_draft"),
            *super().get_urls(),
        ]

    def _story_or_404(self, request, object_id, *, change=False):
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404("No such story.")
        allowed = self.has_change_permission(request, story) if change else self.has_view_or_change_permission(request, story)
        if not allowed:
            raise PermissionDenied
        return story

    def history_view(self, request, object_id, extra_context=None):
        """Every revision of the story, newest first: who, when, what; choose two to compare."""
        story = self._story_or_404(request, object_id)
        versions = list(revisions.history(story))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"History: {story}",
            "subtitle": None,
            "versions": versions,
            "can_restore": self.has_change_permission(request, story),
            "compare_url": reverse("admin:articles_article_compare", args=[story.pk]),
        }
        return TemplateResponse(request, "admin/articles/article/history.html", context)

    def compare_view(self, request, object_id):
        """Two revisions side by side as one word diff per field (?a=older&b=newer; b may be "now")."""
        story = self._story_or_404(request, object_id)
        history = revisions.history(story)
        try:
            older = history.get(pk=int(request.GET.get("a", "")))
            newer = None if request.GET.get("b", "now") == "now" else history.get(pk=int(request.GET["b"]))
        except (ValueError, Version.DoesNotExist):
            raise Http404("No such revision of this story.") from None
        if newer is not None and newer.revision.date_created < older.revision.date_created:
            older, newer = newer, older
        after = revisions.snapshot_of_story(story) if newer is None else revisions.snapshot_of_version(newer)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Compare versions: {story}",
            "subtitle": None,
            "older": older,
            "newer": newer,
            "changes": revisions.compare(revisions.snapshot_of_version(older), after),
            "can_restore": self.has_change_permission(request, story),
        }
        return TemplateResponse(request, "admin/articles/article/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        """GET: what restoring this revision would change; POST: restore it, as a new revision."""
        story = self._story_or_404(request, object_id, change=True)
        version = get_object_or_404(revisions.history(story), pk=version_id)
        if request.method == "POST":
            if str(story.edit_version) != request.POST.get("edited_version"):
                self.message_user(
                    request, "The story was saved by someone else meanwhile: look at the changes again before restoring.",
                    messages.ERROR,
                )
                return redirect(request.path)
            revisions.restore(story, version, request.user)
            self.message_user(request, "The version was restored and saved as the newest revision.", messages.SUCCESS)
            return redirect("admin:articles_article_change", story.pk)
        before = revisions.snapshot_of_story(story)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Restore a version: {story}",
            "subtitle": None,
            "version": version,
            "changes": revisions.compare(before, revisions.snapshot_of_version(version)),
        }
        return TemplateResponse(request, "admin/articles/article/restore.html", context)

    @staticmethod
    def _people(sessions):
        return [
            {"name": session.user.get_full_name() or session.user.get_username(),
             "seen": date_format(timezone.localtime(session.seen_at), "H:i")}
            for session in sessions
        ]

    def desk_view(self, request, object_id):
        """The change form's script, every little while: "I am here", with the form's words to keep as a draft copy.

        Answers who else has the story open and whether it was saved since the form was opened.
        The draft copy never changes the story nor anything readers see.
        """
        if request.method != "POST":
            return JsonResponse({"error": "POST only"}, status=405)
        story = self._story_or_404(request, object_id, change=True)
        try:
            version = int(request.POST.get("edited_version", ""))
        except ValueError:
            return JsonResponse({"error": "edited_version missing"}, status=400)
        reply = {"version": story.edit_version}
        if request.POST.get("dirty") == "1":
            saved = EditSession.keep_draft(story, request.user, request.POST, version)
            reply["draft_saved"] = date_format(timezone.localtime(saved), "H:i:s")
        if request.POST.get("leaving") == "1":
            EditSession.left(story, request.user)
            return JsonResponse(reply)
        if "draft_saved" not in reply:
            EditSession.seen(story, request.user)
        reply["others"] = self._people(EditSession.objects.others_editing(story, request.user))
        if version != story.edit_version:
            latest = revisions.history(story).first()
            who = latest.revision.user if latest and latest.revision.user else None
            reply["saved_by"] = (who.get_full_name() or who.get_username()) if who else "someone else"
        return JsonResponse(reply)

    def live_desk_view(self, request, object_id):
        """The live desk: post an update in seconds, see the story's updates (scheduled ones marked), and start
        or end live coverage. Each change is a revision, with who made it."""
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404("No such story.")
        if not self.may_post_live_updates(request, story):
            raise PermissionDenied
        form = LiveUpdateForm(user=request.user)
        if request.method == "POST":
            action = request.POST.get("action", "post")
            if action in ("go_live", "end_live"):
                if not self.can_publish(request):
                    raise PermissionDenied
                with transaction.atomic(), reversion.create_revision():
                    reversion.set_user(request.user)
                    if action == "go_live":
                        story.go_live()
                        reversion.set_comment("Live coverage started.")
                    else:
                        story.end_live()
                        reversion.set_comment("Live coverage ended.")
                self.message_user(
                    request, "Live coverage started: the story is marked LIVE." if action == "go_live"
                    else "Live coverage ended: the story reads as a normal story, its updates kept.", messages.SUCCESS,
                )
                return redirect(request.path)
            form = LiveUpdateForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                with transaction.atomic(), reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment("Posted.")
                    form.instance.article = story
                    form.instance.created_by = request.user
                    update = form.save()
                scheduled = not update.is_published()
                self.message_user(
                    request,
                    f"Update scheduled for {date_format(timezone.localtime(update.publish_at), 'j M Y, H:i')}." if scheduled
                    else "Update posted: readers' open pages show it within seconds.",
                    messages.SUCCESS,
                )
                return redirect(request.path)
        updates = story.live_updates.select_related("author", "image")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": story,
            "title": f"Live desk: {story}",
            "subtitle": None,
            "form": form,
            "updates": updates,
            "now": timezone.now(),
            "can_switch": self.can_publish(request),
        }
        return TemplateResponse(request, "admin/articles/article/live_desk.html", context)

    def discard_draft_view(self, request, object_id):
        story = self._story_or_404(request, object_id, change=True)
        if request.method == "POST":
            EditSession.discard_draft(story, request.user)
            self.message_user(request, "Your unsaved draft copy was discarded.", messages.SUCCESS)
        return redirect("admin:articles_article_change", story.pk)


def _stories(count):
    return "story" if count == 1 else "stories"


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
        return redirect("admin:articles_frontpage_change", FrontPage.current().pk)



class ReviewedVersionAdmin(VersionAdmin):
    """django-reversion's history, revert and recover pages, held to the rules of the change and add forms.

    Reversion's own pages write a whole old revision back (every object in it, of any model, found by the
    version's number alone) and then show the form, keeping what they wrote when the form answers with a
    redirect. Here a version only fills in a form: a revert, the change form of the object in the address,
    with a version of that object; a recover, the add form, with the last version of a deleted object of
    this model, which comes back under its old number. Nothing is written until that form is saved, by the
    same rights and checks as any other save of it.
    """

    def has_recover_permission(self, request, version):
        """Who may bring back the deleted object of `version`: whoever may add one."""
        return self.has_add_permission(request)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("No such object.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_for_object(obj), pk=version_id)
        context = {"title": f"Revert {version.object_repr}", "revert": True, **(extra_context or {})}
        template = self.revision_form_template or self._reversion_get_template_list("revision_form.html")
        return self._form_with_version(request, version, object_id, template, context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_deleted(self.model), pk=version_id)
        if not self.has_recover_permission(request, version):
            raise PermissionDenied
        context = {"title": f"Recover {version.object_repr}", "recover": True, **(extra_context or {})}
        template = self.recover_form_template or self._reversion_get_template_list("recover_form.html")
        request.recovered_number = version.object_id
        return self._form_with_version(request, version, None, template, context)

    def recoverlist_view(self, request, extra_context=None):
        """The deleted objects one may bring back, newest deletion last (reversion's order)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        deleted = Version.objects.get_deleted(self.model).select_related("revision")
        deleted = self._reversion_order_version_queryset(request, deleted)
        context = {"deleted": [v for v in deleted if self.has_recover_permission(request, v)], **(extra_context or {})}
        return super().recoverlist_view(request, context)

    def _form_with_version(self, request, version, object_id, template, context):
        """The change form (or, without `object_id`, the add form) opened with `version`'s values; saved as a new
        revision that says which version it restores."""
        request.reversion_version = version
        with self.create_revision(request):
            response = self.changeform_view(request, object_id, request.path, context)
            if request.method == "POST" and response.status_code == 302:
                when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
                reversion.set_comment(f"Restored the version of {when}.")
        if isinstance(response, TemplateResponse) and not response.is_rendered:
            response.template_name = template
        return response

    def get_form(self, request, obj=None, change=False, **kwargs):
        """On a revert or recover page the form opens with the old version's values, only for the fields this
        person may edit; what is saved is what the form sends, as on any save."""
        form = super().get_form(request, obj, change, **kwargs)
        version = getattr(request, "reversion_version", None)
        if version is None or request.method != "GET":
            return form
        stored = version.field_dict
        values = {}
        for name in form.base_fields:
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if field.attname in stored:
                values[name] = stored[field.attname]

        class FilledWithVersion(form):
            def __init__(self, *args, **kwargs):
                kwargs["initial"] = {**(kwargs.get("initial") or {}), **values}
                super().__init__(*args, **kwargs)

        return FilledWithVersion

    def save_model(self, request, obj, form, change):
        """A recovered object takes its old number back (its address, its history)."""
        number = getattr(request, "recovered_number", None)
        if number is not None and not change:
            obj.pk = number
        super().save_model(request, obj, form, change)


@admin.register(LiveUpdate)
class LiveUpdateAdmin(ReviewedVersionAdmin):
    """A story's live updates one by one: edit (marked "edited" once readers have seen it), delete, history.

    Rights follow the story (ArticleAdmin.may_post_live_updates); saving or deleting leads back to its live desk.
    """

    list_display = ["__str__", "article", "publish_at", "is_key_event", "is_published", "edited_at"]
    list_select_related = ["article"]
    list_filter = ["is_key_event"]
    search_fields = ["headline", "body"]
    fields = ["article", "headline", "body", "image", "author", "is_key_event", "publish_at"]
    autocomplete_fields = ["article", "image", "author"]

    def get_readonly_fields(self, request, obj=None):
        return ["article"] if obj else []

    def has_module_permission(self, request):
        return ArticleAdmin.may_post_live_updates(request, None)

    def has_view_permission(self, request, obj=None):
        return ArticleAdmin.may_post_live_updates(request, obj.article if obj else None)

    def has_add_permission(self, request):
        return ArticleAdmin.may_post_live_updates(request, None)

    def has_change_permission(self, request, obj=None):
        return ArticleAdmin.may_post_live_updates(request, obj.article if obj else None)

    def has_delete_permission(self, request, obj=None):
        return ArticleAdmin.may_post_live_updates(request, obj.article if obj else None)

    def has_recover_permission(self, request, version):
        """A deleted update comes back only where one may post updates: on its story, if that story is still here."""
        story = Article.objects.filter(pk=version.field_dict.get("article_id")).first()
        return story is not None and ArticleAdmin.may_post_live_updates(request, story)

    def save_model(self, request, obj, form, change):
        if not ArticleAdmin.may_post_live_updates(request, obj.article):
            raise PermissionDenied
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def _to_desk(self, obj):
        return redirect("admin:articles_article_live", obj.article_id)

    def response_add(self, request, obj, post_url_continue=None):
        if "_continue" in request.POST or "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        super().response_add(request, obj, post_url_continue)
        return self._to_desk(obj)

    def response_change(self, request, obj):
        if "_continue" in request.POST or "_addanother" in request.POST or "_saveasnew" in request.POST:
            return super().response_change(request, obj)
        super().response_change(request, obj)
        return self._to_desk(obj)

    def delete_model(self, request, obj):
        request.live_desk_story = obj.article_id
        super().delete_model(request, obj)

    def response_delete(self, request, obj_display, obj_id):
        response = super().response_delete(request, obj_display, obj_id)
        story = getattr(request, "live_desk_story", None)
        return redirect("admin:articles_article_live", story) if story else response
