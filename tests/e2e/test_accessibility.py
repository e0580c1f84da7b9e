"""axe-core on the pages readers use most, in the light and the dark theme: no serious or critical violation."""

import pprint

import pytest
from playwright.sync_api import expect

from comments.models import Comment

from .replies import reply_form, write_reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]


@pytest.fixture(params=["light", "dark"])
def page(request, new_page):
    """The reader's page with their system set to the light or the dark theme."""
    return new_page(color_scheme=request.param)


def assert_accessible(page, axe):
    violations = axe(page)
    assert violations == [], f"axe found serious or critical violations on {page.url}:\n{pprint.pformat(violations)}"


def test_front_page_is_accessible(seed_story, page, axe):
    page.goto("/")
    assert_accessible(page, axe)


def test_story_page_with_a_thread_of_replies_is_accessible(seed_story, page, axe):
    first = Comment.objects.create(
        article=seed_story,
        name="Dana",
        email="dana@example.org",
        body="The trams have stopped.",
        status=Comment.Status.APPROVED,
    )
    Comment.objects.create(
        article=seed_story,
        parent=first,
        name="Yerlan",
        email="yerlan@example.org",
        website="https://yerlan.example.org/",
        body="They run again on Sunday.",
        status=Comment.Status.APPROVED,
    )
    Comment.objects.filter(pk=first.pk).update(is_featured=True)
    Comment.public_replies_changed([seed_story.pk])
    page.goto(seed_story.get_absolute_url())
    expect(page.get_by_text("They run again on Sunday.")).to_be_visible()
    expect(page.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(page.get_by_role("region", name="Featured")).to_be_visible()
    assert_accessible(page, axe)


def test_the_page_for_reporting_a_reply_is_accessible_with_its_errors(seed_story, page, axe):
    reply = Comment.objects.create(
        article=seed_story, name="Dana", email="dana@example.org", body="The trams have stopped.", status="approved"
    )
    page.goto(f"/comments/report/{reply.pk}/")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Choose a reason.")).to_be_visible()
    assert_accessible(page, axe)


def test_reply_form_showing_errors_is_accessible(seed_story, page, axe):
    page.goto(seed_story.get_absolute_url())
    form = reply_form(page)
    form.evaluate("form => { form.noValidate = true; }")  # let the server, not the browser, answer
    write_reply(page, name="A", email="not an address", comment="")
    expect(reply_form(page).locator(".invalid-feedback, .errorlist").first).to_be_visible()
    assert_accessible(page, axe)
