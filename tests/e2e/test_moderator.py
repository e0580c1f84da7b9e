"""The moderator's path: approve a pending reply in /admin/, and nothing beyond comments."""

import re

import pytest
from playwright.sync_api import expect

from comments.models import Comment

from .replies import AWAITING_MODERATION, write_reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]

REPLY = "The roads to the airport are open again."


def test_moderator_approves_a_pending_reply_and_readers_then_see_it(
    seed_story, new_page, moderator, log_in, screenshot
):
    commenter, reader, desk = new_page(), new_page(), new_page()
    commenter.goto(seed_story.get_absolute_url())
    write_reply(commenter, name="Yerlan", email="yerlan.private@example.org", comment=REPLY)
    expect(commenter.get_by_text(AWAITING_MODERATION).first).to_be_visible()

    reader.goto(seed_story.get_absolute_url())
    expect(reader.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(reader.get_by_text(REPLY)).to_have_count(0)

    log_in(desk, moderator)
    desk.get_by_role("rowheader", name="Comments", exact=True).get_by_role("link").click()
    desk.get_by_role("link", name="Pending", exact=True).click()
    row = desk.locator("#result_list tbody tr").filter(has_text="Yerlan")
    expect(row).to_have_count(1)
    screenshot(desk, "moderation-queue")
    row.get_by_role("checkbox").check()
    action = desk.get_by_label("Action:")
    approve = action.locator("option").filter(has_text=re.compile("approve", re.IGNORECASE)).first
    action.select_option(value=approve.get_attribute("value"))
    desk.get_by_role("button", name="Go").click()
    expect(desk.locator(".messagelist")).to_be_visible()
    assert Comment.objects.get(body=REPLY).status == Comment.Status.APPROVED

    reader.reload()
    expect(reader.get_by_text(REPLY)).to_be_visible()
    assert "yerlan.private@example.org" not in reader.content()
    assert reader.log.problems == [], "the browser reported errors or failed requests"


def test_moderator_cannot_open_stories_in_admin(seed_story, page, moderator, log_in):
    log_in(page, moderator)
    expect(page.get_by_role("rowheader", name="Comments", exact=True)).to_be_visible()
    desk_links = re.compile(r"^(Articles|Stories|Images|Sections|Authors)$")
    expect(page.get_by_role("link", name=desk_links)).to_have_count(0)

    for address in ("/admin/articles/article/", f"/admin/articles/article/{seed_story.pk}/change/"):
        response = page.goto(address)
        assert response.status == 403, f"a moderator opened {address}"
