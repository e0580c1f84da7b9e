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
