"""Readers report a reply: a link to a small page with its own form, no JavaScript needed, one report per
browser, limited like posts, thanked, and nobody ever told who reported."""

import re

import pytest
from django.core.cache import caches
from django.test import Client

from comments.models import Ban, Comment, ModerationEvent, Report
from tests.comments.support import make_reply
from tests.stories import make_story

pytestmark = pytest.mark.django_db


def report_url(reply):
    return f"/comments/report/{reply.pk}/"


def send_report(client, reply, ip="198.51.100.20", **fields):
    data = {"reason": "abusive", "note": "", **fields}
    return client.post(report_url(reply), data, REMOTE_ADDR=ip)


def test_every_public_reply_has_a_report_link_and_the_cached_story_page_no_report_form(client, story):
    public = make_reply(story, name="Dana")
    make_reply(story, name="Waiting Walt", status=Comment.Status.PENDING)
    client.get(story.get_absolute_url())
    html = client.get(story.get_absolute_url()).content.decode()  # served from the page cache
    assert f'href="{report_url(public)}"' in html and 'aria-label="Report Dana’s reply"' in html
    assert html.count("/comments/report/") == 1
    assert 'name="csrfmiddlewaretoken"' not in html, "no form per reply, and no token at all in the cached page"


def test_a_reader_reports_a_reply_without_javascript_and_is_thanked(client, story):
    reply = make_reply(story, name="Dana", body="Words someone finds abusive.")
    page = client.get(report_url(reply))
    html = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert '<meta name="robots" content="noindex">' in html
    assert "Words someone finds abusive." in html and 'name="csrfmiddlewaretoken"' in html
    for label in ("Abusive or hateful", "Spam or advertising", "Off topic", "Reveals private information", "Something else"):
        assert label in html

    response = send_report(client, reply, reason="private")
    assert response.status_code == 303 and response["Location"] == reply.get_absolute_url()
    story_page = client.get(response["Location"]).content.decode()
    assert "Thank you for your report. A moderator will look at the reply" in story_page
    assert "Words someone finds abusive." in story_page, "the reply stays up until a moderator decides"
    stored = Report.objects.get()
    assert (stored.comment, stored.reason, stored.resolved_at) == (reply, "private", None)
    event = reply.events.get()
    assert (event.action, event.moderator, event.note) == ("report", None, "Reveals private information")


def test_something_else_needs_a_note_and_the_choice_is_kept(client, story):
    reply = make_reply(story)
    html = send_report(client, reply, reason="other", note="  ").content.decode()
    assert "Say in a few words what is wrong with the reply." in html
    assert re.search(r'value="other"[^>]*checked', html)
    assert "Choose a reason." in send_report(client, reply, reason="").content.decode()
    assert "at most 300 characters" in send_report(client, reply, reason="other", note="x" * 301).content.decode()
    assert not Report.objects.exists()
    send_report(client, reply, reason="other", note="It names my neighbour.")
    assert Report.objects.get().describe() == "Something else: It names my neighbour."


def test_one_report_per_browser_per_reply_and_thanked_the_same_each_time(story):
    reply = make_reply(story)
    reader, other = Client(), Client()
    first = send_report(reader, reply)
    again = send_report(reader, reply, reason="spam")
    assert (first.status_code, first["Location"]) == (again.status_code, again["Location"])
    assert Report.objects.count() == 1 and Report.objects.get().reason == "abusive"
    send_report(other, reply, ip="198.51.100.20")  # another reader behind the same address counts
    assert Report.objects.count() == 2


def test_reports_are_limited_per_address_like_replies(story, settings):
    settings.NEWSROOM_COMMENTS_REPORTS_HOURLY_CAP = 2
    replies = [make_reply(story) for _ in range(3)]
    for reply in replies[:2]:
        assert send_report(Client(), reply, ip="192.0.2.9").status_code == 303
    refused = send_report(Client(), replies[2], ip="192.0.2.9", reason="other", note="Kept text")
    assert refused.status_code == 429 and 3500 < int(refused["Retry-After"]) <= 3600
    html = refused.content.decode()
    assert "You have sent a lot of reports in the last hour" in html and "Kept text" in html
    assert Report.objects.count() == 2
    assert send_report(Client(), replies[2], ip="192.0.2.10").status_code == 303

    settings.NEWSROOM_COMMENTS_REPORT_FLOOD_SECONDS = 30
    assert send_report(Client(), replies[0], ip="192.0.2.11").status_code == 303
    assert send_report(Client(), replies[1], ip="192.0.2.11").status_code == 429


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED])
def test_only_a_reply_readers_see_can_be_reported(client, story, status):
    hidden = make_reply(story, status=status)
    assert client.get(report_url(hidden)).status_code == 404
    assert send_report(client, hidden).status_code == 404
    draft = make_story(status="draft")
    assert client.get(report_url(make_reply(draft))).status_code == 404
    assert client.get("/comments/report/99999999999999999999/").status_code == 404


def test_a_report_from_a_banned_address_is_thanked_and_kept_nowhere(story):
    reply = make_reply(story)
    Ban.objects.create(ip_address="192.0.2.66", reason="Report flooding")
    response = send_report(Client(), reply, ip="192.0.2.66")
    assert response.status_code == 303 and response["Location"] == reply.get_absolute_url()
    assert not Report.objects.exists()


def test_nobody_is_told_who_reported(client, story, django_user_model):
    from tests.comments.support import make_staff

    reply = make_reply(story)
    send_report(client, reply, ip="192.0.2.123")
    token_hash = Report.objects.get().reporter
    desk = Client()
    desk.force_login(make_staff(django_user_model, "mona", "Moderators"))
    for address in ("/admin/comments/comment/moderate/?queue=reported", f"/admin/comments/comment/{reply.pk}/change/"):
        html = desk.get(address).content.decode()
        assert "Abusive or hateful" in html
        assert "192.0.2.123" not in html and token_hash not in html
    assert "report" in dict(ModerationEvent.Action.choices)
    caches["pages"].clear()
    assert "192.0.2.123" not in Client().get(story.get_absolute_url()).content.decode()
