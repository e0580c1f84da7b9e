"""Live coverage in the browser: an editor runs it from the live desk while a reader's open page picks the updates up
without a reload, announces them politely and inserts them only when asked; an ended story stops asking; an update's
address finds it on an older page."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from live.models import LiveUpdate
from tests.e2e.test_csp import REPORT_VIOLATIONS, csp_violations

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]

# The longest a new update may take to reach an open page.
WITHIN_15_SECONDS = 15_000


@pytest.fixture
def quick_polls(settings):
    """The open page asks every second (the production figure is checked by a unit test), so tests finish fast."""
    settings.NEWSROOM_LIVE_POLL_SECONDS = 1


def test_an_editor_runs_live_coverage_and_a_readers_open_page_shows_the_new_update_without_reload(
    seed_story, editor, new_page, log_in, axe, quick_polls
):
    desk = new_page()
    log_in(desk, editor)
    desk.goto(f"/admin/articles/article/{seed_story.pk}/change/")
    desk.get_by_role("link", name="Live desk").click()
    desk.get_by_role("button", name="Start live coverage now").click()
    expect(desk.get_by_text("Live coverage started")).to_be_visible()

    reader = new_page()
    reader.context.add_init_script(REPORT_VIOLATIONS)
    reader.goto(seed_story.get_absolute_url())
    expect(reader.locator(".live-badge").first).to_have_text("Live")
    expect(reader.get_by_role("heading", name="Live updates")).to_be_visible()
    expect(reader.get_by_text("No updates yet.")).to_be_visible()
    reader.evaluate("window.notReloaded = true")
    # The reader is reading further down, at the reply form.
    reading = reader.get_by_role("heading", name="Leave a Reply")
    reading.scroll_into_view_if_needed()
    where = reading.bounding_box()["y"]

    desk.get_by_label("Headline").fill("Gunfire near the airport")
    desk.get_by_label("Text").fill("Residents report **gunfire** near the airport road.")
    desk.get_by_label("Key event").check()
    desk.get_by_role("button", name="Post update").click()
    expect(desk.get_by_text("Update posted")).to_be_visible()

    notice = reader.get_by_role("status").filter(has_text="1 new update")
    expect(notice).to_be_visible(timeout=WITHIN_15_SECONDS)
    assert abs(reading.bounding_box()["y"] - where) < 1, "the announcement moved the text the reader was on"  # scrolls by whole pixels
    expect(reader.get_by_text("Residents report gunfire")).to_have_count(0)  # shown only when the reader asks
    assert axe(reader) == []

    reader.get_by_role("button", name="Show it").click()
    # The innermost article: the update (the story's article holds it).
    update = reader.get_by_role("article").filter(has_text="Residents report gunfire near the airport road.").last
    expect(update).to_be_visible()
    expect(update.get_by_role("heading", name="Gunfire near the airport")).to_be_visible()
    expect(update.get_by_text("Key event")).to_be_visible()
    expect(notice).to_be_hidden()
    assert reader.evaluate("window.notReloaded") is True, "the page was reloaded"
    assert csp_violations(reader) == []
    assert reader.log.problems == []


def is_check(request):
    return "/updates/check/" in request.url


def test_an_ended_live_story_stops_polling(seed_story, page, quick_polls):
    seed_story.go_live()
    with page.expect_request(is_check, timeout=WITHIN_15_SECONDS):
        page.goto(seed_story.get_absolute_url())
    seed_story.end_live()
    expect(page.get_by_text("Live coverage has ended.")).to_be_visible(timeout=WITHIN_15_SECONDS)
    with pytest.raises(PlaywrightTimeoutError):  # three poll intervals pass without a check
        with page.expect_request(is_check, timeout=3_000):
            pass

    page.reload()
    expect(page.get_by_text("Live coverage ended")).to_be_visible()
    expect(page.locator(".live-badge")).to_have_count(0)


def test_an_update_address_finds_it_on_an_older_page_with_and_without_javascript(seed_story, new_page, settings):
    settings.NEWSROOM_LIVE_UPDATES_PER_PAGE = 2
    seed_story.go_live()
    now = timezone.now()
    updates = [
        LiveUpdate.objects.create(article=seed_story, body=f"Update number {n}.", is_key_event=n == 0,
                                  publish_at=now - datetime.timedelta(minutes=10 - n))
        for n in range(5)
    ]
    oldest = updates[0]

    reader = new_page()
    reader.goto(f"{seed_story.get_absolute_url()}#update-{oldest.pk}")  # a link shared when it was on the first page
    expect(reader.get_by_text("Update number 0.", exact=True)).to_be_in_viewport()
    assert "?updates=3" in reader.url
    # Its key event link, on the page that shows it, goes straight to it.
    reader.evaluate("window.scrollTo(0, 0)")
    expect(reader.get_by_text("Update number 0.", exact=True)).not_to_be_in_viewport()
    reader.get_by_role("navigation", name="Key events").get_by_role("link", name="Update number 0.").click()
    expect(reader.get_by_text("Update number 0.", exact=True)).to_be_in_viewport()
    assert reader.url.endswith(f"?updates=3#update-{oldest.pk}")

    # Without JavaScript, the key event's link is the update's permanent address: it lands on the older page.
    without_js = new_page(javascript=False)
    without_js.goto(seed_story.get_absolute_url())
    expect(without_js.get_by_text("Update number 0.", exact=True)).to_have_count(0)
    without_js.get_by_role("navigation", name="Key events").get_by_role("link", name="Update number 0.").click()
    expect(without_js.get_by_text("Update number 0.", exact=True)).to_be_in_viewport()
    assert "?updates=3" in without_js.url


def test_a_deletion_and_two_new_updates_inside_one_poll_all_reach_an_open_page(seed_story, page, quick_polls):
    seed_story.go_live()
    shown = LiveUpdate.objects.create(article=seed_story, body="Roads are closed.",
                                      publish_at=timezone.now() - datetime.timedelta(minutes=5))
    page.goto(seed_story.get_absolute_url())
    expect(page.get_by_text("Roads are closed.")).to_be_visible()

    with transaction.atomic():  # the editor takes it back and posts two more, all between two checks
        shown.delete()
        for text in ["Roads reopen in the north.", "Trams run again."]:
            LiveUpdate.objects.create(article=seed_story, body=text)
    expect(page.get_by_text("Roads are closed.")).to_have_count(0, timeout=WITHIN_15_SECONDS)
    page.get_by_role("status").filter(has_text="2 new updates").get_by_role("button", name="Show them").click()
    expect(page.get_by_text("Roads reopen in the north.")).to_be_visible()
    expect(page.get_by_text("Trams run again.")).to_be_visible()
