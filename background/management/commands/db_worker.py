"""`manage.py db_worker`: django-tasks-db's worker, which also runs the periodic jobs when due.

The same command, options and behaviour as the library's (this app comes first in INSTALLED_APPS, so
its command wins), so whichever way an operator starts the worker, the schedule runs with it. Left
running, it lowers its own CPU priority: on a machine it shares with gunicorn, readers' requests come first.
A worker that runs only the readers' queue (`--queue-name pages`: pages rendered again after a change and
the proxy's purges, which readers wait for) keeps its priority and leaves the schedule to the other.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from background import READERS_QUEUE, schedule

# Added to the worker's niceness (0 to 19): background work takes the CPU that the web leaves.
NICENESS = 10
# How long an idle worker waits before it looks for tasks again (the library's default is 1 s): a change's
# purge of the proxy in front (pagecache/proxy.py) leaves within this. Each look is one indexed query.
POLL_SECONDS = 0.2


class Command(db_worker.Command):
    help = "Run background tasks from the database queue, and the periodic jobs when they are due."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(interval=POLL_SECONDS, queue_name="*")  # alone, a worker runs every queue

    def handle(self, *args, **options):
        for_readers = options["queue_name"] == READERS_QUEUE
        if options["batch"]:
            schedule.tick()  # what is due now runs in this batch
        elif not for_readers:
            os.nice(NICENESS)
            if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                schedule.start_ticking()  # in the process that runs tasks (with --reload, not in the watcher)
        super().handle(*args, **options)
