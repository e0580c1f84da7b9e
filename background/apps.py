from datetime import timedelta

from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "background"
    verbose_name = "Background work"

    def ready(self):
        from . import schedule

        schedule.every(timedelta(minutes=5), "background.rescue", schedule.rescue_abandoned_tasks)
        schedule.every(timedelta(days=1), "background.retention", schedule.forget_finished_tasks)
