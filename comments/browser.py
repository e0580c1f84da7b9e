"""What the reader's browser tells the server, and the two signed cookies it keeps for them."""

import ipaddress
import secrets

from django.conf import settings
from django.core import signing

from newsroom import clientip

REMEMBER_COOKIE = "newsroom_reply_author"
TOKEN_COOKIE = "newsroom_reply_token"  # noqa: S105 (a cookie name, not a secret)
COOKIE_MAX_AGE = 365 * 24 * 3600
REMEMBERED_FIELDS = ("name", "email", "website")


def client_ip(request):
    """The address flood control counts, by the project's one rule (newsroom.clientip).

    None when it is missing or not an IP address (a proxy can forward anything), so
    the database, which may store it as an inet, never sees garbage.
    """
    try:
        return str(ipaddress.ip_address(clientip.client_ip(request).strip()))
    except ValueError:
        return None


def user_agent(request):
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _read(request, name):
    """A value this server signed into a cookie, or None if absent or tampered with."""
    try:
        return signing.loads(request.COOKIES.get(name, ""), salt=name, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        return None


def _set(response, name, value):
    response.set_cookie(
        name, signing.dumps(value, salt=name), max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def author_token(request):
    """The random token this browser received with its first reply ('' if none)."""
    token = _read(request, TOKEN_COOKIE)
    return token if isinstance(token, str) else ""


def give_author_token(response, token):
    _set(response, TOKEN_COOKIE, token)


def new_author_token():
    return secrets.token_urlsafe(32)


def remembered_fields(request):
    """Name, email and website saved by "Save my name…", to prefill the form; {} if none."""
    saved = _read(request, REMEMBER_COOKIE)
    if not isinstance(saved, dict):
        return {}
    return {field: str(saved[field]) for field in REMEMBERED_FIELDS if field in saved}


def remember_fields(response, cleaned_data):
    """Keep name, email and website when the box was ticked; forget them when it was not."""
    if cleaned_data.get("remember"):
        _set(response, REMEMBER_COOKIE, {field: cleaned_data[field] for field in REMEMBERED_FIELDS})
    else:
        response.delete_cookie(REMEMBER_COOKIE, samesite="Lax")
