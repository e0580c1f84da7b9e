"""Tasks that try again: a task whose work fails (a mail server down or hanging past its timeout) is
enqueued once more after a growing pause, up to MAX_ATTEMPTS; each failed attempt stays in the admin's
list of tasks with its error, and the next one's time beside it."""

import functools
import logging
from datetime import timedelta

from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# Pauses before the 1st, 2nd, ... retry; the last repeats until MAX_ATTEMPTS.
RETRY_AFTER = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
MAX_ATTEMPTS = 12


def retried(function):
    """For a task's function (under `@task()`): when it raises, the task is enqueued again with `attempt`
    one more, after the pause for that attempt, and the failure is raised to be recorded."""

    @functools.wraps(function)
    def attempt_it(*args, attempt=1, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            again_later(import_string(f"{function.__module__}.{function.__name__}"), args, kwargs, attempt, error)
            raise

    return attempt_it


def again_later(task, args, kwargs, attempt, error):
    name = f"{task.name}{tuple(args)}"
    if attempt >= MAX_ATTEMPTS or not task.get_backend().supports_defer:
        logger.error("Gave up %s after %s attempts: %s", name, attempt, error)
        return
    pause = RETRY_AFTER[min(attempt, len(RETRY_AFTER)) - 1]
    task.using(run_after=timezone.now() + pause).enqueue(*args, attempt=attempt + 1, **kwargs)
    logger.warning("%s failed (attempt %s, next in %s): %s", name, attempt, pause, error)
