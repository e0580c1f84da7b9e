"""Every moderation rule, as a reply meets it: held, approved, spam, closed, or refused for flooding."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, ModerationEvent
from comments.moderation import moderator
from tests.comments.support import make_reply, post_reply, rules
from tests.stories import make_story

pytestmark = pytest.mark.django_db


def status_of(body):
    return Comment.objects.get(body=body).status


def test_every_reply_is_held_by_default_and_the_verdict_is_recorded(client, story):
    post_reply(client, story, body="A first reply.")
    reply = Comment.objects.get(body="A first reply.")
    assert reply.status == Comment.Status.PENDING
    [verdict] = reply.events.all()
    assert (verdict.moderator, verdict.from_status, verdict.to_status) == (None, "", "pending")
    assert verdict.note == "every reply waits for a moderator"


def test_returning_author_is_recognised_by_their_browser_and_their_email(client, story):
    rules(hold_all=False)
    post_reply(client, story, name="Dana", email="dana@example.org", body="My first reply.")
    assert status_of("My first reply.") == Comment.Status.PENDING
    post_reply(client, story, name="Dana", email="dana@example.org", body="Second, before any approval.")
    assert status_of("Second, before any approval.") == Comment.Status.PENDING

    Comment.objects.filter(body="My first reply.").update(status=Comment.Status.APPROVED)
    post_reply(client, story, name="Dana", email="DANA@example.org ", body="Now I am known.")
    assert status_of("Now I am known.") == Comment.Status.APPROVED


def test_one_approval_does_not_let_that_browser_post_under_any_name(client, story):
    rules(hold_all=False)
    post_reply(client, story, name="Dana", email="dana@example.org", body="Approved words.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    post_reply(client, story, name="Someone Else", email="someone.else@example.org", body="Posing as another.")
    assert status_of("Posing as another.") == Comment.Status.PENDING
    assert ModerationEvent.objects.get(comment__body="Posing as another.").note == (
        "no earlier approved reply from this browser and email"
    )


def test_name_and_email_alone_never_skip_moderation(story):
    rules(hold_all=False)
    make_reply(story, name="Dana", email="dana@example.org", body="Approved long ago.")
    post_reply(Client(), story, name="Dana", email="dana@example.org", body="An impostor's words.")
    assert status_of("An impostor's words.") == Comment.Status.PENDING


def test_forged_token_cookie_is_not_trusted(client, story):
    rules(hold_all=False)
    known = make_reply(story, email="known@example.org")
    known.author_token = Comment.hash_token("guessable")
    known.save()
    client.cookies["newsroom_reply_token"] = "guessable"
    post_reply(client, story, email="known@example.org", body="Unsigned token.")
    assert status_of("Unsigned token.") == Comment.Status.PENDING


def test_hold_all_holds_even_a_returning_author(client, story):
    post_reply(client, story, email="dana@example.org", body="Approved one.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    post_reply(client, story, email="dana@example.org", body="Held anyway.")
    assert status_of("Held anyway.") == Comment.Status.PENDING


def returning_client(story, email="regular@example.org"):
    """A browser whose earlier reply under `email` was approved, with auto-approval of returning authors on."""
    rules(hold_all=False)
    browser = Client()
    post_reply(browser, story, email=email, body="Approved earlier.")
    Comment.objects.filter(body="Approved earlier.").update(status=Comment.Status.APPROVED)
    return browser


def test_too_many_links_are_held(story):
    browser = returning_client(story)
    rules(hold_all=False, max_links=2)
    post_reply(browser, story, email="regular@example.org", body="See https://a.example and www.b.example today.")
    post_reply(browser, story, email="regular@example.org", body="See https://a.example, https://b.example and www.c.example.")
    assert status_of("See https://a.example and www.b.example today.") == Comment.Status.APPROVED
    assert status_of("See https://a.example, https://b.example and www.c.example.") == Comment.Status.PENDING
    note = ModerationEvent.objects.get(comment__body__contains="www.c.example").note
    assert note == "3 links (more than 2)"


@pytest.mark.parametrize(
    ("key", "fields"),
    [
        ("casino", {"body": "Visit my CASINO tonight."}),
        ("bad@example.net", {"email": "Bad@example.net"}),
        ("198.51.100.9", {"ip": "198.51.100.9"}),
    ],
)
def test_moderation_words_hold_and_disallowed_words_make_spam_told_like_a_held_or_published_reply(story, key, fields):
    email = fields.get("email", "regular@example.org")
    browser = returning_client(story, email=email)
    extra = {name: value for name, value in fields.items() if name not in ("body", "email")}
    rules(hold_all=False, moderation_keys=key)
    post_reply(browser, story, email=email, body=fields.get("body", "Held by the list."), **extra)
    held = Comment.objects.latest("pk")
    assert held.status == Comment.Status.PENDING
    assert f"“{key}” from the moderation words" in held.events.get().note

    rules(hold_all=False, moderation_keys="", disallowed_keys=f"something else\n{key}")
    response = post_reply(browser, story, email=email, body=fields.get("body", "Spam by the list.") + " Again.", **extra)
    spam = Comment.objects.latest("pk")
    assert spam.status == Comment.Status.SPAM
    # Never told it is spam. Held for its words, it is told it waits, like a pending reply; held for who
    # wrote it (email, address) where this returning author is published, it is told and shown as published.
    about_the_writer = "body" not in fields
    assert response.status_code == 303 and response["Location"] == spam.get_absolute_url()
    own_page = browser.get(response["Location"]).content.decode()
    told = "published" if about_the_writer else "awaiting moderation"
    assert f"Thank you. Your reply is {told}." in own_page
    shown_waiting = 0 if about_the_writer else 2  # the held one and the spam
    assert spam.body in own_page and own_page.count('<p class="reply__pending">') == shown_waiting
    assert spam.body not in Client().get(story.get_absolute_url()).content.decode()


def test_comments_close_some_days_after_publication(client, settings):
    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = 14
    old = make_story(publish_at=timezone.now() - timedelta(days=15))
    recent = make_story(publish_at=timezone.now() - timedelta(days=13))
    assert not moderator.allow(old) and moderator.allow(recent)
    assert post_reply(client, old).status_code == 403
    assert post_reply(client, recent).status_code == 303

    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = "0"  # never close; as the environment gives it
    assert moderator.allow(old)


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
    assert not moderator.allow(story)
    assert post_reply(client, story).status_code == 403


def test_a_drafts_preview_offers_no_form_that_would_post_nowhere(client, django_user_model):
    from django.contrib.auth.models import Permission

    editor = django_user_model.objects.create_user("ed", password="x")  # noqa: S106
    editor.user_permissions.add(Permission.objects.get(codename="preview_article"))
    client.force_login(editor)
    for story in (make_story(status=Article.Status.DRAFT), make_story(publish_at=timezone.now() + timedelta(days=1))):
        assert not moderator.allow(story)
        html = client.get(story.get_absolute_url()).content.decode()
        assert "Preview: not public." in html
        assert "Post Comment" not in html and "Replies open when the story is published." in html


def test_flood_interval_per_address_is_answered_with_429(client, story, settings):
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 30
    assert post_reply(client, story, ip="192.0.2.1", body="First from this address.").status_code == 303
    response = post_reply(client, story, ip="192.0.2.1", body="Second, too soon.")
    assert response.status_code == 429
    html = response.content.decode()
    assert "You are posting replies too quickly. Please wait 30 seconds and try again." in html
    assert "Second, too soon." in html  # the typed text is kept
    assert response["Retry-After"] == "30"
    assert post_reply(client, story, ip="192.0.2.2", body="Another address is fine.").status_code == 303
    assert not Comment.objects.filter(body="Second, too soon.").exists()


def test_flood_from_one_email_is_held_not_refused(story, settings):
    """Refusing would tell anyone which addresses have just written: the reply is held instead."""
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 30
    browser = returning_client(story, email="same@example.org")
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 30
    response = post_reply(browser, story, ip="192.0.2.9", email="SAME@example.org", body="Quick second reply.")
    assert response.status_code == 303
    reply = Comment.objects.get(body="Quick second reply.")
    assert reply.status == Comment.Status.PENDING
    assert "another reply from the same email" in reply.events.get().note


def test_hourly_cap_per_address_is_answered_with_429(client, story, settings):
    settings.NEWSROOM_COMMENTS_HOURLY_CAP = 3
    for _ in range(3):
        assert post_reply(client, story, ip="192.0.2.5").status_code == 303
    response = post_reply(client, story, ip="192.0.2.5")
    assert response.status_code == 429
    assert "You have posted a lot of replies in the last hour" in response.content.decode()
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert Comment.objects.count() == 3
    assert post_reply(client, story, ip="192.0.2.6").status_code == 303


def test_the_hour_starts_again_after_an_hour(client, story, settings, monkeypatch):
    settings.NEWSROOM_COMMENTS_HOURLY_CAP = 1
    assert post_reply(client, story, ip="192.0.2.5").status_code == 303
    assert post_reply(client, story, ip="192.0.2.5").status_code == 429
    later = timezone.now() + timedelta(minutes=61)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert post_reply(client, story, ip="192.0.2.5").status_code == 303


def test_client_ip_comes_from_the_proxy_header_only_when_trusted(client, story, settings):
    post_reply(client, story, ip="10.0.0.1", body="Untrusted header.", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    assert Comment.objects.get(body="Untrusted header.").ip_address == "10.0.0.1"
    settings.NEWSROOM_TRUST_PROXY = True
    post_reply(client, story, ip="10.0.0.1", body="Trusted header.", meta={"HTTP_X_FORWARDED_FOR": "198.51.100.1"})
    assert Comment.objects.get(body="Trusted header.").ip_address == "198.51.100.1"


@pytest.mark.parametrize(
    ("forwarded", "stored"),
    [
        ("not-an-ip", None),
        ("", "10.0.0.1"),  # no forwarded address at all: the connection's own
        ("999.1.1.1", None),
        ("<script>", None),
    ],
)
def test_a_proxy_header_that_is_not_an_address_is_stored_as_unknown(client, story, settings, forwarded, stored):
    settings.NEWSROOM_TRUST_PROXY = True
    response = post_reply(client, story, ip="10.0.0.1", body="Odd proxy.", meta={"HTTP_X_FORWARDED_FOR": forwarded})
    assert response.status_code == 303
    assert Comment.objects.get(body="Odd proxy.").ip_address == stored


def test_settings_given_as_text_are_read_and_bad_ones_stop_the_site(settings):
    from django.core.checks import run_checks

    from comments.conf import app_settings

    settings.NEWSROOM_COMMENTS_HOURLY_CAP = " 7 "
    settings.NEWSROOM_COMMENTS_HOLD_ALL = "off"
    settings.NEWSROOM_COMMENTS_MODERATION_KEYS = "casino, poker ,"
    assert (app_settings.HOURLY_CAP, app_settings.HOLD_ALL, app_settings.MODERATION_KEYS) == (7, False, ["casino", "poker"])
    assert not [e for e in run_checks() if e.id == "comments.E001"]

    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = "fifteen"
    [error] = [e for e in run_checks() if e.id == "comments.E001"]
    assert "NEWSROOM_COMMENTS_FLOOD_SECONDS" in error.msg


def test_the_app_works_in_a_project_that_sets_none_of_its_settings(settings):
    from comments.conf import DEFAULTS, app_settings

    for name in DEFAULTS:
        if hasattr(settings, "NEWSROOM_COMMENTS_" + name):
            delattr(settings, "NEWSROOM_COMMENTS_" + name)
    assert app_settings.FLOOD_SECONDS == 15 and app_settings.PER_PAGE == 50 and app_settings.HOLD_ALL is True
