"""Every moderation rule, as a reply meets it: held, approved, spam, closed, or refused for flooding."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from comments.models import Comment
from comments.moderation import moderator
from tests.comments.support import make_reply, post_reply
from tests.stories import make_story

pytestmark = pytest.mark.django_db




def status_of(body):
    return Comment.objects.get(body=body).status


def test_every_reply_is_held_by_default(client, story):
    post_reply(client, story, body="A first reply.")
    assert status_of("A first reply.") == Comment.Status.PENDING


def test_returning_author_is_recognised_by_the_token_their_browser_received(client, story, settings):
    settings.NEWSROOM_COMMENTS_HOLD_ALL = False
    post_reply(client, story, name="Dana", email="dana@example.org", body="My first reply.")
    assert status_of("My first reply.") == Comment.Status.PENDING
    post_reply(client, story, name="Dana", email="dana@example.org", body="Second, before any approval.")
    assert status_of("Second, before any approval.") == Comment.Status.PENDING

    Comment.objects.filter(body="My first reply.").update(status=Comment.Status.APPROVED)
    post_reply(client, story, name="Dana", email="dana@example.org", body="Now I am known.")
    assert status_of("Now I am known.") == Comment.Status.APPROVED


def test_name_and_email_alone_never_skip_moderation(client, story, settings):
    settings.NEWSROOM_COMMENTS_HOLD_ALL = False
    make_reply(story, name="Dana", email="dana@example.org", body="Approved long ago.")
    post_reply(Client(), story, name="Dana", email="dana@example.org", body="An impostor's words.")
    assert status_of("An impostor's words.") == Comment.Status.PENDING


def test_forged_token_cookie_is_not_trusted(client, story, settings):
    settings.NEWSROOM_COMMENTS_HOLD_ALL = False
    known = make_reply(story)
    known.author_token = Comment.hash_token("guessable")
    known.save()
    client.cookies["newsroom_reply_token"] = "guessable"
    post_reply(client, story, body="Unsigned token.")
    assert status_of("Unsigned token.") == Comment.Status.PENDING


def test_hold_all_holds_even_a_returning_author(client, story):
    post_reply(client, story, body="Approved one.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    post_reply(client, story, body="Held anyway.")
    assert status_of("Held anyway.") == Comment.Status.PENDING


def returning_client(story):
    """A browser whose earlier reply was approved, with auto-approval of returning authors on."""
    browser = Client()
    post_reply(browser, story, body="Approved earlier.")
    Comment.objects.filter(body="Approved earlier.").update(status=Comment.Status.APPROVED)
    return browser


def test_too_many_links_are_held(story, settings):
    settings.NEWSROOM_COMMENTS_HOLD_ALL = False
    settings.NEWSROOM_COMMENTS_MAX_LINKS = 2
    browser = returning_client(story)
    post_reply(browser, story, body="See https://a.example and www.b.example today.")
    post_reply(browser, story, body="See https://a.example and https://b.example and www.c.example.")
    assert status_of("See https://a.example and www.b.example today.") == Comment.Status.APPROVED
    assert status_of("See https://a.example and https://b.example and www.c.example.") == Comment.Status.PENDING


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        ("casino", {"body": "Visit my CASINO tonight."}),
        ("bad@example.net", {"email": "Bad@example.net"}),
        ("198.51.100.9", {"ip": "198.51.100.9"}),
    ],
)
def test_moderation_list_holds_and_disallowed_list_marks_spam(story, settings, key, fields):
    settings.NEWSROOM_COMMENTS_HOLD_ALL = False
    browser = returning_client(story)
    settings.NEWSROOM_COMMENTS_MODERATION_KEYS = [key]
    post_reply(browser, story, body=fields.get("body", "Held by the list."), **{k: v for k, v in fields.items() if k != "body"})
    assert Comment.objects.latest("pk").status == Comment.Status.PENDING

    settings.NEWSROOM_COMMENTS_MODERATION_KEYS = []
    settings.NEWSROOM_COMMENTS_DISALLOWED_KEYS = [key]
    response = post_reply(
        browser, story, body=fields.get("body", "Spam by the list.") + " Again.", **{k: v for k, v in fields.items() if k != "body"}
    )
    spam = Comment.objects.latest("pk")
    assert spam.status == Comment.Status.SPAM
    assert response.status_code == 303 and response["Location"].endswith("#comments")
    assert spam.body not in browser.get(story.get_absolute_url()).content.decode()


def test_comments_close_some_days_after_publication(client, settings):
    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = 14
    old = make_story(publish_at=timezone.now() - timedelta(days=15))
    recent = make_story(publish_at=timezone.now() - timedelta(days=13))
    assert not moderator.is_open(old) and moderator.is_open(recent)
    assert post_reply(client, old).status_code == 403
    assert post_reply(client, recent).status_code == 303

    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = 0  # never close
    assert moderator.is_open(old)


def test_per_story_close_date_overrides_the_setting(client, settings):
    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = 14
    kept_open = make_story(
        publish_at=timezone.now() - timedelta(days=30), comments_close_at=timezone.now() + timedelta(days=1)
    )
    closed_early = make_story(comments_close_at=timezone.now() - timedelta(minutes=1))
    assert post_reply(client, kept_open).status_code == 303
    assert post_reply(client, closed_early).status_code == 403


def test_editors_switch_closes_comments(client, story):
    story.comments_enabled = False
    story.save()
    assert not moderator.is_open(story)
    assert post_reply(client, story).status_code == 403


def test_flood_interval_per_ip_is_answered_with_429(client, story, settings):
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 30
    assert post_reply(client, story, ip="192.0.2.1", body="First from this address.").status_code == 303
    response = post_reply(client, story, ip="192.0.2.1", body="Second, too soon.")
    assert response.status_code == 429
    html = response.content.decode()
    assert "You are posting replies too quickly. Please wait 30 seconds and try again." in html
    assert "Second, too soon." in html  # the typed text is kept
    assert response["Retry-After"] == "30"
    assert post_reply(client, story, ip="192.0.2.2", body="Another address is fine.").status_code == 303


def test_flood_interval_per_email_is_answered_with_429(client, story, settings):
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 30
    assert post_reply(client, story, ip="192.0.2.1", email="same@example.org").status_code == 303
    assert post_reply(client, story, ip="192.0.2.9", email="SAME@example.org").status_code == 429


def test_hourly_cap_per_ip_is_answered_with_429(client, story, settings):
    settings.NEWSROOM_COMMENTS_HOURLY_CAP = 3
    for _ in range(3):
        assert post_reply(client, story, ip="192.0.2.5").status_code == 303
    response = post_reply(client, story, ip="192.0.2.5")
    assert response.status_code == 429
    assert "You have posted a lot of replies in the last hour" in response.content.decode()
    assert Comment.objects.count() == 3


def test_client_ip_comes_from_the_proxy_header_only_when_trusted(client, story, settings):
    post_reply(client, story, ip="10.0.0.1", body="Untrusted header.", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    assert Comment.objects.get(body="Untrusted header.").ip_address == "10.0.0.1"
    settings.NEWSROOM_TRUST_PROXY = True
    post_reply(client, story, ip="10.0.0.1", body="Trusted header.", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    assert Comment.objects.get(body="Trusted header.").ip_address == "198.51.100.1"


@pytest.mark.parametrize("forwarded", ["not-an-ip", "", "999.1.1.1", "<script>"])
def test_a_proxy_header_that_is_not_an_address_is_stored_as_unknown(client, story, settings, forwarded):
    settings.NEWSROOM_TRUST_PROXY = True
    response = post_reply(client, story, ip="10.0.0.1", body="Odd proxy.", meta={"HTTP_X_FORWARDED_FOR": forwarded})
    assert response.status_code == 303
    assert Comment.objects.get(body="Odd proxy.").ip_address in (None, "10.0.0.1")
