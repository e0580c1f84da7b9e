"""Search engines and search follow live coverage: the sitemap's and the news sitemap's lastmod, the feeds' updated
times and the story's dateModified move with the newest update readers see (pages already cached included), and an
update's words find the story and the update's own address. Drafts reach readers by none of these paths, nor by
the page, the open page's check, what changed since a version, an update's address or the updates' feed."""

import datetime
import json
import re
import xml.etree.ElementTree as ET
from unittest import mock

import pytest
from django.utils import timezone

from live.models import LiveUpdate
from tests.stories import make_story
from tests.test_live_coverage import structured

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
DRAFT = "DRAFT-ONLY-WORDS zanzibarite"


@pytest.fixture(autouse=True)
def answers_not_reused(settings):
    settings.NEWSROOM_LIVE_CHECK_MEMO_SECONDS = 0


@pytest.fixture
def live_story():
    story = make_story("Floods in the capital", body="The river rose overnight.", publish_at=ago(hours=5))
    story.go_live(ago(hours=4))
    return story


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


def post(story, body, when, **fields):
    return LiveUpdate.objects.create(article=story, body=body, publish_at=when, **fields)


def lastmod(client, address, story):
    """The story's lastmod in a sitemap: a day in the sitemap (Django's format), a time in the news sitemap."""
    urls = ET.fromstring(client.get(address).content).findall(f"{SITEMAP}url")
    found = [url.findtext(f"{SITEMAP}lastmod") for url in urls if url.findtext(f"{SITEMAP}loc").endswith(story.get_absolute_url())]
    assert found, address
    return datetime.datetime.fromisoformat(found[0]) if "T" in found[0] else datetime.date.fromisoformat(found[0])


def feed_updated(client, address, story):
    entries = ET.fromstring(client.get(address).content).findall(f"{ATOM}entry")
    return next(datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) for entry in entries
                if entry.find(f"{ATOM}link").get("href").endswith(story.get_absolute_url()))


def test_the_sitemap_s_lastmod_moves_to_the_day_of_the_newest_update(client):
    story = make_story("Drought, week two", publish_at=ago(days=6))
    story.go_live(ago(days=6))
    assert lastmod(client, "/sitemap.xml", story) == timezone.localdate(story.publish_at)
    post(story, "Rain at last.", ago(minutes=1))
    assert lastmod(client, "/sitemap.xml", story) == timezone.localdate()
    post(story, "A draft about more rain.", ago(seconds=30), draft=True)
    post(story, "Scheduled for the day after tomorrow.", timezone.now() + datetime.timedelta(days=2))
    assert lastmod(client, "/sitemap.xml", story) == timezone.localdate()


def test_the_news_sitemap_feeds_and_date_modified_move_with_the_newest_update_though_already_cached(client, live_story):
    before = {
        "news": lastmod(client, "/sitemap-news.xml", live_story),
        "feed": feed_updated(client, "/feeds/atom/", live_story),
        "data": structured(client.get(live_story.get_absolute_url()).content.decode())["dateModified"],
    }
    exact = post(live_story, "The water is still rising.", ago(minutes=1)).publish_at
    newest = exact.replace(microsecond=0)
    assert lastmod(client, "/sitemap-news.xml", live_story) == newest
    assert feed_updated(client, "/feeds/atom/", live_story) == exact
    assert "<lastBuildDate>" in client.get("/feeds/latest/").content.decode()
    data = structured(client.get(live_story.get_absolute_url()).content.decode())
    assert datetime.datetime.fromisoformat(data["dateModified"]).replace(microsecond=0) == newest
    assert before["data"] != data["dateModified"] and before["news"] < newest and before["feed"] < exact


def test_a_draft_reaches_readers_by_no_path(client, live_story):
    shown = post(live_story, "The bridge is closed.", ago(minutes=10))
    draft = post(live_story, DRAFT, ago(minutes=1), draft=True, is_key_event=True)
    story_address = live_story.get_absolute_url()
    news_before = lastmod(client, "/sitemap-news.xml", live_story)

    assert "DRAFT-ONLY-WORDS" not in client.get(story_address).content.decode()
    version = json.loads(client.get(live_story.live_check_url).content)["version"]
    answer = json.loads(client.get(live_story.live_updates_url).content)
    assert answer["version"] == version and [change["id"] for change in answer["upserts"]] == [shown.pk]
    assert "DRAFT-ONLY-WORDS" not in json.dumps(answer) and draft.pk not in answer["deleted"]
    assert client.get(f"{live_story.live_updates_url}{draft.pk}/").status_code == 404
    assert "DRAFT-ONLY-WORDS" not in client.get(live_story.live_feed_url).content.decode()
    assert lastmod(client, "/sitemap-news.xml", live_story) == news_before == shown.publish_at.replace(microsecond=0)
    assert feed_updated(client, "/feeds/atom/", live_story) == shown.publish_at
    assert "No stories match" in client.get("/search/", {"q": "zanzibarite"}).content.decode()

    draft.publish_draft()
    assert "DRAFT-ONLY-WORDS" in client.get(story_address).content.decode()
    published = json.loads(client.get(live_story.live_updates_url, {"since": version}).content)
    assert [change["id"] for change in published["upserts"]] == [draft.pk] and "key_events" in published
    assert "Floods in the capital" in client.get("/search/", {"q": "zanzibarite"}).content.decode()
    assert lastmod(client, "/sitemap-news.xml", live_story) > news_before


def test_an_updates_words_find_the_story_and_the_updates_own_address(client, live_story, django_assert_max_num_queries):
    make_story("Another story", body="Nothing about boats.")
    update = post(live_story, "Rescuers reach the stranded **ferry** at dawn.", ago(minutes=5))
    with django_assert_max_num_queries(6):
        page = client.get("/search/", {"q": "ferry"}).content.decode()
    assert "Floods in the capital" in page and "Another story" not in page
    assert f'href="{live_story.live_updates_url}{update.pk}/"' in page, "the result leads to the update itself"
    assert re.search(r"<mark>ferry</mark>", page), "the snippet marks the word found"

    update.delete()
    assert "No stories match" in client.get("/search/", {"q": "ferry"}).content.decode(), "a deleted update is not found"


def test_a_scheduled_updates_words_are_found_only_from_its_time(client, live_story, task_queue):
    due = timezone.now() + datetime.timedelta(hours=1)
    post(live_story, "Embargoed: the minister resigns, quixotically.", due)
    assert "No stories match" in client.get("/search/", {"q": "quixotically"}).content.decode()
    task_queue()  # not due yet: nothing runs
    assert "No stories match" in client.get("/search/", {"q": "quixotically"}).content.decode()
    with mock.patch("django.utils.timezone.now", return_value=due + datetime.timedelta(seconds=1)):
        task_queue()
        assert "Floods in the capital" in client.get("/search/", {"q": "quixotically"}).content.decode()


def test_a_story_deleted_with_its_updates_leaves_nothing_to_find(client, live_story):
    from articles.models import SearchEntry

    post(live_story, "Sandbags along the embankment.", ago(minutes=3))
    live_story.delete()
    assert not SearchEntry.objects.filter(article_id=live_story.pk).exists()
    assert "No stories match" in client.get("/search/", {"q": "sandbags"}).content.decode()
