"""Bans and suspensions by email and by IP address: set from a reply or by hand, listed with who and why,
lifted; a banned author's replies go to spam, answered exactly like anyone's held reply."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import Ban, Comment, ModerationEvent
from tests.comments.support import make_reply, make_staff, post_reply
from tests.comments.test_security import comparable

pytestmark = pytest.mark.django_db


@pytest.fixture
def mona(django_user_model):
    return make_staff(django_user_model, "mona", "Moderators")


@pytest.fixture
def desk(mona):
    client = Client()
    client.force_login(mona)
    return client


def test_a_banned_emails_reply_goes_to_spam_and_is_answered_like_any_held_reply(story, mona):
    Ban.objects.create(email="Spammer@Example.org ", reason="Casino links", created_by=mona)
    mail.outbox.clear()
    banned = post_reply(Client(), story, email="spammer@example.org", body="Buy now.", ip="198.51.100.1")
    anyone = post_reply(Client(), story, email="someone@example.org", body="A plain reply.", ip="198.51.100.2")
    assert comparable(banned)[:2] == comparable(anyone)[:2] and comparable(banned)[3] == comparable(anyone)[3]
    reply = Comment.objects.get(body="Buy now.")
    assert reply.status == Comment.Status.SPAM
    assert reply.events.get().note == "Ban by email (banned until lifted): Casino links"
    assert not [m for m in mail.outbox if "Buy now." in m.body], "moderators are not asked about a banned author"


def test_a_banned_address_is_answered_like_anyone_too(story):
    Ban.objects.create(ip_address="198.51.100.9", reason="Flooding", until=timezone.now() + timedelta(days=1))
    banned_browser, other_browser = Client(), Client()
    banned = post_reply(banned_browser, story, body="From the banned address.", ip="198.51.100.9")
    anyone = post_reply(other_browser, story, body="From elsewhere.", ip="198.51.100.10")
    assert (banned.status_code, banned["Location"].split("#")[0]) == (anyone.status_code, anyone["Location"].split("#")[0])
    assert Comment.objects.get(body="From the banned address.").status == Comment.Status.SPAM
    # Its author sees it exactly as a held reply's author does.
    own = banned_browser.get(banned["Location"]).content.decode()
    assert "Thank you. Your reply is awaiting moderation." in own and "From the banned address." in own


def test_no_answer_tells_whether_an_email_is_banned(story):
    """The privacy promise: a prober trying emails from their own browser learns nothing."""
    Ban.objects.create(email="known@example.org", reason="Abuse")
    answers = []
    for guess in ("known@example.org", "unknown@example.org"):
        prober = Client()
        response = post_reply(prober, story, email=guess, body="Probing words.", ip="198.51.100.66")
        followed = prober.get(response["Location"])
        answers.append((comparable(response, guess), comparable(followed, guess)))
    assert answers[0] == answers[1]


def test_a_suspension_ends_by_itself_and_a_lifted_ban_is_recorded(story, mona, monkeypatch):
    suspension = Ban.objects.create(email="sus@example.org", reason="Heated", until=timezone.now() + timedelta(days=1))
    reply = make_reply(story, email="sus@example.org")
    ban = Ban.objects.create(ip_address="192.0.2.200", reason="Spam", comment=reply, created_by=mona)
    assert set(Ban.objects.active()) == {suspension, ban}
    later = timezone.now() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert list(Ban.objects.active()) == [ban]
    assert ban.lift(mona) and not ban.lift(mona)
    assert not Ban.objects.active().exists()
    lifted = reply.events.get(action=ModerationEvent.Action.LIFT)
    assert (lifted.moderator, lifted.note) == (mona, "Ban by IP address lifted")
    post_reply(Client(), story, email="sus@example.org", ip="192.0.2.200", body="Back again.")
    assert Comment.objects.get(body="Back again.").status == Comment.Status.PENDING


def test_a_moderator_bans_a_spammer_from_their_reply_and_their_waiting_replies_go_to_spam(desk, mona, story):
    reply = make_reply(story, name="Spammy", email="spam@example.org", ip_address="192.0.2.31", status="pending")
    other = make_reply(story, email="spam@example.org", status="pending")
    same_address = make_reply(story, email="alias@example.org", ip_address="192.0.2.31", status="pending")
    innocent = make_reply(story, email="reader@example.org", status="pending")
    url = f"/admin/comments/comment/{reply.pk}/ban/?next=/admin/comments/comment/moderate/%3Fqueue%3Dnew"
    form = desk.get(url).content.decode()
    assert "By email: spam@example.org" in form and "By IP address: 192.0.2.31" in form and "autofocus" in form

    refused = desk.post(url, {"length": "", "reason": "", "spam_waiting": "on"})
    assert "This field is required." in refused.content.decode() and not Ban.objects.exists()
    none_chosen = desk.post(url, {"reason": "x", "length": ""}).content.decode()
    assert "Choose the email, the IP address, the browser, or more than one." in none_chosen

    response = desk.post(
        url, {"by_email": "on", "by_ip": "on", "length": "7", "reason": "Casino links", "spam_waiting": "on",
              "next": "/admin/comments/comment/moderate/?queue=new"},
    )
    assert response.status_code == 303 and response["Location"] == "/admin/comments/comment/moderate/?queue=new"
    bans = list(Ban.objects.order_by("pk"))
    assert [(b.email, b.ip_address, b.created_by, b.reason, b.comment) for b in bans] == [
        ("spam@example.org", None, mona, "Casino links", reply),
        ("", "192.0.2.31", mona, "Casino links", reply),
    ]
    assert timedelta(days=6, hours=23) < bans[0].until - timezone.now() <= timedelta(days=7)
    for spammed in (reply, other, same_address):
        spammed.refresh_from_db()
        assert spammed.status == Comment.Status.SPAM
    innocent.refresh_from_db()
    assert innocent.status == Comment.Status.PENDING
    event = reply.events.get(action=ModerationEvent.Action.BAN)
    assert event.moderator == mona and "3 waiting replies marked spam" in event.note and "Casino links" in event.note
    assert "spam@example.org" not in event.note, "the history names no email"

    page = desk.get("/admin/comments/comment/moderate/?queue=spam").content.decode()
    assert "Author suspended until" in page


def test_bans_are_listed_with_who_and_why_and_lifted_with_the_action(desk, mona, story):
    reply = make_reply(story, email="listed@example.org")
    ban = Ban.objects.create(email="listed@example.org", reason="Threats", created_by=mona, comment=reply)
    html = desk.get("/admin/comments/ban/").content.decode()
    for shown in ("listed@example.org", "Threats", "mona", "Banned until lifted"):
        assert shown in html, shown
    desk.post("/admin/comments/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    ban.refresh_from_db()
    assert ban.lifted_by == mona and ban.lifted_at is not None
    assert "Lifted by mona" in desk.get("/admin/comments/ban/").content.decode()
    assert desk.post(f"/admin/comments/ban/{ban.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_ban_by_hand_takes_an_email_or_an_address(desk, mona):
    both = desk.post("/admin/comments/ban/add/", {"email": "a@example.org", "ip_address": "192.0.2.1", "reason": "x"})
    assert "Give an email or an IP address" in both.content.decode() and not Ban.objects.exists()
    response = desk.post("/admin/comments/ban/add/", {"email": " Hand@Example.org", "reason": "Spam by hand"})
    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.email, ban.created_by) == ("hand@example.org", mona)


def test_editors_cannot_ban(django_user_model, story):
    client = Client()
    client.force_login(make_staff(django_user_model, "eddie", "Editors"))
    reply = make_reply(story)
    assert client.get(f"/admin/comments/comment/{reply.pk}/ban/").status_code == 403
    assert client.get("/admin/comments/ban/").status_code == 403
