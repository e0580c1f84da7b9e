"""Pages rendered once for every worker, once per change, with the headers a proxy keeps them by.

Workers share the rendered pages (a second worker serves the first one's page
without rendering it); after a change one request renders the page while the
others get the page from right before the change, for a couple of seconds at
most and never anything older; and every cached view answers readers with
`Cache-Control: public, s-maxage` and a `Surrogate-Key`, the same on the first
render and on a hit, with no `Vary: Cookie` and no cookie, and never a signed-in
reader's page.
"""

import re
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client
from django.urls import URLResolver, get_resolver

import pagecache
from articles import views
from articles.models import Author, Topic
from pagecache import store
from pages.models import Page
from tests.comments.support import relax_limits
from tests.stories import make_section, make_story

HOLES = re.compile(r'name="(csrfmiddlewaretoken|timestamp)"')


@pytest.fixture(autouse=True)
def open_replies(settings):
    relax_limits(settings)


class Worker:
    """Another worker process, as far as the page cache can tell: a memory of its own, nothing heard yet."""

    def __init__(self):
        self.held = {}

    @contextmanager
    def serving(self):
        for name, memory in store._memories.items():
            memory.entries, self.held[name] = self.held.get(name, OrderedDict()), memory.entries
        pagecache.forget_generation()
        try:
            yield
        finally:
            for name, memory in store._memories.items():
                memory.entries, self.held[name] = self.held[name], memory.entries
            pagecache.forget_generation()


@pytest.mark.django_db
def test_two_workers_render_a_page_once_between_them(django_assert_num_queries, django_assert_max_num_queries):
    story = make_story("Talks stall in Geneva", section=make_section("World"))
    url = story.get_absolute_url()
    first, second = Worker(), Worker()
    with first.serving():
        assert "Talks stall" in Client().get(url).content.decode()  # rendered
    with second.serving(), django_assert_num_queries(0):
        assert "Talks stall" in Client().get(url).content.decode()  # the first worker's page

    story.headline = "Talks resume in Geneva"
    story.save()
    with second.serving(), django_assert_max_num_queries(20):
        assert "Talks resume" in Client().get(url).content.decode()  # rendered again, once
    with first.serving(), django_assert_num_queries(0):
        assert "Talks resume" in Client().get(url).content.decode()  # its own memory is out of date: the shared page


def timed_get(url, answers):
    try:
        asked = time.monotonic()
        response = Client().get(url)
        answers.append((asked, time.monotonic(), response.content.decode(), response["Cache-Control"]))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # committed, for the threads; later tests keep what migrations made
@pytest.mark.parametrize(
    "changes, window, later_asked_after, others_get",
    [
        (1, 5, 0.2, "before"),  # within the window: the page from right before the change, at once
        (2, 5, 0.2, "new"),  # two changes: the page from before both is too old, they wait for the new one
        (1, 0.3, 0.6, "new"),  # asked after the window: they wait for the new one
    ],
)
def test_while_one_request_renders_a_changed_page_the_others_never_get_older_than_right_before(
    settings, monkeypatch, changes, window, later_asked_after, others_get
):
    settings.NEWSROOM_PAGE_STALE_SECONDS = window
    story = make_story("Headline one", section=make_section("World"))
    url = story.get_absolute_url()
    assert "Headline one" in Client().get(url).content.decode()
    for number in range(2, 2 + changes):
        story.headline = f"Headline {['two', 'three'][number - 2]}"
        story.save()
    renders, real = [], views.story_response

    def slow(request, story, **kwargs):
        renders.append(story.headline)
        time.sleep(1.0)
        return real(request, story, **kwargs)

    monkeypatch.setattr(views, "story_response", slow)
    first, others = [], []
    renderer = threading.Thread(target=timed_get, args=(url, first))
    renderer.start()
    time.sleep(later_asked_after)
    readers = [threading.Thread(target=timed_get, args=(url, others)) for _ in range(4)]
    for reader in readers:
        reader.start()
    for thread in (renderer, *readers):
        thread.join(timeout=30)

    newest = story.headline
    assert newest in first[0][2]
    assert len(others) == 4 and renders == [newest]  # one render for all five
    for asked, answered, page, control in others:
        assert "Headline one" not in page or changes == 1, "older than the page right before the change"
        if others_get == "before":
            assert "Headline one" in page and answered - asked < 0.5 and "s-maxage" not in control
        else:
            assert newest in page
    monkeypatch.setattr(views, "story_response", real)
    assert newest in Client().get(url).content.decode()


def cached_routes(patterns, namespace=""):
    """(name, the parameters its address takes) of every route served by cached_for_readers."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from cached_routes(pattern.url_patterns, inner)
        elif getattr(pattern.callback, "page_cache", None):
            regex = pattern.pattern.regex
            yield f"{namespace}{pattern.name}", [name for name in regex.groupindex if name not in pattern.default_args]


@pytest.fixture
def every_cached_address(db):
    """The address of each cached view, on a site where everything with a slug is called "almaty"."""
    from django.urls import reverse

    # Replies closed: no form, so no reader's own token, and the page is one any proxy may keep.
    story = make_story("Shooting continues in Almaty", section=make_section("Almaty"), slug="almaty", comments_enabled=False)
    author = Author.objects.create(name="Almaty Desk", slug="almaty")
    story.bylines.create(author=author)
    story.topics.add(Topic.objects.create(name="Almaty", slug="almaty"))
    Page.objects.create(title="Almaty", slug="almaty", body="About Almaty.")
    date = story.publish_at
    values = {"slug": "almaty", "year": f"{date:%Y}", "month": f"{date:%m}", "day": f"{date:%d}", "section": "stories"}
    routes = list(cached_routes(get_resolver().url_patterns))
    assert len(routes) >= 15, routes  # front, sections, stories, topics, writers, feeds, sitemaps, search, pages...
    return [reverse(name, kwargs={param: values[param] for param in params}) for name, params in routes]


@pytest.mark.django_db
def test_every_cached_page_tells_proxies_to_keep_it_by_its_keys_on_the_first_render_and_on_a_hit(
    every_cached_address, settings
):
    shared = (
        f"public, max-age=0, s-maxage={settings.NEWSROOM_SHARED_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.NEWSROOM_SHARED_CACHE_STALE_SECONDS}"
    )
    public = 0
    for url in every_cached_address:
        reader = Client()
        answers = [reader.get(url) for _ in range(2)]  # rendered, then from the cache
        assert [answer.status_code for answer in answers] == [200, 200], url
        headers = [(answer["Cache-Control"], answer.get("Surrogate-Key"), answer.get("Vary")) for answer in answers]
        assert headers[0] == headers[1], url
        if HOLES.search(answers[0].content.decode()):  # a form with a reader's own token: private until it has none
            assert headers[0][0].startswith("private") and headers[0][1] is None, url
            continue
        public += 1
        for answer in answers:
            assert answer["Cache-Control"] == shared, url
            assert "site" in answer["Surrogate-Key"].split(), url
            assert "Cookie" not in answer.get("Vary", ""), url  # the story page asks who the reader is: not a cookie's page
            assert not answer.cookies, url
    assert public == len(every_cached_address)


@pytest.mark.django_db
def test_no_personal_page_carries_what_a_proxy_keeps(every_cached_address, admin_client):
    for url in every_cached_address:
        for answer in (admin_client.get(url), admin_client.get(url)):
            assert "public" not in answer["Cache-Control"] and "s-maxage" not in answer["Cache-Control"], url
            assert "Surrogate-Key" not in answer, url


@pytest.mark.django_db
def test_the_front_page_names_the_stories_it_lists_the_latest_and_the_site(client):
    story = make_story("Shooting continues in Almaty", section=make_section("World"))
    keys = set(client.get("/").get("Surrogate-Key", "").split())
    assert {"site", "latest", f"story-{story.pk}"} <= keys


@pytest.mark.django_db
def test_a_page_that_is_not_there_is_asked_of_its_view_once(client, monkeypatch):
    calls, real = [], views._not_here
    monkeypatch.setattr(views, "_not_here", lambda *args: calls.append(args) or real(*args))
    assert client.get("/2020/01/01/nothing-here/").status_code == 404
    assert len(calls) == 1  # the view's 404 is not taken for the cache failing, and rendered again


@pytest.mark.django_db
def test_a_page_rendered_between_a_changes_two_moves_may_stand_in_while_the_change_renders(
    django_capture_on_commit_callbacks,
):
    story = make_story("Headline one", section=make_section("World"))
    url = story.get_absolute_url()
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.changed(f"story-{story.pk}")  # moved now, and again at the commit
        assert "Headline one" in Client().get(url).content.decode()  # rendered from what is still there before it
    assert store.find("pages", f"{url}?")[1] == store.STALE  # for a moment, while one request renders the new one


@pytest.mark.django_db
@pytest.mark.parametrize("of_one_reader", ["a CSRF token", "a cookie"])
def test_a_page_carrying_what_is_one_readers_is_never_kept_nor_offered_to_proxies(rf, of_one_reader):
    """A template that printed a form's token, or a view that set a cookie, made a page for one reader:
    kept, every reader would get that token or cookie."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    renders = []

    @pagecache.cached_for_readers()
    def page(request):
        renders.append(request)
        if of_one_reader == "a cookie":
            response = HttpResponse("<p>Welcome back</p>")
            response.set_cookie("newsroom_theme", "dark")
            return response
        return HttpResponse(f'<form method="post"><input name="csrfmiddlewaretoken" value="{get_token(request)}"></form>')

    for _ in range(2):
        answer = page(rf.get("/a-page/"))
        assert "public" not in answer.get("Cache-Control", "") and not answer.has_header("Surrogate-Key")
    assert len(renders) == 2
