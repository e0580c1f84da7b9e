"""Cached pages are rendered again for what changed, not for every change on the site.

A page is a hit (served from the cache) when answering it costs no query; it is
rendered again when it does. A decision on a reply renders its story's page only;
an edit of a story renders the story and the lists it is in; a change of a
section renders every page.
"""

import datetime
import logging

import pytest
from django.test import Client
from django.utils import timezone

import pagecache
from articles.models import Section, Topic
from comments.models import Comment
from tests.comments.support import make_reply, relax_limits
from tests.stories import make_section, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def open_replies(settings):
    relax_limits(settings)


@pytest.fixture
def reader(django_assert_num_queries):
    """GETs as a reader; `reader.hit(url)` says whether the answer came from the cache (no query at all)."""
    client = Client()

    class Reader:
        def get(self, url):
            response = client.get(url)
            assert response.status_code == 200, url
            return response.content.decode()

        def hit(self, url):
            try:
                with django_assert_num_queries(0):
                    self.get(url)
            except pytest.fail.Exception:
                return False
            return True

        def warm(self, *urls):
            for url in urls:
                self.get(url)
                assert self.hit(url), url

    return Reader()


def approve(admin_client, reply):
    response = admin_client.post("/admin/comments/comment/", {"action": "approve", "_selected_action": [reply.pk]})
    assert response.status_code == 302


def test_a_reply_approved_on_one_story_leaves_the_other_stories_and_the_lists_cached(reader, admin_client):
    world = make_section("World")
    story_a = make_story("Shooting continues in Almaty", section=world)
    story_b = make_story("Talks resume in Geneva", section=world)
    reply = make_reply(story_a, body="Seen from the square.", status=Comment.Status.PENDING)
    a, b = story_a.get_absolute_url(), story_b.get_absolute_url()
    reader.warm(a, b, "/", "/section/world/", "/feeds/latest/")

    approve(admin_client, reply)

    assert "Seen from the square." in reader.get(a)  # at once
    for url in (b, "/", "/section/world/", "/feeds/latest/"):
        assert reader.hit(url), url
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.APPROVED


def test_an_edit_reaches_its_story_its_section_and_the_front_page_at_once(reader):
    world, business = make_section("World"), make_section("Business")
    story = make_story("Talks stall in Geneva", section=world)
    other = make_story("Markets reopen", section=business)
    urls = [story.get_absolute_url(), "/", "/section/world/", "/feeds/latest/"]
    reader.warm(*urls, other.get_absolute_url(), "/section/business/")

    story.headline = "Talks resume in Geneva"
    story.save()

    for url in urls:
        page = reader.get(url)
        assert "Talks stall" not in page and "Talks resume in Geneva" in page, url
    assert reader.hit(other.get_absolute_url())  # another section's story shows nothing of it
    assert reader.hit("/section/business/")


def test_a_story_moved_to_another_section_leaves_every_page_of_its_old_section_at_once(reader, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 1
    world, business = make_section("World"), make_section("Business")
    hours_ago = [timezone.now() - datetime.timedelta(hours=hours) for hours in (1, 2, 3)]
    make_story("Newest", section=world, publish_at=hours_ago[0])
    moving = make_story("Markets reopen", section=world, publish_at=hours_ago[1])
    make_story("Oldest", section=world, publish_at=hours_ago[2])
    reader.warm("/section/world/?page=3", "/section/business/")  # the oldest, which shows nothing of the one moving

    moving.section = business
    moving.save()

    assert Client().get("/section/world/?page=3").status_code == 404  # two stories left: no third page
    assert "Oldest" in reader.get("/section/world/?page=2")
    assert "Markets reopen" in reader.get("/section/business/")


def test_a_topic_given_to_a_story_reaches_the_topic_page(reader):
    topic = Topic.objects.create(name="Elections", slug="elections")
    make_story("Polls open", section=make_section("World")).topics.add(topic)
    story = make_story("Polls close")
    reader.warm("/topic/elections/")

    story.topics.add(topic)

    assert "Polls close" in reader.get("/topic/elections/")


def test_a_change_to_a_section_renders_every_page_again(reader):
    story = make_story("Talks resume in Geneva", section=make_section("World"))
    urls = [story.get_absolute_url(), "/", "/section/world/", "/feeds/latest/"]
    reader.warm(*urls)

    section = Section.objects.get(slug="world")
    section.name = "Around the world"
    section.save()

    for url in urls:
        assert not reader.hit(url), url
    assert "Around the world" in reader.get(story.get_absolute_url())


def test_listeners_hear_what_changed_after_commit_and_their_failures_are_only_logged(
    django_capture_on_commit_callbacks, caplog, monkeypatch
):
    heard = []
    monkeypatch.setattr(pagecache.versions, "_listeners", [])

    def broken(keys):
        raise RuntimeError("the proxy is away")

    pagecache.after_change(broken)
    pagecache.after_change(heard.append)
    story = make_story("Talks resume in Geneva", section=make_section("World"))
    with django_capture_on_commit_callbacks(execute=True):
        with caplog.at_level(logging.ERROR, logger="pagecache"):
            make_reply(story, body="A reader's view.")
            assert heard == []  # not before the commit
    assert len(heard) == 1 and f"replies-{story.pk}" in heard[0]  # with the story's keys: the same transaction
    assert "the proxy is away" in caplog.text
    with django_capture_on_commit_callbacks(execute=True):
        Section.objects.get(slug="world").save()
    assert heard[-1] == {"site"}


def test_a_transaction_is_told_once_with_every_key_it_changed(django_capture_on_commit_callbacks, monkeypatch):
    """A story saved with its writer and topic, a reply decided with its history: one purge each, not five."""
    heard = []
    monkeypatch.setattr(pagecache.versions, "_listeners", [heard.append])
    section = make_section("World")
    with django_capture_on_commit_callbacks(execute=True):
        story = make_story("Talks resume in Geneva", section=section)
        story.topics.add(Topic.objects.create(name="Diplomacy", slug="diplomacy"))
        make_reply(story, body="A reader's view.")
    assert len(heard) == 1
    assert {f"story-{story.pk}", f"section-{section.pk}", f"replies-{story.pk}", "latest"} <= heard[0]
