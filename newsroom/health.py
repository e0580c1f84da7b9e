"""/healthz: tells a load balancer the truth about this process.

Liveness (`/healthz`, also `/healthz/live`) answers 200 while the process serves pages: a cache outage
(pages are then rendered uncached) or a stuck task queue makes it "degraded", logged and named in the
JSON, never a reason to restart the process. Readiness (`/healthz/ready`) answers 503 only when the
database cannot be reached, the one thing without which no page can be served: take the backend out of
rotation then. Both say which part fails, never the error, which may carry a host name or credential;
the error goes to the log.

They are answered by a middleware placed first, before host validation and the HTTPS redirect: load
balancers probe each backend by its address over plain HTTP, which ALLOWED_HOSTS and
SECURE_SSL_REDIRECT would otherwise refuse.
"""

import logging
import secrets

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse

from background.health import queue_report

logger = logging.getLogger(__name__)

LIVE, READY = ("/healthz", "/healthz/live"), "/healthz/ready"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def check_cache():
    token = secrets.token_hex(8)
    cache.set("healthz", token, timeout=10)
    return cache.get("healthz") == token


def check_queue():
    """The task queue's report (background/health.py): ok unless no worker takes its tasks."""
    report = queue_report()
    if report["status"] != "ok":
        logger.warning("healthz: task queue %s: %s", report["status"], report)
    return report


CHECKS = {"database": check_database, "cache": check_cache, "queue": check_queue}


def health_report(names=tuple(CHECKS)):
    """{"database": "ok"|"failing", "cache": ..., "queue": {...}} for the checks named."""
    report = {}
    for name in names:
        try:
            result = CHECKS[name]()
        except Exception as error:
            # One line, no traceback: a load balancer asks every few seconds during an outage.
            logger.error("healthz: %s check failed: %s: %s", name, type(error).__name__, error)
            result = False
        report[name] = result if isinstance(result, dict) else "ok" if result else "failing"
    return report


def is_ok(state):
    return (state["status"] if isinstance(state, dict) else state) == "ok"


def liveness():
    report = health_report()
    if not is_ok(report["database"]):
        status = "failing"
    else:
        status = "ok" if all(is_ok(state) for state in report.values()) else "degraded"
    return JsonResponse({"status": status, **report})


def readiness():
    report = health_report(["database"])
    ready = is_ok(report["database"])
    return JsonResponse({"status": "ok" if ready else "failing", **report}, status=200 if ready else 503)


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD") or request.path_info not in (*LIVE, READY):
            return self.get_response(request)
        response = readiness() if request.path_info == READY else liveness()
        response["Cache-Control"] = "no-store"
        return response
