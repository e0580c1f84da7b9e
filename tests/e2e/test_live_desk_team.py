"""The live desk for a team, in two browsers: while one editor has the desk open, a colleague starts typing (the
first sees who is typing), posts an update and keeps a draft, and both reach the first desk's list without a
reload; the draft's preview shows it as readers will see it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import _staff_member
from tests.e2e.writing import write_in_editor
from tests.stories import make_story

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_colleagues_typing_new_update_and_draft_reach_the_open_desk_without_a_reload(
    new_page, log_in, editor, django_user_model
):
    story = make_story("Floods reach the capital")
    story.go_live(timezone.now() - datetime.timedelta(hours=1))
    desk_address = f"/admin/articles/article/{story.pk}/live/"

    mine = log_in(new_page(), editor)
    mine.goto(desk_address)
    expect(mine.get_by_text("No updates yet.")).to_be_visible()
    mine.evaluate("window.notReloaded = true")

    colleague = log_in(new_page(), _staff_member(django_user_model, "cole", "Editors"))
    colleague.goto(desk_address)
    write_in_editor(colleague, "Text:", "The bridge is closed to traffic.")
    expect(mine.get_by_role("status").filter(has_text="cole (typing…)")).to_be_visible()

    colleague.get_by_role("button", name="Post update").click()
    expect(colleague.get_by_text("Update posted")).to_be_visible()
    expect(mine.get_by_role("rowheader", name="The bridge is closed to traffic.")).to_be_visible()

    write_in_editor(colleague, "Text:", "DRAFT: the mayor may resign.")
    colleague.get_by_role("button", name="Save as draft").click()
    expect(colleague.get_by_text("Draft kept")).to_be_visible()
    draft_row = mine.get_by_role("row").filter(has_text="DRAFT: the mayor may resign.")
    expect(draft_row.get_by_text("Draft", exact=True)).to_be_visible()
    assert mine.evaluate("window.notReloaded") is True, "the desk did not reload"

    draft_row.get_by_role("link", name="Preview").click()
    expect(mine.get_by_role("status").filter(has_text="Preview of a draft")).to_be_visible()
    expect(mine.get_by_text("DRAFT: the mayor may resign.")).to_be_visible()
    mine.get_by_role("link", name="Back to the live desk").click()
    mine.get_by_role("row").filter(has_text="DRAFT: the mayor may resign.").get_by_role("button", name="Publish").click()
    expect(mine.get_by_text("Draft published")).to_be_visible()
    assert not mine.log.problems and not colleague.log.problems, mine.log.problems + colleague.log.problems
