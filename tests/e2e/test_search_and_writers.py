"""A reader searches from the header, opens a writer's page from a byline, follows a topic; the new pages are
accessible in the light and the dark theme, fit a phone, and print as a story should."""

import pprint

import pytest
from playwright.sync_api import expect

from articles import search
from articles.models import Author, Correction, Topic
from pictures.models import Image
from tests.realistic_site import build_site

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]


@pytest.fixture
def newsroom(seed_story):
    """The seed story with a writer who has a bio and a portrait, a topic, a correction, and a dozen other stories."""
    stories = build_site(12, pictures=2)
    search.index_all()
    portrait = Image.objects.create_placeholder(
        alt_text="Portrait placeholder for Aliya Sultanova", caption="", lines=["Aliya", "Sultanova"]
    )
    aliya = Author.objects.filter(slug="aliya-sultanova").get()
    aliya.bio = "Aliya Sultanova reports on Central Asia from Almaty.\n\nShe joined the newsroom in 2019."
    aliya.portrait = portrait
    aliya.save()
    seed_story.bylines.create(author=aliya, position=1)
    kazakhstan = Topic.objects.create(name="Kazakhstan", slug="kazakhstan", description="The unrest of January 2022.")
    seed_story.topics.add(kazakhstan)
    for story in stories[:3]:
        story.topics.add(kazakhstan)
    Correction.objects.create(article=seed_story, text="An earlier version misspelt the name of the square.")
    return seed_story


def test_reader_searches_from_the_header_and_opens_a_result(newsroom, page, screenshot):
    page.goto("/section/world/")
    box = page.get_by_role("searchbox", name="Search stories").first
    box.fill("troops")
    box.press("Enter")

    expect(page.get_by_role("heading", level=1, name="Search results")).to_be_visible()
    result = page.get_by_role("link", name="Shooting continues in Almaty")
    expect(result).to_be_visible()
    expect(page.locator("mark").first).to_have_text("troops", ignore_case=True)
    assert "q=troops" in page.url
    screenshot(page, "search-results")

    result.click()
    expect(page.get_by_role("heading", level=1, name="Shooting continues in Almaty")).to_be_visible()
    assert page.log.problems == [], "the browser reported errors or failed requests"


def test_a_search_that_finds_nothing_says_so_and_keeps_the_words(newsroom, page):
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search stories").first
    box.fill('"; DROP TABLE -- NEAR( *')
    box.press("Enter")

    expect(page.get_by_role("status")).to_contain_text("No stories match")
    expect(page.get_by_label("Search stories", exact=True).last).to_have_value('"; DROP TABLE -- NEAR( *')


def test_reader_opens_a_writers_page_from_a_byline_and_a_topic_from_the_story(newsroom, page, screenshot):
    page.goto(newsroom.get_absolute_url())
    page.locator("article.story").get_by_role("link", name="Aliya Sultanova").click()

    expect(page.get_by_role("heading", level=1, name="Aliya Sultanova")).to_be_visible()
    expect(page.get_by_text("reports on Central Asia from Almaty")).to_be_visible()
    portrait = page.get_by_role("img", name="Portrait placeholder for Aliya Sultanova")
    expect(portrait).to_be_visible()
    assert portrait.evaluate("img => img.complete && img.naturalWidth > 0"), "the portrait did not load"
    expect(page.get_by_role("link", name="Shooting continues in Almaty")).to_be_visible()
    screenshot(page, "author-page")

    page.get_by_role("link", name="Shooting continues in Almaty").click()
    expect(page.get_by_text("An earlier version misspelt the name of the square.")).to_be_visible()
    page.get_by_role("navigation", name="Topics").get_by_role("link", name="Kazakhstan").click()
    expect(page.get_by_role("heading", level=1, name="Kazakhstan")).to_be_visible()
    expect(page.get_by_role("link", name="Shooting continues in Almaty")).to_be_visible()
    assert page.log.problems == [], "the browser reported errors or failed requests"


PAGES = ["/", "/search/?q=almaty", "/author/aliya-sultanova/", "/topic/kazakhstan/", "/corrections/", "/privacy/", "story"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_new_pages_are_accessible_in_both_themes(newsroom, new_page, axe, screenshot, scheme):
    page = new_page(color_scheme=scheme)
    problems = {}
    for address in PAGES:
        page.goto(newsroom.get_absolute_url() if address == "story" else address)
        expect(page.locator("h1").first).to_be_visible()
        violations = axe(page)
        if violations:
            problems[address] = violations
    screenshot(page, f"story-page-{scheme}")
    assert problems == {}, f"axe found serious or critical violations ({scheme}):\n{pprint.pformat(problems)}"


def test_the_dark_theme_follows_the_readers_system_setting(newsroom, new_page):
    colours = {}
    for scheme in ("light", "dark"):
        page = new_page(color_scheme=scheme)
        page.goto(newsroom.get_absolute_url())
        colours[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colours == {"light": "rgb(255, 255, 255)", "dark": "rgb(22, 24, 27)"}


def test_a_story_prints_with_its_picture_and_caption_but_no_navigation_or_form(newsroom, page):
    page.goto(newsroom.get_absolute_url())
    page.emulate_media(media="print")

    story = page.locator("article.story")
    expect(story.get_by_role("heading", level=1, name="Shooting continues in Almaty")).to_be_visible()
    expect(story.locator("figure img")).to_be_visible()
    expect(story.locator("figcaption")).to_contain_text("KILLED:")
    expect(page.get_by_text("An earlier version misspelt the name of the square.")).to_be_visible()
    for hidden in [
        page.get_by_role("navigation", name="Sections"),
        page.get_by_role("search").first,
        page.get_by_role("heading", name="Leave a Reply"),
        page.get_by_role("button", name="Post Comment"),
        page.locator(".site-footer"),
        page.get_by_role("heading", name="Related stories"),
    ]:
        expect(hidden).to_be_hidden()


@pytest.mark.parametrize("address", ["/search/?q=almaty", "/author/aliya-sultanova/", "/topic/kazakhstan/"])
def test_new_pages_fit_a_360px_phone(newsroom, new_page, address):
    phone = new_page(width=360, height=780)
    phone.goto(address)
    expect(phone.locator("h1").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, address
