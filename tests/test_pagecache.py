"""Cached pages: served without a query, never wrong, never one reader's page for another.

Every change a reader can see shows on the very next request; personal pages
(a signed-in editor's, a page with a message) are never stored nor served from
the cache; a reply author's page is the one everyone gets, with no CSRF token
nor timestamp in it (those come from /comments/for-me/, fresh for each reader).
"""

import datetime
import gzip
import re
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

import pagecache
from articles.models import Article
from comments.models import Comment
from tests.comments.support import make_reply, post_reply, relax_limits
from tests.stories import make_section, make_story

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMESTAMP = re.compile(r'name="timestamp" value="([^"]+)"')


@pytest.fixture(autouse=True)
def open_replies(settings):
    relax_limits(settings)


def html(response):
    return response.content.decode()


def served_from_cache(client, url, django_assert_num_queries, **headers):
    """The page asked twice: the second answer costs no query at all."""
    first = client.get(url, **headers)
    assert first.status_code == 200
    with django_assert_num_queries(0):
        second = client.get(url, **headers)
    assert second.status_code == 200
    return second


@pytest.mark.parametrize("url", ["/", "/section/world/", "story", "/feeds/latest/", "/feeds/atom/", "/sitemap.xml"])
def test_a_page_served_again_costs_no_query(client, url, django_assert_num_queries):
    story = make_story("Shooting continues in Almaty", section=make_section("World"))
    make_reply(story)
    url = story.get_absolute_url() if url == "story" else url
    served_from_cache(client, url, django_assert_num_queries)


# -- Never wrong: a change shows on the very next request ---------------------------------------------------------


def test_an_edit_shows_at_once_on_the_story_the_lists_and_the_feed(client):
    story = make_story("Talks stall in Geneva")
    for url in ("/", story.get_absolute_url(), "/feeds/latest/"):
        assert "Talks stall in Geneva" in html(client.get(url))
    story.headline = "Talks resume in Geneva"
    story.save()
    for url in ("/", story.get_absolute_url(), "/feeds/latest/", "/section/world/"):
        page = html(client.get(url))
        assert "Talks resume in Geneva" in page and "Talks stall" not in page, url


def test_publishing_a_draft_and_taking_it_down_show_at_once(client, admin_client):
    draft = make_story("Results are in", status=Article.Status.DRAFT)
    assert "Results are in" not in html(client.get("/"))
    admin_client.post("/admin/articles/article/", {"action": "publish_now", "_selected_action": [draft.pk]})
    assert "Results are in" in html(client.get("/"))
    assert client.get(Article.objects.get(pk=draft.pk).get_absolute_url()).status_code == 200
    admin_client.post("/admin/articles/article/", {"action": "take_down", "_selected_action": [draft.pk]})
    assert "Results are in" not in html(client.get("/"))
    assert "Results are in" not in html(client.get("/feeds/latest/"))


def test_a_scheduled_story_appears_when_its_time_comes_though_the_page_was_cached(client):
    make_story("Already out")
    at = timezone.now() + datetime.timedelta(hours=2)
    make_story("Polls close at eight", publish_at=at)
    assert "Polls close at eight" not in html(client.get("/"))
    assert "Polls close at eight" not in html(client.get("/feeds/latest/"))
    with mock.patch("django.utils.timezone.now", return_value=at + datetime.timedelta(seconds=1)):
        assert "Polls close at eight" in html(client.get("/"))
        assert "Polls close at eight" in html(client.get("/feeds/latest/"))


def test_once_a_scheduled_story_is_out_pages_come_from_the_cache_again(client, django_assert_num_queries):
    at = timezone.now() + datetime.timedelta(hours=2)
    make_story("Polls close at eight", publish_at=at)
    client.get("/")
    with mock.patch("django.utils.timezone.now", return_value=at + datetime.timedelta(seconds=1)):
        assert "Polls close at eight" in html(client.get("/"))
        served_from_cache(client, "/", django_assert_num_queries)


def test_replies_closing_at_their_time_remove_the_form_though_the_page_was_cached(client):
    closes = timezone.now() + datetime.timedelta(hours=1)
    story = make_story(comments_close_at=closes)
    assert "Post Comment" in html(client.get(story.get_absolute_url()))
    with mock.patch("django.utils.timezone.now", return_value=closes + datetime.timedelta(seconds=1)):
        page = html(client.get(story.get_absolute_url()))
    assert "Post Comment" not in page and "Comments are closed." in page


def test_deciding_replies_leaves_the_schedules_unasked_and_the_next_moment_kept(client, admin_client, monkeypatch):
    """No scheduled moment depends on replies: a moderator's decision does not ask the schedules again (a
    dozen queries on every decision), and the story scheduled before it still appears at its time."""
    asked = []
    monkeypatch.setattr(pagecache.versions, "_schedules", [*pagecache.versions._schedules, lambda: asked.append(1)])
    at = timezone.now() + datetime.timedelta(hours=2)
    scheduled = make_story("Polls close at eight", publish_at=at)
    reply = make_reply(make_story("Turnout is high"), status=Comment.Status.PENDING, body="Queues since dawn.")
    assert "Polls close at eight" not in html(client.get("/"))
    asked.clear()
    admin_client.post("/admin/comments/comment/", {"action": "approve", "_selected_action": [reply.pk]})
    assert "Queues since dawn." in html(client.get(reply.article.get_absolute_url()))
    assert asked == []
    with mock.patch("django.utils.timezone.now", return_value=at + datetime.timedelta(seconds=1)):
        assert "Polls close at eight" in html(client.get("/"))
    scheduled.save()
    assert asked, "a story saved asks the schedules again"


def later(seconds):
    """The clock `seconds` from now, as the pages read it."""
    return mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(seconds=seconds))


def test_an_approval_and_a_removal_show_at_once_and_the_counts_on_lists_within_their_delay(client, admin_client, settings):
    story = make_story("Shooting continues in Almaty")
    post_reply(Client(), story, body="Waiting for a moderator.")
    reply = Comment.objects.get()
    for url in (story.get_absolute_url(), "/"):
        assert "Waiting for a moderator." not in html(client.get(url))
    delay = settings.NEWSROOM_LIST_COUNTS_SECONDS
    admin_client.post("/admin/comments/comment/", {"action": "approve", "_selected_action": [reply.pk]})
    assert "Waiting for a moderator." in html(client.get(story.get_absolute_url()))
    with later(delay + 1):
        assert "1 reply" in html(client.get("/"))
        admin_client.post("/admin/comments/comment/", {"action": "remove", "reason": "other", "_selected_action": [reply.pk]})
        assert "Waiting for a moderator." not in html(client.get(story.get_absolute_url()))
    with later(2 * delay + 2):
        assert "1 reply" not in html(client.get("/"))


def test_a_new_pending_reply_leaves_cached_pages_as_they_are(client, django_assert_num_queries):
    story = make_story()
    served_from_cache(client, story.get_absolute_url(), django_assert_num_queries)
    post_reply(Client(), story, body="Held for a moderator.")
    with django_assert_num_queries(0):
        assert client.get(story.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_an_erasure_shows_at_once(client, mode):
    story = make_story()
    make_reply(story, name="Dana Erasable", email="dana@example.org", body="Words of Dana.")
    assert "Dana Erasable" in html(client.get(story.get_absolute_url()))
    call_command("comments_privacy", "erase", "dana@example.org", "--mode", mode, stderr=open("/dev/null", "w"))
    page = html(client.get(story.get_absolute_url()))
    assert "Dana Erasable" not in page
    assert ("Words of Dana." in page) == (mode == "anonymise")


def test_a_deleted_reply_with_answers_leaves_them_as_threads_of_their_own(client):
    story = make_story()
    top = make_reply(story, body="The first word.")
    answer = make_reply(story, body="An answer.", parent=top)
    deeper = make_reply(story, body="An answer to the answer.", parent=answer)
    assert "3 replies" in html(client.get(story.get_absolute_url()))
    top.delete()
    answer.refresh_from_db()
    deeper.refresh_from_db()
    assert (answer.parent, answer.root, answer.depth) == (None, None, 1)
    assert (deeper.parent, deeper.root, deeper.depth) == (answer, answer, 2)
    page = html(client.get(story.get_absolute_url()))
    assert "2 replies" in page and "The first word." not in page
    assert page.index("An answer.") < page.index("An answer to the answer.")


def test_a_section_renamed_shows_at_once_in_every_pages_navigation(client):
    section = make_section("World")
    story = make_story(section=section)
    for url in ("/", story.get_absolute_url()):
        client.get(url)
    section.name = "International"
    section.save()
    for url in ("/", story.get_absolute_url(), "/section/world/"):
        assert ">International</a>" in html(client.get(url)), url


# -- Never one reader's page for another --------------------------------------------------------------------------


def test_two_readers_on_one_cached_story_get_the_same_bytes_and_each_a_form_of_their_own_that_works(
    django_assert_num_queries,
):
    story = make_story()
    first, second = Client(), Client()
    first_page = first.get(story.get_absolute_url())
    with django_assert_num_queries(0):
        second_page = second.get(story.get_absolute_url())
    assert first_page.content == second_page.content and "public" in second_page["Cache-Control"]
    assert not CSRF.search(html(second_page)) and not TIMESTAMP.search(html(second_page)), "nothing per reader"

    # Each reader's token and timestamp come from a request of its own, never cached (the script asks for it).
    own = [reader.get(f"/comments/for-me/{story.pk}/", HTTP_ACCEPT="application/json") for reader in (first, second)]
    assert all("no-store" in answer["Cache-Control"] for answer in own)
    assert own[0].json()["csrf_token"] != own[1].json()["csrf_token"]
    assert own[0].json()["timestamp"] != own[1].json()["timestamp"]

    # The second reader's form, from the cached page with what the script filled in, posts.
    second_client = Client(enforce_csrf_checks=True)
    second_client.cookies = second.cookies
    data = {
        "csrfmiddlewaretoken": own[1].json()["csrf_token"],
        "timestamp": own[1].json()["timestamp"],
        "name": "Second Reader",
        "email": "second@example.org",
        "body": "Posted from a cached page.",
    }
    with mock.patch("time.time", return_value=__import__("time").time() + 60):
        response = second_client.post(f"/comments/post/{story.pk}/", data, REMOTE_ADDR="198.51.100.2")
    assert response.status_code == 303, html(response)[:2000]
    assert Comment.objects.filter(body="Posted from a cached page.").exists()


def test_a_readers_pending_reply_message_and_remembered_details_stay_theirs():
    story = make_story()
    author, stranger = Client(), Client()
    stranger.get(story.get_absolute_url())  # the page is cached before anyone posts
    post_reply(author, story, name="Aigerim Own", email="own@example.org", body="My own pending words.", remember="on")

    own = author.get(story.get_absolute_url())  # the page with the thanks: personal, as a message waits
    assert "My own pending words." in html(own)
    assert "Thank you. Your reply is awaiting moderation." in html(own)
    assert 'value="own@example.org"' in html(own)
    assert "no-store" in own["Cache-Control"] and "private" in own["Cache-Control"]

    del author.cookies["messages"]  # emptied once shown: a browser drops it (the test client keeps it)
    later = author.get(story.get_absolute_url())  # with the reply author's cookie: the page everyone gets
    assert later.content == stranger.get(story.get_absolute_url()).content and "public" in later["Cache-Control"]
    mine = author.get(f"/comments/for-me/{story.pk}/", HTTP_ACCEPT="application/json").json()
    assert "My own pending words." in mine["replies"][0]["html"] and mine["fields"]["email"] == "own@example.org"

    for _ in range(2):  # after the author's visits, the next reader still gets the page everyone gets
        theirs = html(stranger.get(story.get_absolute_url()))
        assert "My own pending words." not in theirs and "awaiting moderation" not in theirs
        assert "own@example.org" not in theirs and "Aigerim Own" not in theirs


def test_pages_for_signed_in_staff_are_never_cached_nor_served_from_the_cache(client, django_user_model):
    editor = django_user_model.objects.create_user("ed", password="x", is_staff=True)  # noqa: S106
    editor.user_permissions.add(Permission.objects.get(codename="preview_article"))
    story = make_story("Public story")
    client.get("/")  # cached for readers

    staff = Client()
    staff.force_login(editor)
    staff_page = staff.get("/")
    assert "no-store" in staff_page["Cache-Control"]
    draft = make_story("Draft under embargo", status=Article.Status.DRAFT)
    preview = staff.get(draft.get_absolute_url())
    assert "Preview: not public." in html(preview)
    assert Client().get(draft.get_absolute_url()).status_code == 404
    assert "Draft under embargo" not in html(Client().get("/"))
    assert story.headline in html(Client().get("/"))


# -- What proxies and browsers are told ------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/section/world/", "/feeds/latest/", "/sitemap.xml"])
def test_pages_that_are_the_same_for_everyone_may_be_kept_by_a_shared_cache(client, url, settings):
    make_story(section=make_section("World"))
    for _ in range(2):
        response = client.get(url)
        control = response["Cache-Control"]
        assert "public" in control and f"s-maxage={settings.NEWSROOM_SHARED_CACHE_SECONDS}" in control, control
        assert "Accept-Encoding" in response["Vary"] and "Cookie" not in response.get("Vary", "")
        assert "Set-Cookie" not in str(response.cookies)


def test_a_story_page_with_its_reply_form_may_be_kept_by_a_shared_cache(client, settings):
    story = make_story()
    for _ in range(2):  # rendered, then from the cache
        response = client.get(story.get_absolute_url())
        control = response["Cache-Control"]
        assert "public" in control and f"s-maxage={settings.NEWSROOM_SHARED_CACHE_SECONDS}" in control, control
        assert "Leave a Reply" in html(response) and not CSRF.search(html(response)) and not response.cookies


@pytest.mark.parametrize("url", ["/", "story", "/feeds/latest/"])
def test_conditional_get_answers_304_until_the_page_changes(client, url):
    story = make_story("First headline")
    url = story.get_absolute_url() if url == "story" else url
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    story.headline = "Second headline"
    story.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and "Second headline" in html(changed)
    assert changed["ETag"] != etag


def test_a_change_elsewhere_on_the_site_leaves_a_page_not_modified(client):
    story = make_story("Curfew lifted", section=make_section("World"))
    elsewhere = make_story("Cup final goes to extra time", section=make_section("Sport"))
    etag = client.get(story.get_absolute_url())["ETag"]
    elsewhere.headline = "Cup final won on penalties"
    elsewhere.save()  # the site's generation moves on; this story's page reads the same
    assert client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_pages_are_compressed_on_the_wire_when_the_reader_accepts_it(client):
    story = make_story()
    for _ in range(3):
        make_reply(story, body="Words worth compressing. " * 20)
    for attempt in range(2):  # rendered, then from the cache
        response = client.get(story.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response["Content-Encoding"] == "gzip", attempt
        page = gzip.decompress(response.content).decode()
        assert "Words worth compressing." in page and "</html>" in page
        assert "Leave a Reply" in page and not CSRF.search(page) and not TIMESTAMP.search(page)
        assert len(response.content) < len(page) / 3
    plain = client.get(story.get_absolute_url())  # from the cache, for a reader that does not accept gzip
    assert "Content-Encoding" not in plain and "Words worth compressing." in html(plain)
    assert "Leave a Reply" in html(plain)
    assert int(plain["Content-Length"]) == len(plain.content)


# -- An outage of the shared cache is not an outage of the site ----------------------------------------------------


def test_pages_are_served_uncached_when_the_shared_cache_is_down(client, monkeypatch):
    story = make_story("Still here")
    client.get("/")

    def down(*args, **kwargs):
        raise ConnectionError("the cache server went away")

    for method in ("get", "get_many", "set", "set_many"):
        monkeypatch.setattr(caches["default"], method, down)
    pagecache.forget_generation()  # as Redis going away would: its connection, too, reads as closed
    for url in ("/", story.get_absolute_url(), "/feeds/latest/"):
        response = client.get(url)
        assert response.status_code == 200 and "Still here" in html(response)
        assert "no-cache" in response["Cache-Control"] or "private" in response["Cache-Control"]
    assert post_reply(client, story, body="Posted while the cache is down.").status_code == 303
    assert Comment.objects.filter(body="Posted while the cache is down.").exists()


def test_a_lost_change_is_remembered_and_applied_before_the_next_cached_page(client, monkeypatch):
    story = make_story("Before")
    client.get("/")
    real_set = caches["default"].set

    def down(*args, **kwargs):
        raise ConnectionError("the cache server went away")

    monkeypatch.setattr(caches["default"], "set", down)
    story.headline = "After"
    story.save()  # the generation cannot move on now
    monkeypatch.setattr(caches["default"], "set", real_set)
    assert "After" in html(client.get("/"))


def test_generation_numbers_never_repeat():
    seen = set()
    for _ in range(5):
        pagecache.changed()
        seen.add(pagecache.generation())
    assert len(seen) == 5


def test_a_story_with_500_replies_is_at_most_150_kb_and_far_less_on_the_wire(client):
    story = make_story("Shooting continues in Almaty")
    from tests.realistic_site import add_reply_threads

    add_reply_threads(story, 500)
    page = client.get(story.get_absolute_url())
    assert "500 replies" in html(page)
    assert len(page.content) <= 150_000, f"{len(page.content)} bytes"
    compressed = client.get(story.get_absolute_url(), HTTP_ACCEPT_ENCODING="gzip")
    assert len(compressed.content) <= 40_000, f"{len(compressed.content)} bytes on the wire"
