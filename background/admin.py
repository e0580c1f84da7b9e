"""The queue in the admin (superusers): each task with its arguments, when it may run and how it ended,
so a retry waiting for its pause and the error that caused it are both in view; and the schedule."""

from django.contrib import admin
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from .models import ScheduledJob

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskAdmin(DBTaskResultAdmin):
    list_display = ("task_name", "arguments", "status", "enqueued_at", "display_run_after", "finished_at", "error")
    list_filter = ("status", "task_path")

    @admin.display(description="arguments")
    def arguments(self, result):
        args, kwargs = result.args_kwargs["args"], result.args_kwargs["kwargs"]
        return ", ".join([*map(repr, args), *(f"{key}={value!r}" for key, value in kwargs.items())]) or "-"

    @admin.display(description="error")
    def error(self, result):
        return result.exception_class_path.rpartition(".")[2] or "-"


@admin.register(ScheduledJob)
class ScheduledJobAdmin(admin.ModelAdmin):
    list_display = ("name", "last_run_at", "next_run_at")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False
