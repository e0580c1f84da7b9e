"""The reader's path: from the front page to the seed story, on a desktop and on a 360 px phone."""

import pytest
from playwright.sync_api import expect

from .replies import reply_form

# Comments open, so the story page carries its reply form as the contract describes.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]

HEADLINE = "Shooting continues in Almaty"
SUB_HEADINGS = ["Russian troops sent to the country", "Great dissatisfaction"]


def open_story_from_front_page(page):
    page.goto("/")
    page.get_by_role("link", name=HEADLINE).first.click()
    expect(page.get_by_role("heading", level=1, name=HEADLINE)).to_be_visible()


def overflow(page):
    """How many CSS pixels the page is wider than the window (0 when nothing sticks out sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_reader_opens_the_seed_story_from_the_front_page(seed_story, page, screenshot):
    page.goto("/")
    expect(page.get_by_role("link", name=HEADLINE).first).to_be_visible()
    screenshot(page, "front-page")

    open_story_from_front_page(page)

    story = page.locator("article").first
    expect(story.get_by_text("Kazakhstan", exact=True).first).to_be_visible()
    figure = story.locator("figure").first
    expect(figure).to_be_visible()
    picture = figure.locator("img")
    expect(picture).to_be_visible()
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0"), "the lead picture did not load"
    caption = figure.locator("figcaption")
    expect(caption).to_be_visible()
    expect(caption).to_contain_text("KILLED:")
    expect(caption.locator("strong, b").first).to_contain_text("KILLED")
    expect(caption).to_contain_text("One person is shot and killed in the Kazakh city of Almaty.")
    expect(caption).to_contain_text("The picture is from January 6.")
    for sub_heading in SUB_HEADINGS:
        expect(story.get_by_role("heading", level=2, name=sub_heading)).to_be_visible()
    expect(story.locator("time").first).to_be_visible()
    expect(page.get_by_role("heading", name="Leave a Reply")).to_be_visible()

    screenshot(page, "story-page", for_docs=True)
    assert page.log.problems == [], "the browser reported errors or failed requests"


def test_nothing_overflows_sideways_on_a_360px_phone(seed_story, new_page, screenshot):
    phone = new_page(width=360, height=780)

    phone.goto("/")
    assert overflow(phone) <= 0, "the front page is wider than a 360 px phone"
    screenshot(phone, "front-page-phone")

    open_story_from_front_page(phone)
    expect(phone.locator("article figure").first).to_be_visible()
    expect(phone.get_by_role("button", name="Post Comment")).to_be_visible()
    assert overflow(phone) <= 0, "the story page is wider than a 360 px phone"
    screenshot(phone, "story-page-phone")

    form = reply_form(phone)
    form.evaluate("form => { form.noValidate = true; }")  # let the server answer the empty form
    form.get_by_role("button", name="Post Comment").click()
    expect(reply_form(phone).locator(".invalid-feedback").first).to_be_visible()
    assert overflow(phone) <= 0, "the reply form with its errors is wider than a 360 px phone"
    assert phone.log.problems == [], "the browser reported errors or failed requests"
