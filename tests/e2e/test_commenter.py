"""The commenter's path: "Leave a Reply" under a story, as a reader fills it in."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article
from comments.models import Comment

from .replies import AWAITING_MODERATION, COMMENT, EMAIL, NAME, WEBSITE, reply_form, write_reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]

NOTE = "Your email address will not be published. Required fields are marked *"


@pytest.fixture
def second_story(seed_story):
    return Article.objects.create(
        section=seed_story.section,
        kicker="Kazakhstan",
        headline="Banks reopen in Almaty",
        body="The banks opened again on Monday.",
        status=Article.Status.PUBLISHED,
        publish_at=timezone.now() - timedelta(hours=1),
    )


def test_commenter_posts_a_reply_and_is_told_it_awaits_moderation(seed_story, page, screenshot):
    page.goto(seed_story.get_absolute_url())
    expect(page.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(page.get_by_text(NOTE)).to_be_visible()
    screenshot(page, "reply-form")

    write_reply(
        page,
        name="Aigerim",
        email="aigerim.private@example.org",
        website="https://aigerim.example.org/",
        comment="Stay safe, everyone in Almaty.",
    )

    expect(page.get_by_text(AWAITING_MODERATION).first).to_be_visible()
    expect(page.get_by_text("Stay safe, everyone in Almaty.")).to_be_visible()
    assert "aigerim.private@example.org" not in page.content()
    screenshot(page, "reply-awaiting-moderation")
    reply = Comment.objects.get(body="Stay safe, everyone in Almaty.")
    assert (reply.article, reply.parent, reply.status) == (seed_story, None, Comment.Status.PENDING)
    assert page.log.problems == [], "the browser reported errors or failed requests"


def test_reply_without_email_is_refused_and_keeps_what_was_typed(seed_story, page, screenshot):
    page.goto(seed_story.get_absolute_url())
    form = write_reply(page, name="Aigerim", website="https://aigerim.example.org/", comment="Is the airport open?")

    # The browser's own check may stop the form first; the server must still answer a browser that does not.
    email = form.get_by_label(EMAIL)
    if email.evaluate("field => !field.form.noValidate && !field.validity.valid"):
        assert email.evaluate("field => field.validationMessage")
        form.evaluate("form => { form.noValidate = true; }")
        form.get_by_role("button", name="Post Comment").click()

    form = reply_form(page)
    expect(form.get_by_text("This field is required.")).to_be_visible()
    expect(form.get_by_label(NAME)).to_have_value("Aigerim")
    expect(form.get_by_label(WEBSITE)).to_have_value("https://aigerim.example.org/")
    expect(form.get_by_label(COMMENT)).to_have_value("Is the airport open?")
    screenshot(page, "reply-form-errors")
    assert not Comment.objects.exists()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-javascript", "without-javascript"])
def test_commenter_replies_to_an_approved_reply(seed_story, new_page, javascript):
    page = new_page(javascript=javascript)
    first = Comment.objects.create(
        article=seed_story,
        name="Dana",
        email="dana.private@example.org",
        body="The trams have stopped.",
        status=Comment.Status.APPROVED,
    )
    page.goto(seed_story.get_absolute_url())
    thread = page.locator(f"#comment-{first.pk}")
    expect(thread).to_contain_text("The trams have stopped.")

    thread.get_by_role("link", name="Reply").first.click()
    write_reply(page, name="Aigerim", email="aigerim@example.org", comment="They run again on Sunday.")
    if not javascript:
        # The story page every reader shares carries no security token: the first reply comes back, kept, with one.
        expect(page.get_by_role("heading", name="Please check and send your reply")).to_be_visible()
        expect(reply_form(page).get_by_label(COMMENT)).to_have_value("They run again on Sunday.")
        reply_form(page).get_by_role("button", name="Post Comment").click()

    expect(page.get_by_text(AWAITING_MODERATION).first).to_be_visible()
    answer = Comment.objects.get(body="They run again on Sunday.")
    assert answer.parent == first
    assert answer.status == Comment.Status.PENDING


def test_ticked_save_my_name_fills_the_form_on_the_next_story(seed_story, second_story, page, new_page):
    page.goto(seed_story.get_absolute_url())
    write_reply(
        page,
        name="Aigerim",
        email="aigerim@example.org",
        website="https://aigerim.example.org/",
        comment="Thank you for the report.",
        remember=True,
    )
    expect(page.get_by_text(AWAITING_MODERATION).first).to_be_visible()

    page.goto(second_story.get_absolute_url())
    form = reply_form(page)
    expect(form.get_by_label(NAME)).to_have_value("Aigerim")
    expect(form.get_by_label(EMAIL)).to_have_value("aigerim@example.org")
    expect(form.get_by_label(WEBSITE)).to_have_value("https://aigerim.example.org/")
    expect(form.get_by_label(COMMENT)).to_have_value("")

    # Remembered in that browser only: another reader of the same page gets an empty form.
    stranger = new_page()
    stranger.goto(second_story.get_absolute_url())
    expect(reply_form(stranger).get_by_label(NAME)).to_have_value("")
    assert "aigerim@example.org" not in stranger.content()


def test_unticked_save_my_name_leaves_the_next_form_empty(seed_story, second_story, page):
    page.goto(seed_story.get_absolute_url())
    write_reply(page, name="Aigerim", email="aigerim@example.org", comment="Thank you for the report.")
    expect(page.get_by_text(AWAITING_MODERATION).first).to_be_visible()

    page.goto(second_story.get_absolute_url())
    form = reply_form(page)
    expect(form.get_by_label(NAME)).to_have_value("")
    expect(form.get_by_label(EMAIL)).to_have_value("")
