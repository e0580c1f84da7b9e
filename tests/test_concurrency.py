"""Twenty readers post a reply at the same moment: every reply is stored, none meets a 500 or a locked database.

The replies go to gunicorn with several worker processes and threads, as in
production, against SQLite in WAL mode with immediate transactions (a real
file, not the test runner's in-memory database) and against PostgreSQL.
"""

import http.cookiejar
import json
import os
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from tests import gunicorn_server

READERS = 20
POSTGRES_ADMIN_URL = os.environ.get("NEWSROOM_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
# Flood control would (rightly) refuse twenty replies from one address; the form's
# minimum reading time would refuse a reply posted straight after loading the page;
# the seed story is from 2022, long past the days its comments stay open.
OPEN_TO_ALL = {
    "NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS": 0,
    "NEWSROOM_COMMENTS_FLOOD_SECONDS": 0,
    "NEWSROOM_COMMENTS_HOURLY_CAP": 1000,
    "NEWSROOM_COMMENTS_MIN_SECONDS": 0,
}


@pytest.fixture(params=["sqlite", "postgresql"])
def database_env(request, tmp_path):
    """Server environment for a fresh, migrated database of each kind, holding the seed story."""
    env = gunicorn_server.server_env(tmp_path, **OPEN_TO_ALL)
    if request.param == "sqlite":
        yield env
        return
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error}")
    name = f"newsroom_concurrency_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**env, "DATABASE_URL": POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name}
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def read_form(opener, url):
    """The story page's reply form: where it posts, and the CSRF token and signed timestamp the site's script
    fills in from /comments/for-me/ (the page every reader shares carries neither)."""
    page = opener.open(url, timeout=10).read().decode()
    form = re.search(r'<form[^>]*id="commentform".*?</form>', page, re.S)
    assert form, "the story page has no reply form"
    action = re.search(r'action="([^"]+)"', form.group(0)).group(1)
    for_me = re.search(r'data-for-me="([^"?]+)', page).group(1)
    asked = urllib.request.Request(urllib.parse.urljoin(url, for_me), headers={"Accept": "application/json"})
    mine = json.loads(opener.open(asked, timeout=10).read())
    return action, {"csrfmiddlewaretoken": mine["csrf_token"], "timestamp": mine["timestamp"]}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_at_once(base, story_url, count, *, email=lambda n: f"reader{n}@example.org"):
    """`count` readers, each with their own browser and form, press "Post Comment" at the same moment; their statuses."""
    readers = []
    for _ in range(count):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
        readers.append((opener, *read_form(opener, base + story_url)))
    start = threading.Barrier(count)

    def post(n):
        opener, action, security = readers[n]
        body = urllib.parse.urlencode(
            {**security, "name": f"Reader {n}", "email": email(n), "body": f"Reply number {n}: stay safe, Almaty."}
        ).encode()
        request = urllib.request.Request(base + action, data=body, headers={"Referer": base + story_url})
        start.wait(timeout=30)
        try:
            return opener.open(request, timeout=60).status
        except urllib.error.HTTPError as response:
            return response.code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(post, range(count)))


def stored_emails(env):
    return gunicorn_server.ask(
        env, "sorted(Comment.objects.values_list('email', flat=True))", "from comments.models import Comment"
    )


def test_twenty_replies_posted_at_once_are_all_stored(database_env, tmp_path):
    story_url = gunicorn_server.prepare_site(database_env)

    log_path = tmp_path / "server.log"
    with gunicorn_server.gunicorn(database_env, log_path, workers=2, threads=4) as base:
        statuses = post_at_once(base, story_url, READERS)

    log = log_path.read_text()
    assert statuses == [303] * READERS, log
    assert "database is locked" not in log
    assert " 500 " not in log
    assert stored_emails(database_env) == repr(sorted(f"reader{n}@example.org" for n in range(READERS)))


@pytest.mark.parametrize(
    ("limits", "taken"),
    [
        ({"NEWSROOM_COMMENTS_FLOOD_SECONDS": 15}, 1),  # one reply per 15 seconds from one address
        ({"NEWSROOM_COMMENTS_HOURLY_CAP": 3}, 3),  # three an hour
    ],
    ids=["flood-interval", "hourly-cap"],
)
def test_limits_hold_across_every_worker_without_redis(database_env, tmp_path, limits, taken):
    """Six posts at once from one address to two worker processes: the limit counts all of them."""
    env = {**database_env, **{name: str(value) for name, value in limits.items()}}
    env.pop("REDIS_URL", None)
    story_url = gunicorn_server.prepare_site(env)

    with gunicorn_server.gunicorn(env, tmp_path / "server.log", workers=2, threads=4) as base:
        statuses = post_at_once(base, story_url, 6)

    assert sorted(statuses) == [303] * taken + [429] * (6 - taken), (tmp_path / "server.log").read_text()
    assert len(eval(stored_emails(env))) == taken  # noqa: S307 (a list literal printed by our own manage.py shell)
