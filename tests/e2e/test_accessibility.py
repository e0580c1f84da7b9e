"""axe-core on the pages readers use most: no serious or critical violation."""

import pprint

import pytest
from playwright.sync_api import expect

from .replies import reply_form, write_reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]


def assert_accessible(page, axe):
    violations = axe(page)
    assert violations == [], f"axe found serious or critical violations on {page.url}:\n{pprint.pformat(violations)}"


def test_front_page_is_accessible(seed_story, page, axe):
    page.goto("/")
    assert_accessible(page, axe)


def test_story_page_is_accessible(seed_story, page, axe):
    page.goto(seed_story.get_absolute_url())
    expect(page.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    assert_accessible(page, axe)


def test_reply_form_showing_errors_is_accessible(seed_story, page, axe):
    page.goto(seed_story.get_absolute_url())
    form = reply_form(page)
    form.evaluate("form => { form.noValidate = true; }")  # let the server, not the browser, answer
    write_reply(page, name="A", email="not an address", comment="")
    expect(reply_form(page).locator(".invalid-feedback, .errorlist").first).to_be_visible()
    assert_accessible(page, axe)
