"""The one rule for a request's client address, for login lockouts and flood control."""

from django.conf import settings


def client_ip(request):
    """REMOTE_ADDR, or behind a trusted proxy the address that proxy appended to X-Forwarded-For.

    Only the right-most entry is the proxy's own; anything left of it was sent by the
    client and would let an attacker pick a fresh address for every attempt.
    """
    if settings.NEWSROOM_TRUST_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        if forwarded[-1]:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR", "")
