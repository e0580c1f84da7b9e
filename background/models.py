from django.db import models


class ScheduledJob(models.Model):
    """When a periodic job (background/schedule.py) is next due: the schedule survives a worker's restart."""

    name = models.CharField(max_length=100, primary_key=True)
    next_run_at = models.DateTimeField("next run")
    last_run_at = models.DateTimeField("last run", null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Batch(models.Model):
    """How far a batched task (background/batches.py) has told, and which task will tell the rest: one row
    per batch, locked by whoever changes it, so that however many web workers note rows, one task waits."""

    name = models.CharField(max_length=100, primary_key=True)
    task_id = models.CharField("waiting task", max_length=64, blank=True)
    done_up_to = models.BigIntegerField("covered up to id", default=0)
    # Ids at or below done_up_to committed after the run that covered that far (PostgreSQL may commit rows out of id order).
    missed = models.JSONField(default=list, blank=True)

    def __str__(self):
        return self.name
