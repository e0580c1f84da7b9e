"""The moderators' dashboard: per hour and per moderator, replies arrived and decided, the median wait for a
decision, reports, and how old the queue is, in a fixed few queries whatever the hours and moderators."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from comments.dashboard import figures
from comments.models import ModerationEvent
from comments.moderation import moderator
from tests.comments.colleagues import desk_of, moderator_named, reply_viewer
from tests.comments.support import make_reply, report

pytestmark = pytest.mark.django_db
DASHBOARD = "/admin/comments/comment/moderate/dashboard/"


def decided(reply, by, decision, minutes_after_arrival):
    """`by` decides `reply` as on the moderation page, dated so long after the reply arrived."""
    event = moderator.decide(reply, decision, by)
    ModerationEvent.objects.filter(pk=event.pk).update(at=reply.created_at + timedelta(minutes=minutes_after_arrival))
    return event


@pytest.fixture
def hour_ago():
    return timezone.now().replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def test_each_hour_counts_what_arrived_was_decided_and_reported_and_the_median_wait(story, hour_ago):
    anna, ben = moderator_named("anna"), moderator_named("ben")
    waits = {anna: [4, 10, 30], ben: [2]}
    for who, minutes in waits.items():
        for wait in minutes:
            decided(make_reply(story, status="pending", created_at=hour_ago + timedelta(minutes=5)), who, "approve", wait)
    make_reply(story, status="pending", created_at=hour_ago + timedelta(minutes=50))  # still waiting
    report(make_reply(story, created_at=hour_ago - timedelta(hours=30)))  # arrived before the day, reported now

    shown = figures(days=1)

    assert len(shown["hours"]) == 24
    this_hour, last_hour = shown["hours"][0], shown["hours"][1]
    assert last_hour["hour"] == hour_ago
    assert (last_hour["arrived"], last_hour["decided"], last_hour["median_minutes"]) == (5, 4, 7.0)
    assert last_hour["oldest_waiting"] == 10  # at its end, the reply that arrived at :50 had waited 10 minutes
    assert shown["hours"][2]["oldest_waiting"] is None  # the hour before: nothing had arrived
    assert this_hour["reports"] == 1 and this_hour["arrived"] == 0
    assert [(each["name"], each["decided"], each["median_minutes"]) for each in shown["moderators"]] == [
        ("anna", 3, 10.0), ("ben", 1, 2.0)
    ]
    assert shown["waiting"] == 1 and shown["oldest_waiting"]


def test_the_queues_age_at_each_hours_end_is_its_oldest_reply_still_waiting_then(story, hour_ago):
    anna = moderator_named("anna")
    old = make_reply(story, status="pending", created_at=hour_ago - timedelta(minutes=90))  # arrived at -1:30
    decided(old, anna, "approve", 100)  # decided at +0:10
    make_reply(story, status="pending", created_at=hour_ago - timedelta(minutes=20))  # still waiting

    ages = {row["hour"]: row["oldest_waiting"] for row in figures()["hours"]}
    assert ages[hour_ago - timedelta(hours=2)] == 30  # at -1:00, the old reply had waited half an hour
    assert ages[hour_ago - timedelta(hours=1)] == 90  # at its end (0:00), still the old one
    assert ages[hour_ago] == 80  # at +1:00 the old one was decided: the one from -0:20 is the oldest
    assert ages[hour_ago - timedelta(hours=3)] is None


def test_an_undone_decision_does_not_count(story, hour_ago):
    anna = moderator_named("anna")
    reply = make_reply(story, status="pending", created_at=hour_ago)
    event = moderator.decide(reply, "spam", anna)
    moderator.undo(event.pk, anna)
    assert figures()["moderators"] == []


def test_the_page_shows_the_last_day_by_default_and_the_days_asked_for_in_the_same_queries(
    story, hour_ago, django_assert_max_num_queries
):
    anna = moderator_named("anna")
    desk = desk_of(reply_viewer())
    decided(make_reply(story, status="pending", created_at=hour_ago), anna, "remove", 12)
    with django_assert_max_num_queries(12) as few:
        html = desk.get(DASHBOARD).content.decode()
    assert re.search(r"<th scope=\"row\">anna</th><td>1</td><td>12.0 min</td>", html)
    assert html.count('<th scope="row"><time') == 24
    assert "Waiting now: 0 replies" in html

    for n in range(5):  # more moderators, more hours with decisions
        decided(make_reply(story, status="pending", created_at=hour_ago - timedelta(days=n + 1)), moderator_named(f"m{n}"), "approve", 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = desk.get(DASHBOARD, {"days": "7"}).content.decode()
    assert html.count('<th scope="row"><time') == 7 * 24 and html.count("min</td>") >= 6
    for odd in ("0", "31", "²", "x" * 500, "-1"):
        assert desk.get(DASHBOARD, {"days": odd}).status_code == 200


def test_the_moderation_page_links_to_the_dashboard_and_readers_of_nothing_are_turned_away(db, client):
    desk = desk_of(moderator_named("anna"))
    assert f'href="{DASHBOARD}"' in desk.get("/admin/comments/comment/moderate/").content.decode()
    assert client.get(DASHBOARD).status_code == 302  # to the sign-in page
