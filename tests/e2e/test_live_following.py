"""An open page of a live story follows every change without a reload: an edit with its correction note, a pin,
"What we know"; and a reader reads key events only, oldest first, with new updates placed where they belong."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from live.models import LiveSummary, LiveUpdate
from tests.e2e.test_csp import REPORT_VIOLATIONS, csp_violations
from tests.e2e.test_live_coverage import WITHIN_15_SECONDS

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]


@pytest.fixture
def quick_polls(settings):
    """The open page asks every second (NEWSROOM_LIVE_POLL_SECONDS; production's is checked by a unit test)."""
    settings.NEWSROOM_LIVE_POLL_SECONDS = 1


def post(story, body, minutes_ago=1, **fields):
    return LiveUpdate.objects.create(
        article=story, body=body, publish_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), **fields
    )


def listed(page):
    """The updates in the list, in the order the reader sees them (their text)."""
    return [text.strip() for text in page.locator("#live-update-list .live-update__body").all_inner_texts()]


def test_an_open_page_follows_an_edit_with_its_correction_note_a_pin_the_summary_and_a_move(
    seed_story, page, quick_polls, axe
):
    seed_story.go_live()
    hurt = post(seed_story, "Two people were hurt.", 5)
    post(seed_story, "Police close the square.", 3)
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.goto(seed_story.get_absolute_url())
    expect(page.get_by_text("Two people were hurt.")).to_be_visible()
    page.evaluate("window.notReloaded = true")

    hurt.body, hurt.correction_note = "Three people were hurt.", "An earlier version said two."
    hurt.save()
    edited = page.get_by_role("article").filter(has_text="Three people were hurt.").last
    expect(edited).to_contain_text(re.compile(r"Updated \d\d:\d\d: An earlier version said two\."), use_inner_text=True,
                                   timeout=WITHIN_15_SECONDS)
    expect(page.get_by_text("Two people were hurt.")).to_have_count(0)

    square = LiveUpdate.objects.get(body="Police close the square.")
    square.pinned = True
    square.save()
    pinned = page.get_by_role("region", name="Pinned update")
    expect(pinned).to_contain_text("Police close the square.", timeout=WITHIN_15_SECONDS)

    LiveSummary.objects.create(article=seed_story, body="- Three people hurt\n- The square is closed")
    summary = page.get_by_role("region", name="What we know")
    expect(summary.get_by_role("listitem")).to_have_text(["Three people hurt", "The square is closed"],
                                                         timeout=WITHIN_15_SECONDS)
    expect(summary).to_contain_text(re.compile(r"Updated \d\d:\d\d"), use_inner_text=True)
    assert axe(page) == []

    hurt.pinned = True  # pinning another unpins the first
    hurt.save()
    expect(pinned).to_contain_text("Three people were hurt.", timeout=WITHIN_15_SECONDS)
    expect(pinned).not_to_contain_text("Police close the square.")

    assert listed(page) == ["Police close the square.", "Three people were hurt."]
    square.refresh_from_db()
    square.publish_at -= datetime.timedelta(minutes=10)  # the desk moves it back in time
    square.save()
    expect(page.locator("#live-update-list .live-update__body")).to_have_text(
        ["Three people were hurt.", "Police close the square."], timeout=WITHIN_15_SECONDS)
    assert page.evaluate("window.notReloaded") is True, "the page was reloaded"
    assert csp_violations(page) == []
    assert page.log.problems == []


def test_a_reader_reads_key_events_only_and_oldest_first_and_new_updates_come_where_they_belong(
    seed_story, page, quick_polls
):
    seed_story.go_live()
    for n in range(4):
        post(seed_story, f"Update number {n}.", 40 - n, is_key_event=n in (1, 3))
    page.goto(seed_story.get_absolute_url())
    assert listed(page) == ["Update number 3.", "Update number 2.", "Update number 1.", "Update number 0."]

    choice = page.get_by_role("navigation", name="Which updates, in which order")
    choice.get_by_role("link", name="Key events only").click()
    assert "?show=key" in page.url
    assert listed(page) == ["Update number 3.", "Update number 1."]
    post(seed_story, "Not a key event.")
    post(seed_story, "The president speaks.", is_key_event=True)
    page.get_by_role("status").filter(has_text="1 new update").get_by_role("button", name="Show it").click(
        timeout=WITHIN_15_SECONDS)
    assert listed(page) == ["The president speaks.", "Update number 3.", "Update number 1."]

    choice.get_by_role("link", name="Oldest first").click()
    assert "order=oldest" in page.url and "show=key" in page.url
    expect(choice.get_by_role("link", name="Oldest first")).to_have_attribute("aria-current", "page")
    assert listed(page) == ["Update number 1.", "Update number 3.", "The president speaks."]
    post(seed_story, "Troops withdraw.", is_key_event=True)
    page.get_by_role("button", name="Show it").click(timeout=WITHIN_15_SECONDS)
    assert listed(page) == ["Update number 1.", "Update number 3.", "The president speaks.", "Troops withdraw."]
    expect(page.get_by_text("Not a key event.")).to_have_count(0)
