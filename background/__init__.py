"""Background work: what runs beside the web, never while a reader waits.

Apps define tasks with Django's tasks API (`django.tasks` from Django 6; the
`django-tasks` backport on 5.2, imported here once so apps need not know which)
and enqueue them; the queue lives in the site's database (`django-tasks-db`)
and `manage.py db_worker` runs it. This app owns only the queue's own parts:
the periodic jobs (schedule.py), the worker command that runs them, the
queue's health (health.py) and its pages in the admin. It imports no other app.
"""

try:
    from django.tasks import task, task_backends
except ImportError:  # Django 5.2: the backport, the same API
    from django_tasks import task, task_backends

# The queue of the work readers wait for (a changed page rendered again, the proxy in front purged): a worker of
# its own runs it at full priority (`db_worker --queue-name pages`), never behind an email to a mail server that
# hangs; the other worker runs everything else (`--exclude-queues pages`). One worker may also run both.
READERS_QUEUE = "pages"

__all__ = ["READERS_QUEUE", "task", "task_backends"]
