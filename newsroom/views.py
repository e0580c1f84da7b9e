"""Project-wide pages that belong to no app."""

from django.conf import settings
from django.shortcuts import render


def login_lockout(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: a page in the site's style saying when to retry."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(request, "axes/lockout.html", {"cooloff_minutes": minutes}, status=429)
