"""Reading aids: "2 hours ago" beside a date, true on every load of a cached page; reading time; print and themes
(their look is checked in the browser tests, tests/e2e/test_search_and_writers.py)."""

import datetime
import time
from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import caches
from django.utils import timezone

from articles.templatetags import reading_aids
from articles.templatetags.reading_aids import time_in_words
from tests.stories import make_story

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2022, 1, 17, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    "elapsed, words, changes_after",
    [
        (datetime.timedelta(seconds=20), "just now", datetime.timedelta(minutes=1)),
        (datetime.timedelta(minutes=1), "1 minute ago", datetime.timedelta(minutes=2)),
        (datetime.timedelta(minutes=59, seconds=59), "59 minutes ago", datetime.timedelta(hours=1)),
        (datetime.timedelta(hours=2, minutes=10), "2 hours ago", datetime.timedelta(hours=3)),
        (datetime.timedelta(days=1), "1 day ago", datetime.timedelta(days=2)),
        (datetime.timedelta(days=6, hours=23), "6 days ago", datetime.timedelta(days=7)),
        (datetime.timedelta(days=7), "", None),
        (datetime.timedelta(days=400), "", None),
    ],
)
def test_times_in_words_and_when_they_stop_being_true(elapsed, words, changes_after):
    moment = NOW - elapsed
    said, changes_at = time_in_words(moment, NOW)
    assert said == words
    assert changes_at == (moment + changes_after if changes_after else None)


def test_a_scheduled_time_has_no_words_until_it_comes():
    assert time_in_words(NOW + datetime.timedelta(hours=1), NOW) == ("", NOW + datetime.timedelta(hours=1))


def test_story_and_list_pages_say_how_long_ago_beside_the_exact_date(client):
    story = make_story("Curfew lifted", publish_at=timezone.now() - datetime.timedelta(hours=2, minutes=5))

    for address in [story.get_absolute_url(), "/", "/section/world/"]:
        page = client.get(address).content.decode()
        assert '<span class="ago">2 hours ago</span>' in page, address
    assert f'datetime="{story.publish_at.isoformat()}"' in page


def expiry_in_seconds(address):
    """How long the page cache keeps this page (each page records when it stops being served)."""
    held = [entry for held_at, entry in caches["pages"].held().items() if address in held_at]
    assert len(held) == 1, held
    return held[0].expires - time.time()


def test_a_page_saying_minutes_ago_is_kept_only_until_the_minute_turns(client):
    story = make_story("Curfew lifted", publish_at=timezone.now() - datetime.timedelta(minutes=5, seconds=30))

    client.get(story.get_absolute_url())

    assert 0 < expiry_in_seconds(story.get_absolute_url()) <= 31


def test_a_page_of_old_stories_is_kept_for_the_usual_time(client):
    story = make_story("Old news", publish_at=timezone.now() - datetime.timedelta(days=30))
    client.get(story.get_absolute_url())
    assert expiry_in_seconds(story.get_absolute_url()) > 590  # pagecache.MAX_AGE


def test_a_browser_holding_the_old_words_gets_the_new_ones_when_the_page_is_rendered_again(client):
    published = timezone.now() - datetime.timedelta(hours=2, minutes=59, seconds=58)
    story = make_story("Curfew lifted", publish_at=published)
    first = client.get(story.get_absolute_url())
    assert "2 hours ago" in first.content.decode()
    assert client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    later = mock.Mock(now=lambda: published + datetime.timedelta(hours=3, minutes=1))
    with mock.patch.object(reading_aids, "timezone", later):
        caches["pages"].clear()  # the page's time in the cache is up
        again = client.get(story.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 200 and "3 hours ago" in again.content.decode()
    assert again["ETag"] != first["ETag"]


def test_a_story_says_how_long_it_takes_to_read(client):
    short = make_story("Short", body="A few words.")
    long = make_story("Long", body="word " * 1000)
    assert '<span class="story__reading">1 min read</span>' in client.get(short.get_absolute_url()).content.decode()
    assert '<span class="story__reading">5 min read</span>' in client.get(long.get_absolute_url()).content.decode()


def test_every_page_offers_a_dark_theme_and_a_print_stylesheet(client):
    page = client.get("/").content.decode()
    assert '<meta name="color-scheme" content="light dark">' in page
    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in page
    css = (Path(__file__).resolve().parents[1] / "static" / "css" / "site.css").read_text()
    assert "@media (prefers-color-scheme: dark)" in css
