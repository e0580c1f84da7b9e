"""How long from a moderator's approval to each subscriber's email in the queue, and to the email itself.

Run with `.venv/bin/python -m tests.bench.subscribers [SUBSCRIBERS ...]` (default 1 100 1000). It builds a
throwaway SQLite site in a temporary folder, subscribes that many confirmed addresses to one story,
and approves replies one at a time. The tasks are held in a DummyBackend and run here one after the
other, as a worker would, so the figures leave out only the worker's wait for a task to be due (its
polling interval, and the DIGEST_SECONDS the email deliberately waits to gather later replies):

- approval: the moderator's decision, committed, with the task that finds subscribers queued;
- queued: then that task run, until every subscriber's email task is in the queue;
- sent: then every email task run (rendered, sent to the in-memory mail backend).
"""

import os
import statistics
import sys
import tempfile
import time

TRIALS = 5


def main(counts):
    folder = tempfile.mkdtemp(prefix="newsroom-bench-subscribers-")
    os.environ.update(DJANGO_SETTINGS_MODULE="newsroom.settings", DJANGO_DATA_DIR=folder, DJANGO_SECRET_KEY="bench-" * 10)
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)

    from django.contrib.auth import get_user_model
    from django.core import mail
    from django.utils import timezone
    from django_tasks import default_task_backend

    from comments.models import Comment, Subscriber, Subscription
    from comments.moderation import moderator
    from tests.stories import make_story

    mail.outbox = []
    staff = get_user_model().objects.create_user("moe", is_staff=True, is_superuser=True)

    def run_queued():
        queued, default_task_backend.results[:] = list(default_task_backend.results), []
        for result in queued:
            result.task.call(*result.args, **result.kwargs)
        return len(queued)

    print(f"{'subscribers':>11} {'approval ms':>12} {'queued ms':>10} {'sent ms':>9}  (median of {TRIALS}; emails per approval)")
    for count in counts:
        story = make_story(f"A story with {count} subscribers")
        asked = timezone.now()
        Subscriber.objects.bulk_create(
            Subscriber(email=f"bench{count}-{n}@example.org", confirmed_at=asked) for n in range(count)
        )
        subscribers = Subscriber.objects.filter(email__startswith=f"bench{count}-")
        Subscription.objects.bulk_create(
            Subscription(subscriber=subscriber, article=story, kind=Subscription.Kind.STORY, created_at=asked)
            for subscriber in subscribers
        )
        timings = []
        for trial in range(TRIALS):
            reply = Comment.objects.create(
                article=story, name="Dana", email="dana@example.org", body=f"News {trial}.", status=Comment.Status.PENDING
            )
            mail.outbox.clear()
            start = time.perf_counter()
            moderator.decide(reply, "approve", staff)
            approved = time.perf_counter()
            run_queued()  # finds the subscribers, queues one email task each
            queued = time.perf_counter()
            run_queued()  # the email tasks, once due
            sent = time.perf_counter()
            timings.append((approved - start, queued - approved, sent - queued))
            assert len(mail.outbox) == count, (len(mail.outbox), count)
        medians = [statistics.median(column) * 1000 for column in zip(*timings, strict=True)]
        print(f"{count:>11} {medians[0]:>12.1f} {medians[1]:>10.1f} {medians[2]:>9.1f}  ({count} emails)")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [1, 100, 1000])
