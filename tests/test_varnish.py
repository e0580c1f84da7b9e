"""Varnish in front (deploy/varnish/newsroom.vcl), proven against a real varnishd, gunicorn and worker.

One varnishd, gunicorn and background worker for the module, in production form: DEBUG off, https
only (the TLS terminator's socket takes the PROXY protocol, so each request comes from a reader's
address), the worker purging through NEWSROOM_PURGE_URLS. Readers share pages; staff and anything
personal go straight through and leave nothing behind; each change reaches readers within a second.
"""

import http.client
import json
import re
import threading
import time

import pytest

from tests import gunicorn_server
from tests.varnish_server import VCL, Reader, Varnish, ask, varnish

READER = "198.51.100.7"
STRANGER = "203.0.113.66"
# Within a second of the change's commit, the page a reader gets through Varnish has it.
PURGE_SECONDS = 1.0

WORLD = """
import json
from django.contrib.auth.models import Group, User
from django.core import signing
from django.test import Client
from articles.models import Article
from comments.browser import TOKEN_COOKIE
from comments.models import Comment
from tests.comments.support import make_reply
from tests.stories import make_story

def signed_in(name, group):
    user = User.objects.create_user(name, email=f"{name}@newsroom.example", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value

seed = Article.objects.published().get()
stories = {kind: make_story(f"The {kind} story, as first told", slug=f"the-{kind}-story") for kind in ("approval", "edit", "takedown", "correction")}
make_reply(stories["approval"], body="A reply its moderator approves now", status=Comment.Status.PENDING)
token = "a-reader-who-posted-once"
make_reply(seed, body="My own reply, awaiting its moderator", status=Comment.Status.PENDING, author_token=Comment.hash_token(token))
print("=>", json.dumps({
    "seed": [seed.pk, seed.get_absolute_url()],
    **{kind: [story.pk, story.get_absolute_url()] for kind, story in stories.items()},
    "author_cookie": signing.dumps(token, salt=TOKEN_COOKIE),
    "editor": signed_in("edna", "Editors"),
    "moderator": signed_in("moe", "Moderators"),
}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("varnish")
    proxy = Varnish.on_free_ports()
    env = gunicorn_server.server_env(
        folder, DJANGO_TRUST_PROXY="1", DJANGO_SECURE_SSL_REDIRECT="1", DJANGO_SECURE_COOKIES="1",
        NEWSROOM_PURGE_URLS=proxy.purge_url, DJANGO_LOG_LEVEL="WARNING",
    )
    gunicorn_server.prepare_site(env)
    out = gunicorn_server.manage(env, "shell", "--no-imports", "-c", WORLD)
    world = json.loads(next(line[3:] for line in out.splitlines() if line.startswith("=> ")))
    with (
        gunicorn_server.gunicorn(env, folder / "server.log", workers=2) as base,
        varnish(proxy, base, folder),
        gunicorn_server.db_worker(env, folder / "worker.log"),
    ):
        yield Site(proxy, env, world)
    log = (folder / "server.log").read_text()
    assert " 500 " not in log and "Traceback" not in log


class Site:
    def __init__(self, proxy, env, world):
        self.proxy, self.env, self.world = proxy, env, world

    def url(self, name):
        return self.world[name][1]

    def get(self, path, cookies=None, address=READER, **kwargs):
        """What a reader at `address` gets over https, through Varnish."""
        return ask(Reader(self.proxy.https_port, address), path, cookies=cookies, **kwargs)

    def purge(self, *keys):
        """PURGE from this machine, as the worker sends it."""
        answer = ask(http.client.HTTPConnection("127.0.0.1", self.proxy.plain_port), "/", "PURGE", headers={"xkey-purge": " ".join(keys)})
        assert answer.status == 200, answer.status

    def change(self, code):
        """Run `code` in a process of its own, as an editor's or moderator's request would; when it committed."""
        out = gunicorn_server.manage(self.env, "shell", "--no-imports", "-c", f"{code}\nimport time; print('COMMITTED', repr(time.time()))")
        return float(out.split("COMMITTED ", 1)[1].split()[0])


def warm(site, path):
    """The page is in the cache: the second anonymous request is a hit. Within a couple of seconds of a
    change (the previous test's) the site may answer with the page from right before it, marked no-cache
    while the new one renders (NEWSROOM_PAGE_STALE_SECONDS): the page is kept once that has passed."""
    first = site.get(path)
    deadline = time.monotonic() + 5
    while not (second := site.get(path)).hit and time.monotonic() < deadline:
        time.sleep(0.1)
    assert first.status == second.status == 200
    assert second.hit, "an anonymous request is served from the cache"
    return second


def test_a_second_anonymous_request_is_a_hit_and_says_only_what_browsers_may_do(site):
    for path in ("/", site.url("seed"), "/feeds/latest/"):
        site.get(path)
        answer = site.get(path)  # the second: nothing changed since the site started
        assert answer.headers["X-Cache"] == "HIT" and int(answer.headers["Age"]) >= 0
        control = answer.headers["Cache-Control"]
        assert "public" in control and "s-maxage" not in control and "stale-while-revalidate" not in control, control
        assert answer.headers["Surrogate-Key"] is None and answer.headers["xkey"] is None
    assert "Shooting continues in Almaty" in site.get("/?utm_source=newsletter&fbclid=x1").text
    assert site.get("/?fbclid=x2&utm_campaign=breaking").hit, "campaign tags and click ids share the page"


def test_a_reader_who_posted_once_gets_the_shared_page_without_their_own_reply_in_it(site):
    story = site.url("seed")
    warm(site, story)
    cookies = {"csrftoken": "a" * 32, "newsroom_reply_token": site.world["author_cookie"], "newsroom_replied": "1", "_ga": "GA1.2.3.4"}
    answer = site.get(story, cookies=cookies)
    assert answer.hit and "My own reply, awaiting its moderator" not in answer.text


@pytest.mark.parametrize("role", ["editor", "moderator"])
def test_staff_never_get_a_cached_page_nor_leave_one(site, role):
    story_id, story = site.world["seed"]
    warm(site, story)
    session = {"sessionid": site.world[role], "csrftoken": "b" * 32}
    theirs = site.get(story, cookies=session)
    assert theirs.status == 200 and not theirs.hit and theirs.headers["X-Cache"] == "PASS"
    if role == "moderator":
        assert "My own reply, awaiting its moderator" in theirs.text, "a moderator sees what waits"
    site.purge(f"story-{story_id}")
    site.get(story, cookies=session)
    after = site.get(story)
    assert not after.hit, "nothing a signed-in request fetched was kept"
    assert "My own reply, awaiting its moderator" not in after.text
    assert site.get(story).hit


def test_what_a_reader_who_posted_asks_for_their_own_is_never_kept(site):
    story_id, story = site.world["seed"]
    cookies = {"newsroom_reply_token": site.world["author_cookie"], "newsroom_replied": "1"}
    mine = f"/comments/for-me/{story_id}/"
    for _ in range(2):
        answer = site.get(mine, cookies=cookies)
        assert answer.status == 200 and not answer.hit and "My own reply, awaiting its moderator" in answer.text
    assert "My own reply, awaiting its moderator" not in site.get(mine).text


def test_answers_the_site_does_not_mark_public_are_never_kept(site):
    for path in ("/2001/01/01/no-such-story/", "/healthz", "/admin/login/"):
        first, second = site.get(path), site.get(path)
        assert not first.hit and not second.hit, path


def test_a_post_always_reaches_the_site(site):
    warm(site, "/")
    answer = site.get("/", method="POST", body="q=1", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert not answer.hit and answer.headers["X-Cache"] == "PASS"


CHANGES = {
    "approval": (
        "from comments.models import Comment; Comment.objects.get(body__startswith='A reply its moderator').moderate('approved', None)",
        lambda answer: "A reply its moderator approves now" in answer.text,
    ),
    "edit": (
        "from articles.models import Article; story = Article.objects.get(slug='the-edit-story'); "
        "story.headline = 'The edit story, as corrected by the desk'; story.save()",
        lambda answer: "as corrected by the desk" in answer.text,
    ),
    "takedown": (
        "from articles.models import Article; Article.objects.get(slug='the-takedown-story').take_down()",
        lambda answer: answer.status == 410,
    ),
    "correction": (
        "from articles.models import Article, Correction; "
        "Correction.objects.create(article=Article.objects.get(slug='the-correction-story'), text='An earlier version gave the wrong day.')",
        lambda answer: "An earlier version gave the wrong day." in answer.text,
    ),
}


@pytest.mark.parametrize("kind", CHANGES)
def test_each_change_reaches_readers_through_varnish_within_a_second(site, kind):
    code, shows = CHANGES[kind]
    story = site.url(kind)
    pages = [story, "/"] if kind == "edit" else [story]  # an edit changes the lists the story is on too
    for page in pages:
        assert not shows(warm(site, page))
    seen, stop = {}, threading.Event()

    def read_continuously():
        while not stop.is_set() and len(seen) < len(pages):
            for page in pages:
                asked_at = time.time()
                if page not in seen and shows(site.get(page)):
                    seen[page] = asked_at
            time.sleep(0.02)

    reader = threading.Thread(target=read_continuously)
    reader.start()
    try:
        committed_at = site.change(code)
        reader.join(timeout=10)
    finally:
        stop.set()
        reader.join()
    assert set(seen) == set(pages), f"still the old page after 10 s: {set(pages) - set(seen)}"
    delays = {page: round(at - committed_at, 3) for page, at in seen.items()}
    assert all(delay < PURGE_SECONDS for delay in delays.values()), delays


def test_strangers_cannot_purge_whatever_they_claim(site):
    story = site.url("seed")
    warm(site, story)
    forged = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1", "Forwarded": "for=127.0.0.1", "xkey-purge": "site"}
    answer = site.get("/", address=STRANGER, method="PURGE", headers=forged)
    assert answer.status == 403
    assert site.get(story).hit, "the page is still kept"


def test_the_site_counts_a_failed_sign_in_against_the_address_varnish_saw(site):
    # The reader at 203.0.113.66, claiming another address, fails to sign in: the lockout counts the real one.
    login = site.get("/admin/login/", address=STRANGER)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
    cookie = re.search(r"csrftoken=([^;]+)", login.headers["Set-Cookie"]).group(1)
    origin = f"https://127.0.0.1:{site.proxy.https_port}"
    answer = site.get(
        "/admin/login/", address=STRANGER, method="POST", cookies={"csrftoken": cookie},
        headers={"X-Forwarded-For": "192.0.2.1", "Origin": origin, "Content-Type": "application/x-www-form-urlencoded"},
        body=f"csrfmiddlewaretoken={token}&username=edna&password=wrong&next=/admin/",
    )
    assert answer.status == 200, answer.status
    counted = gunicorn_server.ask(site.env, "list(AccessAttempt.objects.values_list('ip_address', flat=True))", "from axes.models import AccessAttempt")
    assert counted == repr([STRANGER])


def test_plain_http_is_sent_to_https_whatever_it_claims_and_never_gets_the_https_page(site):
    warm(site, "/")
    # The same host name on both sockets, as news.example.org would be.
    claims = {"Host": f"127.0.0.1:{site.proxy.https_port}", "X-Forwarded-Proto": "https"}
    plain = ask(http.client.HTTPConnection("127.0.0.1", site.proxy.plain_port), "/", headers=claims)
    assert plain.status == 301 and plain.headers["Location"].startswith("https://")


def test_the_proxy_and_the_site_call_the_same_cookies_personal():
    import pagecache

    listed = re.search(r'cookie\.keep\("([^"]*)"\)', (VCL / "newsroom.vcl").read_text()).group(1)
    assert set(listed.split(",")) == pagecache.PERSONAL_COOKIES


# -- the purge task, without a Varnish --------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_no_proxy_configured_a_change_enqueues_nothing(settings, task_queue):
    from django_tasks_db.models import DBTaskResult

    from pagecache import proxy

    settings.NEWSROOM_PURGE_URLS = []
    proxy.purge_changed({"site"})
    assert not DBTaskResult.objects.filter(task_path="pagecache.proxy.purge").exists()


@pytest.mark.django_db
def test_a_purge_that_cannot_reach_varnish_is_tried_again_later(settings, task_queue):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from pagecache import proxy

    down = f"http://127.0.0.1:{gunicorn_server.free_port()}/"
    settings.NEWSROOM_PURGE_URLS = [down]
    proxy.purge_changed({"story-7", "section-2"})
    task_queue()
    failed, again = DBTaskResult.objects.filter(task_path="pagecache.proxy.purge").order_by("enqueued_at")
    assert failed.status == "FAILED" and failed.args_kwargs["args"] == [down, ["section-2", "story-7"]]
    assert again.status == "READY" and again.args_kwargs == {"args": [down, ["section-2", "story-7"]], "kwargs": {"attempt": 2}}
    assert again.run_after > timezone.now()
