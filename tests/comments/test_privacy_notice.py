"""The privacy notice follows the code: it names every cookie a reader's browser is given, and says when
replies appear as the moderators' discussion settings say."""

import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from pages.models import Page
from tests.comments.support import make_reply, post_reply, rules

pytestmark = pytest.mark.django_db

FIRST_NOTICE = Path(__file__).with_name("first_privacy_notice.md")  # as Newsroom shipped it in November 2026
NOTICE_OF_0003 = Path(__file__).with_name("privacy_notice_of_0003.md")  # before the newsroom_replied cookie
migration = importlib.import_module("pages.migrations.0003_privacy_notice_follows_the_code")
marker_migration = importlib.import_module("pages.migrations.0004_privacy_notice_names_the_replied_marker")
scores_migration = importlib.import_module("pages.migrations.0005_privacy_notice_tells_of_reply_scores")
NOTICE_OF_0004 = Path(__file__).with_name("privacy_notice_of_0004.md")  # before the replies' scores


def notice(client):
    response = client.get("/privacy/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_notice_names_every_cookie_a_readers_journey_collects(story):
    """Read a story, reply, reply asking to be remembered, report a reply: every cookie set is named."""
    reader, given = Client(), set()

    def visit(response):
        given.update(response.cookies.keys())
        return response

    visit(reader.get(story.get_absolute_url()))
    reply = visit(post_reply(reader, story, body="A first reply."))
    visit(reader.get(reply["Location"]))
    reply = visit(post_reply(reader, story, body="Remember me.", remember="on"))
    visit(reader.get(reply["Location"]))
    someone = make_reply(story)
    visit(reader.get(f"/comments/report/{someone.pk}/"))
    report = visit(reader.post(f"/comments/report/{someone.pk}/", {"reason": "abusive"}))
    assert report.status_code == 303
    visit(reader.get(report["Location"]))

    assert {"csrftoken", "newsroom_reply_token", "newsroom_replied", "messages"} <= given, "the journey was not walked"
    text = notice(Client())
    for name in given:
        assert f"<code>{name}</code>" in text, f"the privacy notice does not name the cookie {name}"


def test_the_notice_says_when_replies_appear_as_the_discussion_settings_say(client):
    rules(hold_all=True)
    held = notice(client)
    assert "Every reply from a reader waits until a moderator has read it" in held
    assert "{reply_moderation}" not in held

    rules(hold_all=False)
    returning = notice(client)
    assert "Every reply from a reader waits" not in returning
    assert "once one of your replies has been approved, your later ones" in returning
    for both in (held, returning):
        assert "On a story we open to post-moderation, a reply appears at once" in both


def test_the_notice_tells_of_reports_an_authors_history_and_bans_kept_after_an_erasure(client):
    text = re.sub(r"\s+", " ", notice(client))
    for said in (
        "When you report a reply we keep",
        "the other replies written under the same email address",
        "A ban is kept even when you ask us to erase your data",
    ):
        assert said in text, said


def test_a_site_still_showing_the_first_notice_gets_the_new_one_and_an_edited_one_is_kept():
    first = FIRST_NOTICE.read_text()
    current = Page.objects.get(slug="privacy").body
    update = lambda: migration.update_the_default_notice(apps, SimpleNamespace(connection=connection))  # noqa: E731

    Page.objects.filter(slug="privacy").update(body=first.replace("\n", "\r\n"))  # as the admin's text box saves it
    update()
    page = Page.objects.get(slug="privacy")
    assert page.body == current and "newsroom_reply_token" in page.body_html

    edited = first + "\n\nOur own words."
    Page.objects.filter(slug="privacy").update(body=edited)
    update()
    assert Page.objects.get(slug="privacy").body == edited


def test_a_site_showing_the_notice_of_0003_gets_the_one_naming_the_replied_marker():
    current = Page.objects.get(slug="privacy").body
    Page.objects.filter(slug="privacy").update(body=NOTICE_OF_0003.read_text())
    marker_migration.name_the_replied_marker(apps, SimpleNamespace(connection=connection))
    page = Page.objects.get(slug="privacy")
    assert page.body == current and "<code>newsroom_replied</code>" in page.body_html


def test_a_site_showing_the_notice_of_0004_gets_the_one_telling_of_reply_scores():
    current = Page.objects.get(slug="privacy").body
    Page.objects.filter(slug="privacy").update(body=NOTICE_OF_0004.read_text())
    scores_migration.tell_of_reply_scores(apps, SimpleNamespace(connection=connection))
    page = Page.objects.get(slug="privacy")
    assert page.body == current and "two scores our server works out from it" in page.body_html
