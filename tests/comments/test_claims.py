"""Two moderators on one queue: a decision that lost a race is told and not applied, the reply a colleague
has open is marked, and the page's check answers 304 while the queue has not changed."""

import json
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from comments.models import Claim, Comment, ModerationEvent
from comments.moderation import DecidedMeanwhile, moderator
from tests.comments.colleagues import desk_of, moderator_named, reply_viewer
from tests.comments.support import make_reply, report

pytestmark = pytest.mark.django_db
PAGE = "/admin/comments/comment/moderate/"
DECIDE, CLAIM, CHECK = PAGE + "decide/", PAGE + "claim/", PAGE + "check/"


@pytest.fixture
def anna(db):
    return moderator_named("anna", first_name="Anna", last_name="Berg")


@pytest.fixture
def ben(db):
    return moderator_named("ben")


def decide(client, reply, decision, seen="pending", **headers):
    data = {"reply": reply.pk, "decision": decision, "seen": seen, "queue": "new", "reason": "offensive"}
    return client.post(DECIDE, data, **headers)


def test_a_decision_that_lost_the_race_is_told_who_decided_and_changes_nothing(story, anna, ben):
    reply = make_reply(story, status=Comment.Status.PENDING, name="Walt")
    decide(desk_of(anna), reply, "approve")

    answer = decide(desk_of(ben), reply, "remove", HTTP_ACCEPT="application/json")

    assert answer.status_code == 409
    said = answer.json()
    at = timezone.localtime(reply.events.get(moderator=anna).at)
    assert said["lost"] and said["message"] == f"Already approved by Anna Berg at {at:%H:%M}: the reply by Walt."
    assert said["counts"]["new"] == 0
    reply.refresh_from_db()
    assert reply.status == Comment.Status.APPROVED
    assert list(reply.events.exclude(action="verdict").values_list("moderator__username", flat=True)) == ["anna"]


def test_without_javascript_the_lost_decision_is_told_on_the_page_it_goes_back_to(story, anna, ben):
    reply = make_reply(story, status=Comment.Status.PENDING, name="Walt")
    decide(desk_of(anna), reply, "spam")
    ben_desk = desk_of(ben)

    answer = decide(ben_desk, reply, "approve", next=PAGE)

    assert answer.status_code == 303
    assert "Already marked as spam by Anna Berg at" in ben_desk.get(answer["Location"]).content.decode()
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.SPAM


def seen_decision(client, reply):
    """The reply's last decision as the moderation page showed it, as the reply's form sends it back."""
    html = client.get(PAGE, {"queue": "all"}).content.decode()
    return re.search(rf'name="reply" value="{reply.pk}">.*?name="seen_decision" value="(\d+)"', html, re.S).group(1)


def test_a_colleague_keeping_a_reported_reply_wins_over_a_removal_sent_from_an_older_page(story, anna, ben):
    reply = make_reply(story, name="Walt")
    report(reply, "off_topic")
    ben_desk = desk_of(ben)
    ben_saw = seen_decision(ben_desk, reply)
    moderator.decide(reply, "approve", anna)  # Anna keeps it: the report is dismissed, the status unchanged

    answer = ben_desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "reason": "offensive", "seen": "approved", "seen_decision": ben_saw},
                           HTTP_ACCEPT="application/json")
    assert answer.status_code == 409 and answer.json()["message"].startswith("Already kept by Anna Berg at ")
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.APPROVED


def test_a_moderators_own_undone_decision_does_not_stand_in_their_way(story, anna):
    reply = make_reply(story, status="pending")
    desk = desk_of(anna)
    saw = seen_decision(desk, reply)
    moderator.undo(moderator.decide(reply, "approve", anna).pk, anna)
    answer = desk.post(DECIDE, {"reply": reply.pk, "decision": "spam", "reason": "spam", "seen": "pending", "seen_decision": saw})
    assert answer.status_code == 303 and Comment.objects.get(pk=reply.pk).status == Comment.Status.SPAM


def test_a_decision_from_the_story_page_that_lost_the_race_is_told_there_too(story, anna, ben):
    reply = make_reply(story, status=Comment.Status.PENDING, name="Walt")
    ben_desk = desk_of(ben)
    form = re.search(r'<form class="reply__moderate".*?</form>', ben_desk.get(story.get_absolute_url()).content.decode(), re.S)
    assert 'name="seen" value="pending"' in form.group(0)
    decide(desk_of(anna), reply, "approve")

    answer = ben_desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "reason": "offensive", "seen": "pending", "next": story.get_absolute_url()})
    assert "Already approved by Anna Berg" in ben_desk.get(answer["Location"]).content.decode()
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.APPROVED


def test_a_page_that_showed_the_reply_as_it_is_decides_as_before(story, anna):
    reply = make_reply(story, status=Comment.Status.APPROVED)
    assert moderator.decide(reply, "feature", anna, seen_status="approved").to_status == "approved"
    assert moderator.decide(reply, "remove", anna, seen_status="odd value") is not None  # no state shown: no check
    with pytest.raises(DecidedMeanwhile):
        moderator.decide(reply, "approve", anna, seen_status="approved")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrated groups for later tests
def test_two_moderators_deciding_at_the_same_instant_decide_once(story, anna, ben):
    """Both threads wait at a barrier, then decide: the row lock lets one through, the other is told."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes one writer at a time: the race needs PostgreSQL's row locks to be a race")
    reply = make_reply(story, status=Comment.Status.PENDING)
    barrier, outcomes = threading.Barrier(2), []

    def decide_as(user, decision):
        barrier.wait()
        try:
            outcomes.append(bool(moderator.decide(reply, decision, user, seen_status="pending")))
        except DecidedMeanwhile:
            outcomes.append("told")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide_as, args=args) for args in ((anna, "approve"), (ben, "remove"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [True, "told"]
    assert ModerationEvent.objects.filter(comment=reply, action="status").count() == 1


def test_after_a_decision_each_moderator_is_handed_a_different_reply_to_move_on_to(story, anna, ben):
    first, second, third = (make_reply(story, status="pending") for _ in range(3))
    json_answer = {"HTTP_ACCEPT": "application/json"}
    data = {"decision": "approve", "seen": "pending", "queue": "new", "order": "oldest"}

    answer = desk_of(anna).post(DECIDE, {**data, "reply": first.pk}, **json_answer).json()
    assert answer["next"] == second.pk and Claim.objects.get(moderator=anna).comment == second

    answer = desk_of(ben).post(DECIDE, {**data, "reply": first.pk}, **json_answer).json()  # too late for this one
    assert answer["lost"] and answer["next"] == third.pk  # not Anna's
    assert answer["claims"] == {str(second.pk): "Anna Berg"}


def test_the_reply_a_colleague_has_open_is_marked_and_kept_from_others(story, anna, ben):
    reply, other = make_reply(story, status="pending"), make_reply(story, status="pending")
    assert desk_of(anna).post(CLAIM, {"reply": reply.pk}).json() == {"reply": reply.pk, "mine": True, "holder": ""}

    ben_desk = desk_of(ben)
    assert ben_desk.post(CLAIM, {"reply": reply.pk}).json() == {"reply": reply.pk, "mine": False, "holder": "Anna Berg"}
    html = ben_desk.get(PAGE).content.decode()
    assert html.count("Anna Berg is looking at this") == 1
    assert f'data-reply="{reply.pk}" data-claimed-by="Anna Berg"' in html
    assert "is looking at this" not in desk_of(anna).get(PAGE).content.decode()  # her own claim is not a warning

    desk_of(anna).post(CLAIM, {"reply": other.pk})  # she moves on: one claim per moderator
    assert Claim.objects.get().comment == other
    assert ben_desk.post(CLAIM, {"reply": reply.pk}).json()["mine"]


def test_a_claim_ends_on_its_own_and_with_the_decision(story, anna, ben, settings):
    reply = make_reply(story, status="pending")
    desk_of(anna).post(CLAIM, {"reply": reply.pk})
    Claim.objects.update(until=timezone.now() - timedelta(seconds=1))  # the tab was closed a minute ago
    assert desk_of(ben).post(CLAIM, {"reply": reply.pk}).json()["mine"]

    decide(desk_of(ben), reply, "approve")
    assert not Claim.objects.exists()


def test_claims_need_the_right_to_decide_and_a_real_reply(story, anna):
    viewer = reply_viewer()
    reply = make_reply(story, status="pending")
    assert desk_of(viewer).post(CLAIM, {"reply": reply.pk}).status_code == 403
    assert desk_of(anna).post(CLAIM, {"reply": "²"}).status_code == 400
    assert desk_of(anna).post(CLAIM, {"reply": "99999999"}).status_code == 404
    assert desk_of(anna).get(CLAIM).status_code == 405
    assert not Claim.objects.exists()


def test_the_check_answers_304_until_the_queue_changes(story, anna, ben, django_assert_max_num_queries):
    first = make_reply(story, status="pending")
    ben_desk = desk_of(ben)
    answer = ben_desk.get(CHECK, {"queue": "new", "order": "oldest"})
    state, etag = json.loads(answer.content), answer["ETag"]
    assert (state["ids"], state["counts"]["new"], state["claims"]) == ([first.pk], 1, {})
    with django_assert_max_num_queries(10):  # the session, the user, the counts (4), the page, the claims
        assert ben_desk.get(CHECK, {"queue": "new", "order": "oldest"}, HTTP_IF_NONE_MATCH=etag).status_code == 304

    second = make_reply(story, status="pending")  # a new reply arrives
    answer = ben_desk.get(CHECK, {"queue": "new", "order": "oldest"}, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer.json()["ids"] == [first.pk, second.pk]
    etag = answer["ETag"]

    desk_of(anna).post(CLAIM, {"reply": first.pk})  # a colleague opens one
    answer = ben_desk.get(CHECK, {"queue": "new", "order": "oldest"}, HTTP_IF_NONE_MATCH=etag)
    assert answer.json()["claims"] == {str(first.pk): "Anna Berg"}
    etag = answer["ETag"]

    decide(desk_of(anna), first, "approve")  # and decides it
    state = ben_desk.get(CHECK, {"queue": "new", "order": "oldest"}, HTTP_IF_NONE_MATCH=etag).json()
    assert (state["ids"], state["counts"]["new"], state["claims"]) == ([second.pk], 1, {})
