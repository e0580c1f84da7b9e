"""/healthz: tells a load balancer whether this process can reach its database and cache.

It is answered by a middleware placed first, before host validation and the
HTTPS redirect: load balancers probe each backend by its address over plain
HTTP, which ALLOWED_HOSTS and SECURE_SSL_REDIRECT would otherwise refuse.
The body names the failing dependency but never the error, which may carry
a host name or credential; the error goes to the log.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

logger = logging.getLogger(__name__)

PATH = "/healthz"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_cache():
    token = secrets.token_hex(8)
    cache.set("healthz", token, timeout=10)
    return cache.get("healthz") == token


CHECKS = {"database": check_database, "cache": check_cache}


def health_report():
    """{"database": "ok"|"failing", "cache": ...} and whether everything is ok."""
    report = {}
    for name, check in CHECKS.items():
        try:
            ok = check()
        except Exception as error:
            # One line, no traceback: a load balancer asks every few seconds during an outage.
            logger.error("healthz: %s check failed: %s: %s", name, type(error).__name__, error)
            ok = False
        report[name] = "ok" if ok else "failing"
    return report, all(state == "ok" for state in report.values())


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        report, healthy = health_report()
        response = JsonResponse({"status": "ok" if healthy else "failing", **report}, status=200 if healthy else 503)
        response["Cache-Control"] = "no-store"
        return response
