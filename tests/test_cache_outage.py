"""A Redis outage is not a site outage: a real Redis, stopped and started again under gunicorn.

While Redis is down every public page still answers 200 (rendered, uncached), a
reply is still stored and still rate-limited (the limits are counted in the
database), and /healthz says the cache is failing (degraded, still live). Once Redis is back, pages
are cached again and a change made meanwhile shows.
"""

import http.cookiejar
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

from tests import gunicorn_server
from tests.test_concurrency import NoRedirect, read_form

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def redis_server_port():
    """A free port for a private redis-server (redis_on); the test is skipped, or fails on CI, without one."""
    gunicorn_server.program_or_skip(REDIS_SERVER, "redis-server")
    return gunicorn_server.free_port()


@contextmanager
def redis_on(port, data_dir):
    """A private redis-server on `port`, keeping nothing on disk; stopped on exit."""
    server = subprocess.Popen(
        [REDIS_SERVER, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield server
    finally:
        server.terminate()
        server.wait(timeout=10)


def get(opener, url):
    try:
        response = opener.open(url, timeout=20)
        return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def post_reply(base, story_url, n):
    """A reader loads the story and posts a reply with their own form; the status of the post."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect)
    action, security = read_form(opener, base + story_url)
    data = {**security, "name": f"Reader {n}", "email": f"outage{n}@example.org", "body": f"Reply {n} in the outage."}
    request = urllib.request.Request(base + action, data=urllib.parse.urlencode(data).encode())
    try:
        return opener.open(request, timeout=20).status
    except urllib.error.HTTPError as error:
        return error.code


def test_pages_replies_and_limits_survive_redis_stopping_and_starting(tmp_path):
    port = redis_server_port()
    env = gunicorn_server.server_env(
        tmp_path,
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        NEWSROOM_COMMENTS_FLOOD_SECONDS=30,
        NEWSROOM_COMMENTS_MIN_SECONDS=0,
        DJANGO_LOG_LEVEL="WARNING",
    )
    story_url = gunicorn_server.prepare_site(env)
    opener = urllib.request.build_opener()
    pages = ["/", story_url, "/section/world/", "/feeds/latest/", "/sitemap.xml"]

    with redis_on(port, tmp_path) as redis, gunicorn_server.gunicorn(env, tmp_path / "server.log", workers=2) as base:
        for page in pages:
            assert get(opener, base + page)[0] == 200, page
        assert json.loads(get(opener, base + "/healthz")[1])["cache"] == "ok"

        redis.terminate()
        redis.wait(timeout=10)
        for page in pages:
            status, body = get(opener, base + page)
            assert status == 200 and ("shooting-continues-in-almaty" in body or "Shooting continues" in body), page
        assert post_reply(base, story_url, 1) == 303
        assert post_reply(base, story_url, 2) == 429, "the flood limit holds without Redis"
        status, body = get(opener, base + "/healthz")
        assert status == 200 and json.loads(body)["status"] == "degraded" and json.loads(body)["cache"] == "failing"

        with redis_on(port, tmp_path):
            gunicorn_server.manage(env, "shell", "-c", "from comments.models import Comment; c = Comment.objects.get(); c.moderate('approved', None)")
            assert json.loads(get(opener, base + "/healthz")[1])["cache"] == "ok"
            for _ in range(3):  # whichever worker answers
                status, body = get(opener, base + story_url)
                assert status == 200 and "Reply 1 in the outage." in body
            for page in pages:
                assert get(opener, base + page)[0] == 200, page

    log = (tmp_path / "server.log").read_text()
    assert " 500 " not in log and "Traceback" not in log
    stored = gunicorn_server.ask(env, "list(Comment.objects.values_list('body', flat=True))", "from comments.models import Comment")
    assert stored == repr(["Reply 1 in the outage."])
