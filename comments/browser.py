"""What the reader's browser tells the server, and the cookies it keeps: a random token, and a marker.

The signed token lets the server recognise the browser's own pending replies, an
author whose reply was approved, and the name and email the reader asked it to
remember (kept on the server, never in the cookie). It does not make a page
personal: pages are the same for every reader, and what is the browser's own comes
from a request of its own (comments.views.replies_for_me). The marker says only
"this browser has replied or reported before", to the site's JavaScript (it is
not httponly), so that request is made on page load only for browsers that have
something to ask for.
"""

import ipaddress
import secrets

from django.conf import settings
from django.core import signing

import clientip

from .models import Comment, RememberedAuthor

TOKEN_COOKIE = "newsroom_reply_token"  # noqa: S105 (a cookie name, not a secret)
MARKER_COOKIE = "newsroom_replied"  # "1": nothing secret, nothing that names the browser
COOKIE_MAX_AGE = 365 * 24 * 3600
REMEMBERED_FIELDS = ("name", "email", "website")


def client_ip(request):
    """The address flood control counts, by the project's one rule (clientip).

    None when it is missing or not an IP address (a proxy can forward anything), so
    the database, which may store it as an inet, never sees garbage.
    """
    try:
        return str(ipaddress.ip_address(clientip.client_ip(request).strip()))
    except ValueError:
        return None


def user_agent(request):
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def author_token(request):
    """The random token this browser received with its first reply ('' if none, or tampered with)."""
    try:
        token = signing.loads(request.COOKIES.get(TOKEN_COOKIE, ""), salt=TOKEN_COOKIE, max_age=COOKIE_MAX_AGE)
    except signing.BadSignature:
        return ""
    return token if isinstance(token, str) else ""


def give_author_token(response, token):
    """The signed token (httponly: no script reads it) and the marker the site's JavaScript reads."""
    response.set_cookie(
        TOKEN_COOKIE, signing.dumps(token, salt=TOKEN_COOKIE), max_age=COOKIE_MAX_AGE, httponly=True,
        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
    )
    response.set_cookie(
        MARKER_COOKIE, "1", max_age=COOKIE_MAX_AGE, httponly=False, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE
    )


def new_author_token():
    return secrets.token_urlsafe(32)


def remembered_fields(request):
    """Name, email and website this browser asked to be remembered, to prefill the form; {} if none."""
    token = author_token(request)
    if not token:
        return {}
    saved = RememberedAuthor.objects.filter(token_hash=Comment.hash_token(token)).first()
    return {field: getattr(saved, field) for field in REMEMBERED_FIELDS} if saved else {}


def remember_fields(token, cleaned_data):
    """Keep name, email and website on the server behind the browser's token when the box was ticked;
    forget them when it was not. The cookie carries only the random token."""
    token_hash = Comment.hash_token(token)
    if cleaned_data.get("remember"):
        RememberedAuthor.objects.update_or_create(
            token_hash=token_hash, defaults={field: cleaned_data[field] for field in REMEMBERED_FIELDS}
        )
    else:
        RememberedAuthor.objects.filter(token_hash=token_hash).delete()
