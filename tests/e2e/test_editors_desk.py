"""Two people on one story in two browsers, and a draft copy that survives a closed tab."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _staff_member
from tests.e2e.writing import editor_of, rewrite_in_editor, write_in_editor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def subeditor(django_user_model, django_db_serialized_rollback):
    return _staff_member(django_user_model, "sam-subeditor", "Editors")


def open_story(page, story):
    page.goto(f"/admin/articles/article/{story.pk}/change/")
    expect(page.get_by_label("Headline:")).to_be_visible()
    return page


def test_two_editors_on_one_story_lose_nothing(seed_story, editor, subeditor, new_page, log_in, screenshot):
    edna = open_story(log_in(new_page(), editor), seed_story)
    sam = open_story(log_in(new_page(), subeditor), seed_story)
    expect(sam.locator("#desk-presence")).to_contain_text("Also open now: edna-editor")

    rewrite_in_editor(edna, "Standfirst:", "Gunfire was heard again on Sunday morning.")
    edna.get_by_role("button", name="Save", exact=True).click()
    expect(edna.locator(".messagelist .success")).to_be_visible()

    sam.get_by_label("Headline:").fill("Shooting continues in Almaty for a second week")
    sam.get_by_role("button", name="Save", exact=True).click()
    refused = sam.get_by_role("alert").filter(has_text="Not saved")
    expect(refused).to_contain_text("edna-editor saved this story")
    expect(refused.locator(".diff ins")).to_have_text("Gunfire was heard again on Sunday morning.")
    expect(sam.get_by_label("Headline:")).to_have_value("Shooting continues in Almaty for a second week")
    screenshot(sam, "editor-stale-save-refused")

    # Sam brings Edna's standfirst into his form and saves again: both changes stand.
    rewrite_in_editor(sam, "Standfirst:", "Gunfire was heard again on Sunday morning.")
    sam.get_by_role("button", name="Save", exact=True).click()
    expect(sam.locator(".messagelist .success")).to_be_visible()

    reader = new_page()
    reader.goto("/")
    reader.get_by_role("link", name="Shooting continues in Almaty for a second week").first.click()
    expect(reader.get_by_text("Gunfire was heard again on Sunday morning.").first).to_be_visible()
    assert edna.log.problems == [] and sam.log.problems == [] and reader.log.problems == []


def test_a_draft_copy_is_kept_while_typing_and_restored_after_the_tab_closed(seed_story, editor, new_page, log_in):
    desk = open_story(log_in(new_page(), editor), seed_story)
    typed = "Residents queued for bread as the curfew eased."
    rewrite_in_editor(desk, "Standfirst:", typed)
    expect(desk.locator("#desk-autosave")).to_contain_text("Draft copy kept at")
    desk.context.close()  # the tab closes without saving

    reader = new_page()
    reader.goto(seed_story.get_absolute_url())
    expect(reader.get_by_role("heading", level=1)).to_have_text("Shooting continues in Almaty")
    expect(reader.get_by_text(typed)).to_have_count(0)

    again = open_story(log_in(new_page(), editor), seed_story)
    expect(again.get_by_text("You have an unsaved draft copy of this story")).to_be_visible()
    again.get_by_role("link", name="Restore my draft copy").click()
    expect(editor_of(again, "Standfirst:")).to_have_text(typed)
    again.get_by_role("button", name="Save", exact=True).click()
    expect(again.locator(".messagelist .success")).to_be_visible()

    reader.goto(seed_story.get_absolute_url())
    expect(reader.get_by_text(typed).first).to_be_visible()
    assert again.log.problems == [] and reader.log.problems == []


@pytest.fixture
def reporter(django_user_model, django_db_serialized_rollback):
    return _staff_member(django_user_model, "rita-reporter", "Reporters")


def test_a_reporter_writes_an_editor_reviews_and_schedules(seed_story, reporter, editor, new_page, log_in):
    from datetime import timedelta

    from django.utils import timezone

    from tests.e2e.test_editor import choose

    rita = log_in(new_page(), reporter)
    rita.goto("/admin/articles/article/add/")
    choose(rita, "section", "Wor", "World")
    rita.get_by_label("Headline:").press_sequentially("Curfew to end on Monday")
    write_in_editor(rita, "Body:", "The curfew ends at dawn on Monday.")
    status = rita.get_by_label("Status:")
    assert status.locator("option").all_inner_texts() == ["Draft", "In review"]  # no way to publish
    status.select_option(label="In review")
    rita.get_by_role("button", name="Save", exact=True).click()
    expect(rita.locator(".messagelist .success")).to_be_visible()

    edna = log_in(new_page(), editor)
    edna.get_by_role("link", name="1 story waiting for review").click()
    edna.get_by_role("link", name="Curfew to end on Monday").click()
    edna.get_by_label("Status:").select_option(label="Published")
    tomorrow = timezone.localtime() + timedelta(days=1)
    when = edna.locator(".field-publish_at")
    when.locator(".vDateField").fill(tomorrow.strftime("%Y-%m-%d"))
    when.locator(".vTimeField").fill("06:00:00")
    edna.get_by_role("button", name="Save", exact=True).click()
    expect(edna.locator(".messagelist .success")).to_be_visible()
    edna.goto("/admin/articles/article/")
    row = edna.locator("#result_list tr").filter(has_text="Curfew to end on Monday")
    expect(row.get_by_text("Scheduled for")).to_be_visible()

    reader = new_page()
    reader.goto("/")
    expect(reader.get_by_role("link", name="Shooting continues in Almaty").first).to_be_visible()
    expect(reader.get_by_text("Curfew to end on Monday")).to_have_count(0)
    assert rita.log.problems == [] and edna.log.problems == []
