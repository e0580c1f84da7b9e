"""The moderators' email about waiting replies: one task however many replies wait, one email listing them all
once the mail server answers, never the same reply twice, and one task when two replies arrive at once."""

import importlib
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments import notifications
from comments.models import Comment
from tests.comments.support import make_reply, post_reply
from tests.comments.test_admin import FailingBackend

pytestmark = pytest.mark.django_db
EMAIL_TASK = "comments.notifications.email_moderators"


@pytest.fixture
def moderators(django_user_model):
    mona = django_user_model.objects.create_user("mona", "mona@newsroom.example", "pw", is_staff=True)
    mona.groups.add(Group.objects.get(name="Moderators"))
    django_user_model.objects.create_superuser("chief", "chief@newsroom.example", "pw")
    return ["chief@newsroom.example", "mona@newsroom.example"]


def email_tasks(status):
    return DBTaskResult.objects.filter(task_path=EMAIL_TASK, status=status).count()


def ten_replies_while_mail_is_down(client, story, settings, task_queue):
    """Five replies, a failed send, five more: what the moderators have not been told yet."""
    FailingBackend.attempts = 0
    settings.EMAIL_BACKEND = "tests.comments.test_admin.FailingBackend"
    for n in range(10):
        post_reply(client, story, email=f"reader{n}@example.org", body=f"Waiting reply number {n}.")
        if n == 4:
            task_queue()
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 10


def when_the_pause_is_over(task_queue):
    """One pass of the worker after every retry's pause."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    task_queue()


def test_replies_waiting_while_mail_is_down_make_one_task_that_retries(client, story, moderators, settings, task_queue):
    ten_replies_while_mail_is_down(client, story, settings, task_queue)
    assert FailingBackend.attempts == 1
    assert (email_tasks("FAILED"), email_tasks("READY")) == (1, 1), "one retry waits for all ten replies"
    task_queue()
    assert FailingBackend.attempts == 1, "the retry waits its pause"
    when_the_pause_is_over(task_queue)
    assert FailingBackend.attempts == 2
    assert (email_tasks("FAILED"), email_tasks("READY")) == (2, 1)


def test_once_mail_is_back_each_moderator_gets_one_email_listing_every_waiting_reply(
    client, story, moderators, settings, task_queue
):
    ten_replies_while_mail_is_down(client, story, settings, task_queue)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    when_the_pause_is_over(task_queue)

    [message] = mail.outbox
    assert sorted(message.to) == moderators
    assert message.subject == "[Newsroom] 10 replies awaiting moderation"
    [(html, _)] = message.alternatives
    for n in range(10):
        reply = Comment.objects.get(body=f"Waiting reply number {n}.")
        link = f"/admin/comments/comment/{reply.pk}/change/"
        assert reply.body in message.body and link in message.body and reply.body in html and link in html
    assert "@example.org" not in str(message.message()), "no reader's email address"

    notifications.email_moderators.enqueue()
    task_queue()
    assert len(mail.outbox) == 1, "a second run finds nothing more to tell"

    post_reply(client, story, body="Arrived after the email.")
    task_queue()
    assert mail.outbox[1].subject == "[Newsroom] Reply awaiting moderation"
    assert "Arrived after the email." in mail.outbox[1].body and "Waiting reply number" not in mail.outbox[1].body


def test_a_long_list_names_the_rest_by_number_with_a_link_to_the_queue(story, moderators, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example"
    replies = [make_reply(story, status=Comment.Status.PENDING) for _ in range(notifications.LISTED + 3)]
    message = notifications.moderators_email(replies, moderators)
    assert message.subject == f"[Newsroom] {notifications.LISTED + 3} replies awaiting moderation"
    assert replies[notifications.LISTED - 1].body in message.body and replies[-1].body not in message.body
    assert "And 3 more, on the moderation page:\nhttps://news.example/admin/comments/comment/" in message.body


def test_a_reply_committed_after_a_later_one_was_emailed_is_in_the_next_email(story, moderators):
    # PostgreSQL hands out ids before commit: a lower id may commit after a higher one was told.
    with transaction.atomic():
        notifications.queue(make_reply(story, pk=1000, status=Comment.Status.PENDING, body="Committed first."))
    with transaction.atomic():
        notifications.queue(make_reply(story, pk=999, status=Comment.Status.PENDING, body="Committed second."))
    first, second = mail.outbox
    assert "Committed first." in first.body
    assert "Committed second." in second.body and "Committed first." not in second.body


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrated groups for later tests
def test_two_replies_stored_at_the_same_moment_queue_one_email(story, task_queue):
    with transaction.atomic():
        notifications.queue(make_reply(story, status=Comment.Status.PENDING, body="Told before."))
    task_queue()  # the moderators have been emailed before: the batch's row exists
    first_noted = threading.Event()

    def reply(body, before=None, after=None):
        try:
            if before:
                before.wait(10)
            with transaction.atomic():
                notifications.queue(make_reply(story, status=Comment.Status.PENDING, body=body))
                if after:
                    after.set()
                    time.sleep(0.5)  # still uncommitted while the other reply is stored
        finally:
            connection.close()

    threads = [
        threading.Thread(target=reply, args=("The first.",), kwargs={"after": first_noted}),
        threading.Thread(target=reply, args=("The second.",), kwargs={"before": first_noted}),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert Comment.objects.count() == 3
    assert email_tasks("READY") == 1


def test_emails_queued_one_per_reply_before_the_batch_are_dropped_and_their_replies_told_in_the_next(client, story, settings, task_queue, moderators):
    """An upgrade: the old tasks carry a reply's id, which today's task takes no more; the batch tells of it."""
    from django.apps import apps

    old = notifications.email_moderators.using()
    reply = make_reply(story, status=Comment.Status.PENDING)
    DBTaskResult.objects.create(
        task_path=EMAIL_TASK, args_kwargs={"args": [reply.pk], "kwargs": {}}, status="READY",
        queue_name=old.queue_name, backend_name=old.backend, priority=0, run_after=None,
    )
    upgrade = importlib.import_module("background.migrations.0002_batch")
    upgrade.drop_one_task_per_reply(apps, None)
    assert email_tasks("READY") == 0
    post_reply(client, story, email="later@example.org", body="A reply after the upgrade.")
    task_queue()
    assert len(mail.outbox) == 1 and str(reply.pk) in mail.outbox[0].body and "after the upgrade" in mail.outbox[0].body
