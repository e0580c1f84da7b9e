"""The editors' desk in Django admin: the story form and its workflow (the rows under a story in admin_inlines.py),
and the front page (admin_front_page.py).

Reporters write stories and send them for review; only people with the publishing right
(Editors) publish, schedule or take a story down, by any path: the form's status and times,
the list's actions, a restored revision. Every save of a story keeps a revision (history,
compare, restore); two people on one story see each other, and the older form's save is refused.
"""

import reversion
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from reversion.models import Version

from articles.models import Article, Byline
from pictures.admin import PREVIEW_WIDTH, thumbnail

from . import calendar, revisions
from .admin_front_page import FrontPageAdmin  # noqa: F401 (registered on import)
from .admin_inlines import CorrectionInline, PreviewLinkInline
from .forms import ArticleAdminForm
from .models import EditSession, PreviewLink
from .writing import WritingAids


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
class ArticleAdmin(WritingAids, admin.ModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"
    change_list_template = "admin/articles/article/change_list.html"
    list_display = ["headline", "section", "state_label", "publish_at", "list_thumbnail"]
    list_select_related = ["section", "lead_image"]
    list_filter = [StateFilter, "section", "publish_at"]
    search_fields = ["headline", "kicker", "standfirst", "body"]
    date_hierarchy = "publish_at"
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "lead_image", "social_image", "topics"]
    readonly_fields = ["lead_image_preview", "updated_at", "standfirst_as_read", "text_as_read"]
    inlines = [BylineInline, CorrectionInline, PreviewLinkInline]
    actions = ["submit_for_review", "publish_now", "take_down"]
    fieldsets = [
        ("Story", {"fields": ["section", "kicker", "headline", "slug", "standfirst", "body", "topics"]}),
        ("Picture", {"fields": ["lead_image", "lead_image_preview"]}),
        ("Publishing", {"fields": ["status", "publish_at", "expire_at", "updated_at"]}),
        ("Live coverage", {"fields": ["live_from", "live_until"],
                           "description": "For a developing story. Post its updates from the Live desk (top right)."}),
        ("Comments", {"fields": ["comments_enabled", "comments_close_at"]}),
        ("Search and social", {
            "fields": ["seo_title", "seo_description", "social_image", "social_title", "social_description",
                       "canonical_url", "noindex"],
            "classes": ["collapse"],
            "description": "What search engines and shared links show. Every field is optional: "
                           "left empty, the headline, standfirst and lead picture are used.",
        }),
    ]

    class Media:
        js = ["js/desk.js"]
        css = {"all": ["css/desk.css"]}

    # Rights: one rule, used by the form, the actions, the inlines and the history.

    @staticmethod
    def can_publish(request):
        return Article.may_publish(request.user)

    def has_publish_permission(self, request):
        return self.can_publish(request)

    @classmethod
    def may_change_story(cls, request, story):
        return story.may_be_changed_by(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or self.may_change_story(request, obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or self.may_change_story(request, obj))

    def get_fieldsets(self, request, obj=None):
        """Someone who may only look at the story (a reporter, once it is out) reads its text as readers do."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets
        as_read = {"standfirst": "standfirst_as_read", "body": "text_as_read"}
        return [(name, {**options, "fields": [as_read.get(f, f) for f in options["fields"]]})
                for name, options in fieldsets]

    @admin.display(description="standfirst")
    def standfirst_as_read(self, story):
        return mark_safe(story.standfirst)  # noqa: S308 - sanitised on save

    @admin.display(description="body")
    def text_as_read(self, story):
        return mark_safe(story.body_html)  # noqa: S308 - sanitised on save

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
        if request.user.has_perm("desk.add_previewlink"):
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
        if not change:  # the copy kept while the story was new is the story now
            EditSession.discard_new_draft(request.user, form.cleaned_data.get("draft_key") or "")

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
        story = self.get_object(request, object_id)  # None for an id that names no story (e.g. /article/²/change/)
        if story is not None and request.method == "GET" and self.has_change_permission(request, story):
            EditSession.seen(story, request.user)
            extra_context["draft"] = (
                None if getattr(request, "restoring_draft", None) else EditSession.draft_for(story, request.user)
            )
            extra_context["restoring_draft"] = getattr(request, "restoring_draft", None)
        if story is not None:
            extra_context["others_editing"] = list(EditSession.objects.others_editing(story.pk, request.user))
            extra_context["desk_url"] = reverse("admin:articles_article_desk", args=[story.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["stale"] = getattr(form, "stale", None)
        context.update(self.writing_aids_context(request))
        # The live desk's rule (live.admin.may_post_live_updates) is this form's: whoever may change the story.
        context["may_post_live_updates"] = obj is not None and self.has_change_permission(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    # History, comparison, restore, and the desk's autosave and presence.

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("calendar/", wrap(self.calendar_view), name="articles_article_calendar"),
            # Before "<path:object_id>/desk/", which "add/desk/" would match.
            *self.writing_aids_urls(wrap),
            path("<path:object_id>/history/compare/", wrap(self.compare_view), name="articles_article_compare"),
            path("<path:object_id>/history/<int:version_id>/restore/", wrap(self.restore_view), name="articles_article_restore"),
            path("<path:object_id>/desk/", wrap(self.desk_view), name="articles_article_desk"),
            path("<path:object_id>/desk/discard/", wrap(self.discard_draft_view), name="articles_article_discard_draft"),
            *super().get_urls(),
        ]

    def calendar_view(self, request):
        """The week ahead (desk/calendar.py): ?week=2026-W50, or the next seven days; Reporters see their own stories."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            week = calendar.week_for(request.user, request.GET.get("week"))
        except calendar.NotAWeek as error:
            raise Http404(str(error)) from None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "The week ahead",
            "subtitle": None,
            "week": week,
            "last_day": week.end - timezone.timedelta(days=1),
            "now": timezone.now(),
            "sees_everyone": Article.may_publish(request.user),
        }
        return TemplateResponse(request, "admin/articles/article/calendar.html", context)

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
             "seen": date_format(timezone.localtime(session.seen_at), "H:i"), "typing": session.is_typing()}
            for session in sessions
        ]

    def desk_view(self, request, object_id):
        """The change form's script (and the live desk's), every little while: "I am here" (typing=1: "and typing"),
        with the form's words to keep as a draft copy.

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
            EditSession.seen(story, request.user, typing=request.POST.get("typing") == "1")
        reply["others"] = self._people(EditSession.objects.others_editing(story, request.user))
        if version != story.edit_version:
            latest = revisions.history(story).first()
            who = latest.revision.user if latest and latest.revision.user else None
            reply["saved_by"] = (who.get_full_name() or who.get_username()) if who else "someone else"
        return JsonResponse(reply)

    def discard_draft_view(self, request, object_id):
        story = self._story_or_404(request, object_id, change=True)
        if request.method == "POST":
            EditSession.discard_draft(story, request.user)
            self.message_user(request, "Your unsaved draft copy was discarded.", messages.SUCCESS)
        return redirect("admin:articles_article_change", story.pk)


def _stories(count):
    return "story" if count == 1 else "stories"
