"""Changed pages rendered again by the background worker: readers get the page from right before a change
meanwhile and render nothing; what the worker does not reach, a reader renders; then the proxies are told."""

import pytest
from django_tasks_db.models import DBTaskResult

import pagecache
from comments.models import Comment
from comments.moderation import moderator
from pagecache import renew
from tests.comments.support import make_reply
from tests.stories import make_section, make_story


@pytest.fixture
def renewing(settings, task_queue):
    settings.NEWSROOM_RENEW_PAGES = True
    settings.NEWSROOM_PURGE_URLS = ["http://127.0.0.1:9/"]  # nothing listens: the purge waits to be tried again
    return task_queue


@pytest.fixture
def story(db):
    story = make_story("Floods reach the capital", section=make_section("Nation"))
    make_reply(story, name="First Reader", body="The water is at the door.")
    return story


def approve_a_reply(story, admin_user, django_capture_on_commit_callbacks):
    waiting = make_reply(story, name="Late Reader", body="Roads are closed in the north.", status=Comment.Status.PENDING)
    pagecache.forget_generation()  # the set-up's changes never commit in a test: not told with the decision
    with django_capture_on_commit_callbacks(execute=True):
        moderator.decide(waiting, "approve", admin_user)


def test_after_an_approval_the_worker_renders_the_story_and_readers_render_nothing(
    renewing, story, client, admin_user, django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert "First Reader" in client.get(story.get_absolute_url()).text  # kept, and noted under its keys

    approve_a_reply(story, admin_user, django_capture_on_commit_callbacks)
    with django_assert_num_queries(0):
        before = client.get(story.get_absolute_url())
    assert "Late Reader" not in before.text and before["Cache-Control"] == "no-cache"

    renewing()  # the worker's pass: the story page rendered again, then the proxy told
    with django_assert_num_queries(0):
        after = client.get(story.get_absolute_url())
    assert "Late Reader" in after.text and after["Cache-Control"].startswith("public")
    renewed = DBTaskResult.objects.get(task_path="pagecache.renew.renew")
    purge = DBTaskResult.objects.filter(task_path="pagecache.proxy.purge").earliest("enqueued_at")
    assert purge.enqueued_at >= renewed.started_at  # the proxy fetches a page that is ready


def test_a_page_the_worker_has_not_reached_in_time_is_rendered_by_a_reader(
    renewing, settings, story, client, admin_user, django_capture_on_commit_callbacks
):
    client.get(story.get_absolute_url())
    settings.NEWSROOM_PAGE_STALE_SECONDS = 0  # the window in which the page from before the change may stand in is over

    approve_a_reply(story, admin_user, django_capture_on_commit_callbacks)

    assert "Late Reader" in client.get(story.get_absolute_url()).text


def test_a_change_of_the_whole_site_is_rendered_by_readers_and_only_told_to_the_proxies(
    renewing, story, client, django_capture_on_commit_callbacks
):
    client.get(story.get_absolute_url())
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.changed()

    assert not DBTaskResult.objects.filter(task_path="pagecache.renew.renew").exists()
    assert DBTaskResult.objects.filter(task_path="pagecache.proxy.purge").exists()
    assert client.get(story.get_absolute_url())["Cache-Control"].startswith("public")  # rendered for this reader


def test_the_worker_asks_at_the_sites_own_address_as_the_proxy_in_front_says_it(renewing, settings, story):
    settings.NEWSROOM_SITE_URL = "https://news.example"
    settings.ALLOWED_HOSTS = ["news.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    answer = renew.ask(story.get_absolute_url())

    assert answer.status_code == 200 and "Floods reach the capital" in answer.text


def test_the_pages_noted_under_a_key_are_the_most_recently_kept(renewing):
    for n in range(renew.PAGES_PER_KEY + 5):
        renew.remember(f"/section/nation/?page={n + 1}", f"/section/nation/?{n}", {"site": 1, "section-3": 1}, kept_for=600 + n)

    noted = renew.showing({"section-3", "site"})

    assert len(noted) == renew.PAGES_PER_KEY and next(iter(noted)) == f"/section/nation/?page={renew.PAGES_PER_KEY + 5}"


def test_a_story_taken_down_is_never_stood_in_for_by_its_page_from_before(
    renewing, story, client, django_capture_on_commit_callbacks
):
    client.get(story.get_absolute_url())
    pagecache.forget_generation()
    with django_capture_on_commit_callbacks(execute=True):
        story.take_down()

    renewing()

    assert client.get(story.get_absolute_url()).status_code == 410
