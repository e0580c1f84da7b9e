"""Pages laid out for a realistic site at a laptop's, a small laptop's and a phone's width.

A dozen stories in several sections, with and without pictures, short and very
long headlines and kickers, and the seed story with threads of replies: no
headline or kicker breaks inside a word, and nothing scrolls sideways.
"""

import pytest
from playwright.sync_api import expect

from articles.models import Article
from tests.realistic_site import add_reply_threads, build_site

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]

WIDTHS = [1280, 1024, 390]
LONGEST = "Internationalisation of the tenge"

# Every word of every headline and kicker whose letters sit on more than one line.
BROKEN_WORDS = """
selector => {
  const broken = [];
  for (const element of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(Array.from(range.getClientRects(), rect => Math.round(rect.bottom)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}
"""
HEADINGS = "h1, h2, h3, .kicker"


@pytest.fixture
def realistic_site(seed_story):
    build_site(12)
    add_reply_threads(seed_story, 40)
    return seed_story


def check_layout(page, what):
    expect(page.locator("h1, h2").first).to_be_visible()
    assert page.evaluate(BROKEN_WORDS, HEADINGS) == [], f"{what}: headline words broken across lines"
    sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert sideways <= 0, f"{what}: the page is {sideways} px wider than the window"


@pytest.mark.parametrize("width", WIDTHS)
def test_front_section_and_story_pages_keep_words_whole_and_fit_the_width(realistic_site, new_page, screenshot, width):
    page = new_page(width=width, height=900)

    page.goto("/")
    expect(page.get_by_role("heading", name="Latest", exact=True)).to_be_visible()
    expect(page.locator(".card")).to_have_count(12)
    check_layout(page, f"front page at {width} px")
    screenshot(page, f"front-page-{width}", for_docs=width == 1280)

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Business").click()
    expect(page.get_by_role("heading", level=1, name="Business")).to_be_visible()
    check_layout(page, f"section page at {width} px")
    screenshot(page, f"section-page-{width}")

    long_story = Article.objects.get(headline__startswith=LONGEST)
    page.goto(long_story.get_absolute_url())
    expect(page.get_by_role("heading", level=1, name=long_story.headline)).to_be_visible()
    check_layout(page, f"story with the longest headline at {width} px")

    page.goto(realistic_site.get_absolute_url())
    expect(page.get_by_role("heading", name="40 replies")).to_be_visible()
    check_layout(page, f"seed story with replies at {width} px")
    screenshot(page, f"story-with-replies-{width}")
    assert page.log.problems == [], "the browser reported errors or failed requests"


def test_the_front_pages_cards_are_laid_out_as_cards_not_as_lead_stories(realistic_site, new_page):
    """The lead story's large layout once leaked into every card below it."""
    page = new_page(width=1280, height=900)
    page.goto("/")
    lead = page.locator(".card--lead .card__headline")
    cards = page.locator(".front__latest .card__headline")
    expect(cards).to_have_count(11)
    lead_size = float(lead.evaluate("h => getComputedStyle(h).fontSize").removesuffix("px"))
    for size in cards.evaluate_all("hs => hs.map(h => getComputedStyle(h).fontSize)"):
        assert float(size.removesuffix("px")) < lead_size * 0.75
    assert page.locator(".front__latest .card--lead").count() == 0
    columns = page.locator(".front__latest .card-list").evaluate("l => getComputedStyle(l).gridTemplateColumns")
    assert len(columns.split()) >= 3, f"at 1280 px the latest stories sit in at least three columns, not {columns}"


def results_fit(page):
    """Whether the admin's list of results fits its column without sideways scrolling."""
    return page.locator(".results").evaluate("r => r.scrollWidth <= r.clientWidth")


def test_the_moderators_reply_list_fits_a_laptop_with_the_sidebar_open(realistic_site, new_page, moderator, log_in):
    add_reply_threads(realistic_site, 30, seed=1, status="pending")
    page = log_in(new_page(width=1280, height=900), moderator)
    page.goto("/admin/comments/comment/")
    expect(page.locator("#nav-sidebar")).to_be_visible()
    expect(page.locator("#result_list tbody tr")).to_have_count(50)
    assert results_fit(page), "the reply list scrolls sideways at 1280 px"
    reply_column = page.locator("#result_list tbody tr").first.locator(".field-excerpt")
    assert reply_column.evaluate("c => c.getBoundingClientRect().width") >= 224, "the reply text column is too narrow to read"
    assert page.log.problems == []


def test_the_editors_picture_list_fits_a_laptop_with_the_sidebar_open(realistic_site, new_page, editor, log_in):
    page = log_in(new_page(width=1280, height=900), editor)
    page.goto("/admin/pictures/image/")
    expect(page.locator("#nav-sidebar")).to_be_visible()
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    assert results_fit(page), "the picture list scrolls sideways at 1280 px"
    assert page.log.problems == []
