"""The periodic jobs, run by the worker when they are due: no cron line.

An app registers a job in its AppConfig.ready: `every(timedelta(days=1), "comments.purge", daily_purge)`,
where `daily_purge` is a task. What is due when is a row per job in the database (ScheduledJob), so a
worker's restart neither loses a run nor repeats one. Each worker looks at the schedule every
TICK_SECONDS (`manage.py db_worker` starts that); a due job is claimed by one conditional UPDATE that moves
its next run on, in the transaction that enqueues its task: two workers never both enqueue the same run,
and a worker that dies between the two loses nothing.

The queue's own jobs live here too: tasks left running by a worker that died run again, and finished
tasks are forgotten after NEWSROOM_TASKS_KEEP_DAYS.
"""

import logging
import threading
import time
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from . import task
from .models import ScheduledJob

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
# A task still running after this long lost its worker (killed, or its machine gone): it runs again.
ABANDONED_AFTER = timedelta(minutes=15)


class Job(NamedTuple):
    name: str
    interval: timedelta
    task: object


JOBS = {}


def every(interval, name, job_task):
    """Run `job_task` (a task taking no arguments) every `interval`, from the worker."""
    JOBS[name] = Job(name, interval, job_task)


def tick(now=None):
    """Enqueue the jobs that are due, each by one worker only; the names enqueued."""
    now = now or timezone.now()
    ScheduledJob.objects.bulk_create([ScheduledJob(name=name, next_run_at=now) for name in JOBS], ignore_conflicts=True)
    enqueued = []
    for name in ScheduledJob.objects.filter(name__in=JOBS, next_run_at__lte=now).values_list("name", flat=True):
        job = JOBS[name]
        with transaction.atomic():
            claimed = ScheduledJob.objects.filter(name=name, next_run_at__lte=now).update(
                next_run_at=now + job.interval, last_run_at=now
            )
            if claimed:
                job.task.enqueue()
                enqueued.append(name)
    return enqueued


def start_ticking():
    """Look at the schedule now and every TICK_SECONDS, in a thread beside the worker's loop."""
    threading.Thread(target=_tick_forever, name="schedule", daemon=True).start()


def _tick_forever():
    while True:
        try:
            tick()
        except Exception:  # a locked or unreachable database: the next tick tries again
            logger.exception("Could not read the schedule of periodic jobs; trying again in %s s", TICK_SECONDS)
        finally:
            connection.close()  # this thread's own connection: not kept across the pause
        time.sleep(TICK_SECONDS)


class Abandoned(Exception):
    """What an abandoned task's record says: its worker stopped while running it."""


@task()
def rescue_abandoned_tasks():
    """Run again each task a worker left running for longer than ABANDONED_AFTER; the abandoned run is
    marked failed (visible in the admin). Jobs and emails are safe to run twice. How many were rescued."""
    now = timezone.now()
    rescued = 0
    for result in DBTaskResult.objects.running().filter(started_at__lt=now - ABANDONED_AFTER):
        try:
            again = result.task
        except (ImportError, SuspiciousOperation):
            again = None  # its code is gone: only marked failed
        with transaction.atomic():
            if not DBTaskResult.objects.filter(pk=result.pk, status=result.status).update(
                status="FAILED", finished_at=now,
                exception_class_path=f"{__name__}.Abandoned", traceback="Its worker stopped while running it.",
            ):
                continue  # finished, or rescued by another worker, meanwhile
            if again:
                again.enqueue(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
        logger.warning("Task %s (%s) was left running by its worker: enqueued again", result.pk, result.task_path)
        rescued += 1
    return rescued


@task()
def forget_finished_tasks():
    """Delete the tasks that finished more than NEWSROOM_TASKS_KEEP_DAYS ago; how many."""
    cutoff = timezone.now() - timedelta(days=settings.NEWSROOM_TASKS_KEEP_DAYS)
    return DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()[0]
