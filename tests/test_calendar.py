"""The week ahead: scheduled stories, embargoes and take-downs by day and hour, with the review queue beside them;
the whole desk for editors, a reporter's own stories for a reporter, nothing for a moderator."""

import datetime
import html
import re

import pytest
import reversion
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author
from tests.staff import signed_in, staff
from tests.stories import make_story

pytestmark = pytest.mark.django_db

CALENDAR = reverse("admin:articles_article_calendar")
S = Article.Status


def at(days, hour, minute=0):
    """A local time `days` from today."""
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + datetime.timedelta(days=days, hours=hour, minutes=minute)


def text_of(response):
    assert response.status_code == 200
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())))


@pytest.fixture
def desk(django_user_model):
    return {
        "editor": staff(django_user_model, "edna", "Editors"),
        "reporter": staff(django_user_model, "rita", "Reporters"),
        "moderator": staff(django_user_model, "moe", "Moderators"),
    }


def test_an_editor_sees_the_next_seven_days_by_day_and_hour_each_story_linking_to_its_form(desk):
    embargoed = make_story("Budget embargoed until Tuesday", publish_at=at(2, 9, 30))
    coming_down = make_story("Ceasefire live page", publish_at=at(-3, 8), expire_at=at(1, 18))
    planned = make_story("Profile of the new mayor", status=S.REVIEW, publish_at=at(4, 6))
    make_story("Next month's story", publish_at=at(20, 9))
    make_story("Out yesterday", publish_at=at(-1, 9))

    response = signed_in(desk["editor"]).get(CALENDAR)
    text = text_of(response)

    assert "Next month's story" not in text and "Out yesterday" not in text
    for days, label, story in [(1, "Comes down", coming_down), (2, "Goes out", embargoed), (4, "Planned (in review)", planned)]:
        day = at(days, 0).strftime("%A %-d %B")
        assert re.search(rf"{day} .*?{re.escape(label)}: {story.headline}", text), (day, label)
        assert reverse("admin:articles_article_change", args=[story.pk]) in response.content.decode()
    assert re.search(r"09:00 09:30 Goes out: Budget embargoed until Tuesday", text)
    assert text.index("Ceasefire live page") < text.index("Budget embargoed") < text.index("Profile of the new mayor")


def test_the_review_queue_stands_beside_the_week_oldest_first(desk):
    first = make_story("Sent first", status=S.REVIEW)
    make_story("Sent second", status=S.REVIEW)
    make_story("Still a draft", status=S.DRAFT)

    text = text_of(signed_in(desk["editor"]).get(CALENDAR))

    queue = text[text.index("Waiting for review (2)"):]
    assert queue.index("Sent first") < queue.index("Sent second") and "Still a draft" not in queue
    assert first.headline in queue


def test_a_week_in_the_address_shows_monday_to_sunday_and_links_to_the_weeks_around_it(desk):
    make_story("Wednesday's story", publish_at=timezone.make_aware(datetime.datetime(2030, 1, 2, 12, 0)),
               status=S.PUBLISHED)

    response = signed_in(desk["editor"]).get(CALENDAR + "?week=2030-W01")
    text = text_of(response)

    assert "Monday 31 December to Sunday 6 January 2030" in text
    assert "12:00 12:00 Goes out: Wednesday's story" in text
    assert 'href="?week=2029-W52"' in response.content.decode() and 'href="?week=2030-W02"' in response.content.decode()


@pytest.mark.parametrize("week", ["2030-W54", "2030-w01", "x", "9999-W52", "0001-W01", "٢٠٣٠-W01", "2030-W01\x00"])
def test_a_week_that_is_not_one_is_a_clear_404(desk, week):
    response = signed_in(desk["editor"]).get(CALENDAR, {"week": week})
    assert response.status_code == 404


def test_a_reporter_sees_only_their_own_stories_and_a_moderator_nothing(desk):
    Author.objects.create(name="Rita Reporter", slug="rita-reporter", user=desk["reporter"])
    bylined = make_story("Rita's bylined story", publish_at=at(1, 10), authors=["Rita Reporter"])
    with reversion.create_revision():
        reversion.set_user(desk["reporter"])
        saved = make_story("Rita wrote this one", status=S.REVIEW, publish_at=at(2, 10))
    make_story("Someone else's embargo", publish_at=at(1, 11))
    make_story("Someone else's story in review", status=S.REVIEW)

    text = text_of(signed_in(desk["reporter"]).get(CALENDAR))

    assert bylined.headline in text and saved.headline in text
    assert "Someone else" not in text
    assert "Waiting for review (1)" in text
    assert signed_in(desk["moderator"]).get(CALENDAR).status_code == 403


def test_the_calendar_takes_the_same_few_queries_however_many_stories(desk, django_assert_max_num_queries):
    editor = signed_in(desk["editor"])
    for n in range(12):
        make_story(f"Story {n}", publish_at=at(n % 7, 8 + n), status=S.REVIEW if n % 3 else S.PUBLISHED)
    editor.get(CALENDAR)
    with django_assert_max_num_queries(8):  # session, user, the week's stories, the queue, and the admin's own
        assert editor.get(CALENDAR).status_code == 200
