"""Batched tasks: one task tells about every row noted since its last success, however many rows arrive.

A row (a reply waiting for moderators, say) is noted in its own transaction with `note()`: it enqueues
the batch's task only when none is already waiting, so a thousand rows while the mail server is down make
one task that retries with its pause (background.retries), not a thousand. The task reads `waiting()`
(rows past the watermark), sends, and then records with `covered()` what it told; a row that arrived
meanwhile is in the next run, and a run after a success finds nothing more to tell.

`note()` and `covered()` lock the batch's row (background.models.Batch), so web workers and the worker
agree on whether a task waits. Ids are the watermark; PostgreSQL may commit a lower id after a higher one was
told, and such an id is kept in `missed` until a run tells it.
"""

from django.db import transaction
from django.db.models import Q
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from .models import Batch

READY, RUNNING = "READY", "RUNNING"


def note(name, task, row_id):
    """In the transaction that stores row `row_id`: it is in the batch's next run; enqueue `task` unless
    one is waiting (queued, retrying after a pause, or running and not yet done with its batch)."""
    batch = _locked(name)
    if row_id <= batch.done_up_to:
        batch.missed.append(row_id)
        batch.save(update_fields=["missed"])
    if not _task_waits(batch, task):
        _enqueue(name, task)


def waiting(name, rows):
    """The rows of queryset `rows` not yet told: past the watermark, or missed."""
    batch = Batch.objects.filter(pk=name).first() or Batch(name=name)
    return rows.filter(Q(pk__gt=batch.done_up_to) | Q(pk__in=batch.missed))


def covered(name, task, told_ids, rows):
    """After a successful run: the ids told are done, and the next run (enqueued now if any of `rows`
    waits still) tells the rest. `rows` is the queryset of rows that still need telling."""
    told = set(told_ids)
    with transaction.atomic():
        batch = _locked(name)
        done_up_to = max([batch.done_up_to, *told])
        skipped = rows.filter(Q(pk__gt=batch.done_up_to) | Q(pk__in=batch.missed), pk__lte=done_up_to).exclude(pk__in=told)
        batch.missed = sorted(skipped.values_list("pk", flat=True))
        batch.done_up_to, batch.task_id = done_up_to, ""
        batch.save()
        if batch.missed or rows.filter(pk__gt=done_up_to).exists():
            _enqueue(name, task)


def _locked(name):
    batch = Batch.objects.select_for_update().filter(pk=name).first()
    if batch is None:  # the batch's first row: of two at once, one insert wins and the other waits for it
        Batch.objects.bulk_create([Batch(name=name)], ignore_conflicts=True)
        batch = Batch.objects.select_for_update().get(pk=name)
    return batch


def _task_waits(batch, task):
    # Queued or a retry waiting its pause (READY, the queue's own index); running, until covered() clears
    # task_id. Other backends keep no table: never.
    if not isinstance(task.get_backend(), DatabaseBackend):
        return False
    tasks = DBTaskResult.objects.filter(task_path=task.module_path)
    return tasks.filter(status=READY).exists() or bool(batch.task_id) and tasks.filter(pk=batch.task_id, status=RUNNING).exists()


def _enqueue(name, task):
    # Saved after: with a backend that runs the task at once, covered() has already written the row.
    Batch.objects.filter(pk=name).update(task_id=str(task.enqueue().id))
