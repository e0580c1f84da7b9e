"""The queue's health for /healthz: how much waits, how long the oldest has waited, recent failures.

A task waits from when it is due (enqueued, or its `run_after`); a periodic job waits from its next
run, even before it is enqueued. So a queue whose worker is stopped or wedged shows an oldest wait
that grows, whether or not anything was enqueued meanwhile.
"""

from datetime import timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

from . import task_backends
from .models import ScheduledJob
from .schedule import JOBS

# Longer than this, and the queue is "stuck": no worker is taking its tasks.
STUCK_AFTER = timedelta(minutes=5)


def queue_report(now=None):
    """{"status": "ok" | "stuck" | "no worker has started", "waiting", "oldest_waiting_seconds", "failed_last_day"}."""
    if not isinstance(task_backends["default"], DatabaseBackend):
        return {"status": "ok"}  # tasks run as they are enqueued: nothing ever waits
    now = now or timezone.now()
    never = get_date_max()
    due = DBTaskResult.objects.ready().aggregate(
        waiting=Count("pk"),
        enqueued=Min("enqueued_at", filter=Q(run_after=never)),
        deferred=Min("run_after", filter=~Q(run_after=never)),
    )
    schedule = ScheduledJob.objects.filter(name__in=JOBS).aggregate(jobs=Count("pk"), next_run=Min("next_run_at"))
    since = [moment for moment in (due["enqueued"], due["deferred"], schedule["next_run"]) if moment and moment <= now]
    oldest = max(now - min(since), timedelta(0)) if since else timedelta(0)
    if not schedule["jobs"]:
        status = "no worker has started"
    else:
        status = "stuck" if oldest > STUCK_AFTER else "ok"
    return {
        "status": status,
        "waiting": due["waiting"],
        "oldest_waiting_seconds": int(oldest.total_seconds()),
        "failed_last_day": DBTaskResult.objects.failed().filter(finished_at__gte=now - timedelta(days=1)).count(),
    }
