"""Project-wide pages that belong to no app."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse


def bad_request(request, exception):
    """400, e.g. a reply far over the size limit: Django's own page would be bare text outside the site."""
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A form sent without its security token: almost always an old page or blocked cookies, so say that.

    A reader's reply or report is not lost to it: the form comes back with what they wrote kept and a fresh
    token (the story pages every reader shares carry none, so a first reply without JavaScript comes here).
    """
    from comments.views import post_without_its_token, report_without_its_token

    match = _resolve(request.path_info)
    kept = {"comments:post": post_without_its_token, "comments:report": report_without_its_token}
    if match and match.view_name in kept:
        return kept[match.view_name](request, **match.kwargs)
    return render(request, "403_csrf.html", status=403)


def _resolve(path):
    try:
        return resolve(path)
    except Resolver404:
        return None


def login_lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: a page in the site's style saying when to retry."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "axes/lockout.html", {"cooloff_minutes": minutes}, status=429)


def login_username(request, credentials=None):
    """The username a failed sign-in is counted under (django-axes' AXES_USERNAME_CALLABLE): what was typed,
    cut to the longest a username may be. Django's sign-in form does not refuse a longer one, and django-axes
    would store it whole in a column of 255 characters (PostgreSQL refuses it: a 500)."""
    typed = (credentials or {}).get("username") or request.POST.get("username")
    return typed[: get_user_model().username.field.max_length] if typed else None


# Where the admin pages of models that moved to an app of their own went (see newsroom/urls.py).
MOVED_ADMIN = {"image": "pictures", "liveupdate": "live", "frontpage": "desk", "featuredstory": "desk",
               "previewlink": "desk", "editsession": "desk"}


def moved_admin_page(request, model, rest):
    """An old admin address of a moved model, e.g. /admin/articles/liveupdate/3/change/: a permanent redirect to
    the same page in its app now, query kept. The admin there checks who may see it, as always."""
    query = request.META.get("QUERY_STRING", "")
    address = f"{reverse('admin:index')}{MOVED_ADMIN[model]}/{model}/{rest}"
    return HttpResponsePermanentRedirect(address + (f"?{query}" if query else ""))


def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" shortcut (/admin/r/<type>/<id>/), which reveals nothing readers cannot see.

    Django's own redirects any staff member to any object's address: a moderator would learn
    the slug and date of a draft or an embargoed story. An object that can say who may see it
    (a story's `is_viewable_by`, or the story of a reply) is only followed for them; for anyone
    else the answer is the same 404 as for an object that does not exist.
    """
    try:
        content_type = ContentType.objects.get_for_id(content_type_id)
        obj = content_type.get_object_for_this_type(pk=object_id)
    except (ObjectDoesNotExist, ValueError):
        raise Http404("No such object.") from None
    story = obj if hasattr(obj, "is_viewable_by") else getattr(obj, "article", None)
    if story is not None and hasattr(story, "is_viewable_by") and not story.is_viewable_by(request.user):
        raise Http404("No such object.")
    return contenttype_views.shortcut(request, content_type_id, object_id)
