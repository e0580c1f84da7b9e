"""Project-wide pages that belong to no app."""

from django.conf import settings
from django.shortcuts import render
from django.views.static import serve


def bad_request(request, exception):
    """400, e.g. a reply far over the size limit: Django's own page would be bare text outside the site."""
    return render(request, "400.html", status=400)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A form sent without its security token: almost always an old page or blocked cookies, so say that."""
    return render(request, "403_csrf.html", status=403)


def login_lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: a page in the site's style saying when to retry."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "axes/lockout.html", {"cooloff_minutes": minutes}, status=429)


def serve_media(request, path):
    """An uploaded file from MEDIA_ROOT (read per request, so tests and deployments may move it).

    Django's static view refuses paths that climb out of the folder and lists no directories.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=86400"
    return response
