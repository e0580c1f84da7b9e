"""Background work: the periodic jobs' schedule, rescuing what a dead worker left, the queue's health, a real
worker process against a real queue, and a mail server that hangs while readers keep posting."""

import time
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from background import schedule
from background.models import ScheduledJob
from comments.models import Comment
from tests import gunicorn_server
from tests.comments.support import make_reply
from tests.mail_server import MailServer
from tests.stories import make_story
from tests.test_cache_outage import post_reply

PURGE = "comments.privacy.daily_purge"


@pytest.fixture
def story(db):
    return make_story("Shooting continues in Almaty")


def jobs_enqueued(path):
    return DBTaskResult.objects.filter(task_path=path).count()


@pytest.mark.django_db
def test_each_periodic_job_is_enqueued_once_however_many_workers_look(task_queue):
    now = timezone.now()
    daily, retrain = {"comments.purge", "background.rescue", "background.retention"}, "comments.spam_classifier"
    assert set(schedule.tick(now)) == daily | {retrain}
    assert schedule.tick(now) == [], "a second worker looking at the same moment finds nothing due"
    assert set(schedule.tick(now + timedelta(hours=23))) == {"background.rescue", retrain}
    assert set(schedule.tick(now + timedelta(days=1, seconds=1))) == daily | {retrain}
    assert jobs_enqueued(PURGE) == 2
    assert ScheduledJob.objects.get(name="comments.purge").next_run_at == now + timedelta(days=2, seconds=1)


@pytest.mark.django_db
def test_the_worker_purges_old_ip_addresses_by_itself(task_queue, story):
    old = make_reply(story, ip_address="203.0.113.9", created_at=timezone.now() - timedelta(days=90))
    recent = make_reply(story, ip_address="203.0.113.10")
    task_queue()
    old.refresh_from_db(), recent.refresh_from_db()
    assert (old.ip_address, recent.ip_address) == (None, "203.0.113.10")
    assert DBTaskResult.objects.get(task_path=PURGE).status == "SUCCESSFUL"


@pytest.mark.django_db
def test_a_task_left_running_by_a_dead_worker_runs_again(task_queue, story, moderator):
    from comments.notifications import email_moderators

    make_reply(story, status=Comment.Status.PENDING)
    email_moderators.enqueue()
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - timedelta(minutes=20))
    assert schedule.rescue_abandoned_tasks.call() == 1
    abandoned, again = DBTaskResult.objects.order_by("enqueued_at")
    assert abandoned.status == "FAILED" and abandoned.exception_class_path == "background.schedule.Abandoned"
    assert (again.status, again.task_path) == ("READY", abandoned.task_path)
    assert schedule.rescue_abandoned_tasks.call() == 0


@pytest.mark.django_db
def test_healthz_says_when_the_queue_is_stuck_without_failing_liveness(client, task_queue, story):
    assert client.get("/healthz").json()["queue"]["status"] == "no worker has started"
    task_queue()
    assert client.get("/healthz").json()["queue"] == {
        "status": "ok", "waiting": 0, "oldest_waiting_seconds": 0, "failed_last_day": 0,
    }
    from comments.notifications import email_moderators

    make_reply(story, status=Comment.Status.PENDING)
    email_moderators.enqueue()
    DBTaskResult.objects.filter(status="READY").update(enqueued_at=timezone.now() - timedelta(minutes=10))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    queue = response.json()["queue"]
    assert (queue["status"], queue["waiting"]) == ("stuck", 1) and 600 <= queue["oldest_waiting_seconds"] < 610
    assert client.get("/healthz/ready").status_code == 200


# -- a real worker process against a real queue --------------------------------------------------------------


def until(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def test_a_worker_process_sends_the_email_and_runs_the_schedule_once_across_restarts(tmp_path):
    env = gunicorn_server.server_env(tmp_path, DJANGO_LOG_LEVEL="INFO")
    gunicorn_server.prepare_site(env)
    gunicorn_server.ask(
        env,
        "make_reply(Article.objects.get(), status='pending', body='Waiting for a moderator.').pk",
        "from articles.models import Article; from tests.comments.support import make_reply; "
        "from django.contrib.auth.models import User; User.objects.create_superuser('chief', 'chief@newsroom.example', 'pw'); "
        "from comments.notifications import email_moderators",
    )
    gunicorn_server.manage(env, "shell", "-c", "from comments.notifications import email_moderators; email_moderators.enqueue()")

    def statuses(path):
        return gunicorn_server.ask(env, f"list(DBTaskResult.objects.filter(task_path='{path}').values_list('status', flat=True))",
                                   "from django_tasks_db.models import DBTaskResult")

    with gunicorn_server.db_worker(env, tmp_path / "worker.log") as worker:
        until(lambda: statuses("comments.notifications.email_moderators") == "['SUCCESSFUL']")
        until(lambda: statuses(PURGE) == "['SUCCESSFUL']")
        worker.terminate()
        assert worker.wait(timeout=20) == 0, "the worker stops cleanly when told to"
    log = (tmp_path / "worker.log").read_text()
    assert "Subject: [Newsroom] Reply awaiting moderation" in log and "Waiting for a moderator." in log
    assert "Content-Type: text/html" in log

    with gunicorn_server.db_worker(env, tmp_path / "worker-again.log"):
        until(lambda: "schedule" in gunicorn_server.ask(env, "ScheduledJob.objects.count() and 'schedule'",
                                                          "from background.models import ScheduledJob"))
        time.sleep(3)  # it has looked at the schedule by now
        assert statuses(PURGE) == "['SUCCESSFUL']", "a restart does not run the daily purge again"


# -- a mail server that accepts and never answers -------------------------------------------------------------


def timed(action):
    start = time.monotonic()
    result = action()
    return result, time.monotonic() - start


def test_a_hanging_mail_server_delays_no_reply_and_no_page(tmp_path):
    smtp = MailServer("hanging")
    try:
        env = gunicorn_server.server_env(
            tmp_path, EMAIL_HOST="127.0.0.1", EMAIL_PORT=smtp.port, EMAIL_USE_TLS=0, DJANGO_LOG_LEVEL="WARNING",
            NEWSROOM_COMMENTS_MIN_SECONDS=0, NEWSROOM_COMMENTS_FLOOD_SECONDS=0,
        )
        story_url = gunicorn_server.prepare_site(env)
        gunicorn_server.manage(env, "shell", "-c", "from django.contrib.auth.models import User; "
                               "User.objects.create_superuser('chief', 'chief@newsroom.example', 'pw')")
        with gunicorn_server.gunicorn(env, tmp_path / "server.log", workers=2) as base, \
                gunicorn_server.db_worker(env, tmp_path / "worker.log"):
            posts, pages = [], []
            for n in range(4):
                status, seconds = timed(lambda n=n: post_reply(base, story_url, n))
                assert status == 303
                posts.append(seconds)
                for _ in range(3):
                    pages.append(timed(lambda: urllib.request.urlopen(base + "/", timeout=20).status)[1])  # noqa: S310
                if n == 0:
                    until(lambda: smtp.accepted, seconds=10)  # the worker now waits on the mail server
            assert smtp.accepted, "the worker never reached the mail server"
            assert max(posts) < 2, f"a reply waited for the mail server: {posts}"
            assert max(pages) < 1, f"a page waited for the mail server: {pages}"
            smtp.close()  # the worker's send fails at once, and it stops without waiting out the timeout
    finally:
        smtp.close()
    stored = gunicorn_server.ask(env, "Comment.objects.filter(status='pending').count()", "from comments.models import Comment")
    assert stored == "4"
