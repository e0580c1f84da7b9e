"""A reporter's first day: words, reading time and the address as they type, the story at a phone's and a desktop's
width, and a new story's words kept from the first keystroke, offered back after the tab closed."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import story_path
from tests.e2e.conftest import _staff_member
from tests.stories import make_story

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def reporter(django_user_model, django_db_serialized_rollback):
    return _staff_member(django_user_model, "rita-reporter", "Reporters")


def write_body(page, text):
    """Type the story's body as a reporter does: into the rich-text editor when the form has one, else the textarea."""
    box = page.get_by_role("textbox", name="Body:", exact=True)
    if box.get_attribute("contenteditable") == "true":
        box.click()
        page.keyboard.type(text)
    else:
        box.fill(text)


def test_a_new_story_shows_its_words_and_address_as_typed_and_survives_a_closed_tab(reporter, new_page, log_in):
    taken = make_story("Curfew lifted in Almaty yesterday", slug="curfew-yesterday")
    page = log_in(new_page(), reporter)
    page.goto("/admin/articles/article/add/")
    page.get_by_label("Headline:").press_sequentially("Curfew lifted in Almaty")
    expected = "http://127.0.0.1:8000" + story_path("curfew-lifted-in-almaty", timezone.now())
    expect(page.locator("#story-address")).to_have_text(re.compile(re.escape(expected.split("://")[1])))
    write_body(page, "Residents queued for bread as the curfew eased. " * 30)
    expect(page.locator("#story-words")).to_have_text("240 words, 2 min read")
    expect(page.locator("#desk-autosave")).to_contain_text("Draft copy kept at")
    page.get_by_label("Slug:").fill("curfew-eases")
    expect(page.locator("#story-address")).to_contain_text("/curfew-eases/")
    page.get_by_label("Slug:").fill(taken.slug)
    expect(page.locator("#story-address")).to_contain_text("another story has this slug")
    page.get_by_label("Slug:").fill("curfew-eases")
    expect(page.locator("#story-address")).not_to_contain_text("another story")
    # What this form adds above the fields (Django admin's own widgets have known gaps: select2, split times).
    assert [found["id"] for found in Axe().run(page, context=["#story-aids", "#desk"]).response["violations"]] == []
    page.context.close()  # the tab closes before the story was ever saved

    again = log_in(new_page(), reporter)
    again.goto("/admin/articles/article/add/")
    expect(again.get_by_text("You began a story")).to_contain_text("Curfew lifted in Almaty")
    again.get_by_role("link", name="Restore my draft copy").click()
    expect(again.get_by_label("Headline:")).to_have_value("Curfew lifted in Almaty")
    expect(again.get_by_label("Slug:")).to_have_value("curfew-eases")
    expect(again.locator("#story-words")).to_have_text("240 words, 2 min read")
    assert again.log.problems == []


def test_the_story_side_by_side_at_a_phones_width_and_a_desktops_and_the_week_ahead(seed_story, reporter, new_page, log_in, axe):
    page = log_in(new_page(), reporter)
    page.goto(f"/admin/articles/article/{seed_story.pk}/change/")
    page.get_by_role("link", name="Phone and desktop").click()
    for width in ("phone", "desktop"):
        frame = page.frame_locator(f'iframe[title="The story at {width} width, {375 if width == "phone" else 1280} pixels"]')
        expect(frame.get_by_role("heading", level=1)).to_have_text("Shooting continues in Almaty")
    assert page.locator("iframe").evaluate_all("frames => frames.map(f => f.contentWindow.innerWidth)") == [375, 1280]
    assert axe(page) == []

    page.goto("/admin/articles/article/")
    page.get_by_role("link", name="The week ahead").click()
    expect(page.get_by_role("heading", name="Waiting for review (0)")).to_be_visible()
    assert axe(page) == []
    assert page.log.problems == []
