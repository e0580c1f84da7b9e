"""The live desk (post an update in seconds; start and end live coverage) and each update's admin pages.

Who may post, edit and delete a story's updates is one rule, `may_post_live_updates`: whoever may
change that story (the story's own rule, Article.may_be_changed_by), never a moderator.
"""

import reversion
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.formats import date_format
from reversion.admin import VersionAdmin
from reversion.models import Version

from articles.models import Article

from .forms import LiveSummaryForm, LiveUpdateForm
from .models import LiveSummary, LiveUpdate


def may_post_live_updates(user, story):
    """Who may post, edit and delete a story's live updates (any story, for `story` None): whoever may change it."""
    return user.has_perm("articles.change_article") and (story is None or story.may_be_changed_by(user))


def live_desk(request, object_id):
    """The live desk: post an update in seconds, keep "What we know" current, see the story's updates (scheduled
    ones marked), and start or end live coverage. Each change to an update is a revision, with who made it."""
    try:
        story = Article.objects.filter(pk=object_id).first()
    except (ValueError, ValidationError):
        story = None
    if story is None:
        raise Http404("No such story.")
    if not may_post_live_updates(request.user, story):
        raise PermissionDenied
    form = LiveUpdateForm(user=request.user)
    summary = LiveSummary.objects.filter(article=story).first() or LiveSummary(article=story)
    summary_form = LiveSummaryForm(instance=summary)
    if request.method == "POST":
        action = request.POST.get("action", "post")
        if action == "summary":
            summary_form = LiveSummaryForm(request.POST, instance=summary)
            if summary_form.is_valid():
                summary_form.save()
                messages.success(request, "“What we know” saved: readers' open pages show it within seconds.")
                return redirect(request.path)
        elif action in ("go_live", "end_live"):
            if not Article.may_publish(request.user):
                raise PermissionDenied
            with transaction.atomic(), reversion.create_revision():
                reversion.set_user(request.user)
                if action == "go_live":
                    story.go_live()
                    reversion.set_comment("Live coverage started.")
                else:
                    story.end_live()
                    reversion.set_comment("Live coverage ended.")
            messages.success(
                request, "Live coverage started: the story is marked LIVE." if action == "go_live"
                else "Live coverage ended: the story reads as a normal story, its updates kept.",
            )
            return redirect(request.path)
        else:
            form = LiveUpdateForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                with transaction.atomic(), reversion.create_revision():
                    reversion.set_user(request.user)
                    reversion.set_comment("Posted.")
                    form.instance.article = story
                    form.instance.created_by = request.user
                    update = form.save()
                scheduled = not update.is_published()
                messages.success(
                    request,
                    f"Update scheduled for {date_format(timezone.localtime(update.publish_at), 'j M Y, H:i')}." if scheduled
                    else "Update posted: readers' open pages show it within seconds.",
                )
                return redirect(request.path)
    updates = story.live_updates.select_related("author", "image")
    context = {
        **admin.site.each_context(request),
        "opts": Article._meta,
        "original": story,
        "title": f"Live desk: {story}",
        "subtitle": None,
        "form": form,
        "summary_form": summary_form,
        "updates": updates,
        "now": timezone.now(),
        "can_switch": Article.may_publish(request.user),
    }
    return TemplateResponse(request, "live/live_desk.html", context)


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

    def history_view(self, request, object_id, extra_context=None):
        """Reversion lists the versions of the id in the address before Django's admin looks the object up:
        an id that names nothing (a NUL in it, which PostgreSQL refuses) is the admin's usual "not found"."""
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        return super().history_view(request, object_id, extra_context)

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

    Rights follow the story (may_post_live_updates); saving or deleting leads back to its live desk.
    """

    list_display = ["__str__", "article", "publish_at", "is_key_event", "pinned", "is_published", "edited_at"]
    list_select_related = ["article"]
    list_filter = ["is_key_event"]
    search_fields = ["headline", "body"]
    fields = ["article", "headline", "body", "correction_note", "image", "author", "is_key_event", "pinned", "publish_at"]
    autocomplete_fields = ["article", "image", "author"]

    def get_readonly_fields(self, request, obj=None):
        return ["article"] if obj else []

    def has_module_permission(self, request):
        return may_post_live_updates(request.user, None)

    def has_view_permission(self, request, obj=None):
        return may_post_live_updates(request.user, obj.article if obj else None)

    def has_add_permission(self, request):
        return may_post_live_updates(request.user, None)

    def has_change_permission(self, request, obj=None):
        return may_post_live_updates(request.user, obj.article if obj else None)

    def has_delete_permission(self, request, obj=None):
        return may_post_live_updates(request.user, obj.article if obj else None)

    def has_recover_permission(self, request, version):
        """A deleted update comes back only where one may post updates: on its story, if that story is still here."""
        story = Article.objects.filter(pk=version.field_dict.get("article_id")).first()
        return story is not None and may_post_live_updates(request.user, story)

    def save_model(self, request, obj, form, change):
        if not may_post_live_updates(request.user, obj.article):
            raise PermissionDenied
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def _to_desk(self, obj):
        return redirect("live-desk", obj.article_id)

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
        return redirect("live-desk", story) if story else response

