"""Uploaded files served by Django itself: in development, and on a single machine whose proxy does not."""

from django.conf import settings
from django.views.static import serve


def serve_media(request, path):
    """An uploaded file from MEDIA_ROOT (read per request, so tests and deployments may move it).

    Django's static view refuses paths that climb out of the folder and lists no directories.
    """
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=86400"
    return response
