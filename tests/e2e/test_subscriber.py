"""The subscriber's path: a box ticked under the reply form, the confirmation link, an email about a
new reply, and the one-click stop, as a reader does it in a browser."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from comments.models import Comment, Subscriber
from comments.moderation import moderator as rules

from .replies import AWAITING_MODERATION, reply_form, write_reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]


def link(message, kind):
    return re.search(rf"https?://[^\s]+/comments/emails/{kind}/[^\s]+/", message.body).group(0)


def test_reader_asks_for_emails_confirms_hears_of_a_reply_and_stops_them(
    seed_story, page, moderator, live_server, settings, screenshot
):
    settings.NEWSROOM_SITE_URL = live_server.url
    page.goto(seed_story.get_absolute_url())
    box = reply_form(page).get_by_label("Email me about new replies to this story")
    expect(box).not_to_be_checked()
    box.check()
    expect(reply_form(page).get_by_label("Email me when someone replies to me")).not_to_be_checked()
    write_reply(page, name="Aigerim", email="aigerim.private@example.org", comment="Is the metro running?")
    expect(page.get_by_text(AWAITING_MODERATION).first).to_be_visible()

    (confirmation,) = mail.outbox
    page.goto(link(confirmation, "confirm"))
    page.get_by_role("button", name="Confirm my email").click()
    expect(page.get_by_role("heading", name="Email confirmed")).to_be_visible()
    assert Subscriber.objects.get(email="aigerim.private@example.org").is_confirmed

    answer = Comment.objects.create(
        article=seed_story, name="Dana", email="dana@example.org", body="The metro is shut until noon.",
        status=Comment.Status.PENDING,
    )
    rules.decide(answer, "approve", moderator)
    news = mail.outbox[-1]
    assert "The metro is shut until noon." in news.body and "dana@example.org" not in news.body

    page.goto(link(news, "unsubscribe"))
    screenshot(page, "subscriber-stops-emails")
    page.get_by_role("button", name="Stop the emails").click()
    expect(page.get_by_role("heading", name="Emails stopped")).to_be_visible()
    assert not Subscriber.objects.exists()
    assert page.log.problems == [], "the browser reported errors or failed requests"
