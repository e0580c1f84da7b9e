"""Reasons: removing a reply or marking it as spam asks why (a short list and a note), from the moderation
page's script, without JavaScript and from the story page; the reason is in the reply's history and counted
per moderator."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment, ModerationEvent
from comments.moderation import moderator
from tests.comments.support import make_reply, make_staff

pytestmark = pytest.mark.django_db
PAGE = "/admin/comments/comment/moderate/"
DECIDE = PAGE + "decide/"


def test_without_javascript_removing_asks_why_then_records_the_reason_and_note_in_the_history(desk, mona, story):
    reply = make_reply(story, name="Walt", status=Comment.Status.PENDING)
    here = PAGE + "?queue=new&order=oldest"
    asked = desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "next": here, "queue": "new"})
    page = asked.content.decode()
    assert asked.status_code == 200 and "Why remove the reply by Walt?" in page
    for label in ("Offensive", "Spam or advertising", "Off topic", "Personal attack", "Misinformation", "Duplicate", "Other"):
        assert f">{label}</label>" in page, label
    assert "This field is required" not in page and "Choose a reason." not in page, "asked, not scolded"

    unanswered = desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "asked": "1", "next": here}).content.decode()
    assert "Choose a reason." in unanswered and Comment.objects.get().status == Comment.Status.PENDING

    done = desk.post(
        DECIDE, {"reply": reply.pk, "decision": "remove", "asked": "1", "reason": "attack", "note": "Names a neighbour", "next": here}
    )
    assert done.status_code == 303 and done["Location"] == here
    event = reply.events.get()
    assert (event.moderator, event.to_status, event.reason, event.note) == (mona, "removed", "attack", "Names a neighbour")
    assert event.describe() == "Removed: Personal attack (Names a neighbour)"
    history = desk.get(f"/admin/comments/comment/{reply.pk}/change/").content.decode()
    assert "Personal attack" in history and "Names a neighbour" in history


def test_marking_as_spam_offers_spam_first_and_the_script_gets_told_when_a_reason_is_missing(desk, story):
    reply = make_reply(story, status=Comment.Status.PENDING)
    page = desk.post(DECIDE, {"reply": reply.pk, "decision": "spam"}).content.decode()
    assert "as spam?" in page and re.search(r'<input type="radio" name="reason" value="spam"[^>]* checked', page)
    missing = desk.post(DECIDE, {"reply": reply.pk, "decision": "spam"}, HTTP_ACCEPT="application/json")
    assert missing.status_code == 400 and missing.json()["needs_reason"] is True
    decided = desk.post(DECIDE, {"reply": reply.pk, "decision": "spam", "reason": "spam"}, HTTP_ACCEPT="application/json")
    assert decided.json()["decided"] and reply.events.get().reason == "spam"
    approved = make_reply(story, status=Comment.Status.PENDING)
    desk.post(DECIDE, {"reply": approved.pk, "decision": "approve", "reason": "spam"})
    assert approved.events.get().reason == "", "approving asks no reason and keeps none"


def test_the_moderation_page_has_the_reason_picker_for_its_script(desk, story):
    make_reply(story, status=Comment.Status.PENDING)
    html = desk.get(PAGE).content.decode()
    assert 'id="mod-reason-picker" hidden' in html and 'data-digit="7"' in html and "<kbd>7</kbd> Other" in html
    assert 'data-asks-reason="Remove"' in html and 'data-reason="spam"' in html


def test_removing_from_the_story_page_asks_why_and_goes_back_to_the_story(desk, story):
    reply = make_reply(story, name="Dana", body="To be removed from the story page.")
    back = f"{story.get_absolute_url()}#comment-{reply.pk}"
    asked = desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "next": back})
    assert "Why remove the reply by Dana?" in asked.content.decode()
    done = desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "asked": "1", "reason": "off_topic", "next": back})
    assert done["Location"] == back
    assert "To be removed from the story page." not in Client().get(story.get_absolute_url()).content.decode()


def test_reasons_are_counted_per_moderator_leaving_out_undone_and_old_decisions(desk, mona, django_user_model, story):
    max_ = make_staff(django_user_model, "max", "Moderators")
    for reason in ("attack", "attack", "off_topic"):
        moderator.decide(make_reply(story, status="pending"), "remove", mona, reason=reason)
    moderator.decide(make_reply(story, status="pending"), "spam", max_, reason="spam")
    moderator.decide(make_reply(story, status="pending"), "approve", max_)
    slip = moderator.decide(make_reply(story, status="pending"), "remove", max_, reason="duplicate")
    moderator.undo(slip.pk, max_)
    old = moderator.decide(make_reply(story, status="pending"), "remove", max_, reason="offensive")
    ModerationEvent.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=40))

    since = timezone.now() - timedelta(days=30)
    assert ModerationEvent.objects.reasons_by_moderator(since) == {"mona": {"attack": 2, "off_topic": 1}, "max": {"spam": 1}}
    assert ModerationEvent.objects.reasons_by_moderator()["max"] == {"spam": 1, "offensive": 1}

    table = desk.get("/admin/comments/moderationevent/").content.decode()
    assert "Reasons for removing and marking as spam, last 30 days" in table
    row = table[table.index('<th scope="row">mona</th>') :].split("</tr>")[0]
    assert [int(n) for n in re.findall(r"<td>(\d+)</td>", row)] == [0, 0, 1, 2, 0, 0, 0, 3]


def test_the_pages_that_ask_and_count_reasons_take_the_same_queries_however_many_decisions(
    desk, mona, django_user_model, story, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reply = make_reply(story, status="pending")
    moderator.decide(make_reply(story, status="pending"), "remove", mona, reason="attack")
    desk.get("/admin/comments/moderationevent/")
    with CaptureQueriesContext(connection) as few:
        desk.get("/admin/comments/moderationevent/")
        desk.post(DECIDE, {"reply": reply.pk, "decision": "remove"})
    others = [make_staff(django_user_model, f"mod{n}", "Moderators") for n in range(3)]
    for n in range(30):
        moderator.decide(make_reply(story, status="pending"), "spam", others[n % 3], reason=["spam", "duplicate"][n % 2])
    with django_assert_max_num_queries(len(few)):
        desk.get("/admin/comments/moderationevent/")
        desk.post(DECIDE, {"reply": reply.pk, "decision": "remove"})


def test_on_the_replys_own_page_removing_asks_why_and_the_reason_is_in_its_history(desk, story):
    reply = make_reply(story)
    fields = {
        "status": "removed", "name": reply.name, "email": reply.email, "website": "", "body": reply.body,
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "reports-TOTAL_FORMS": "0", "reports-INITIAL_FORMS": "0",
    }
    unanswered = desk.post(f"/admin/comments/comment/{reply.pk}/change/", fields)
    assert "Choose a reason" in unanswered.content.decode() and Comment.objects.get().status == Comment.Status.APPROVED

    desk.post(f"/admin/comments/comment/{reply.pk}/change/", {**fields, "reason": "misinfo", "note": "Wrong figures"})
    event = Comment.objects.get().events.get()
    assert (event.to_status, event.reason, event.note) == ("removed", "misinfo", "Wrong figures")
