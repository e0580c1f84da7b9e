"""The editor's path in /admin/: upload a picture, publish a story with it, schedule another."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image as PillowImage
from PIL import ImageDraw
from playwright.sync_api import expect

from articles.models import Article
from tests.e2e.writing import write_in_editor

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ALT_TEXT = "A queue of people outside a bank with its shutters down"
CAPTION = "Traders wait outside a closed bank in Almaty."


@pytest.fixture
def photo(tmp_path):
    """A small JPEG, as a photographer would send it."""
    path = tmp_path / "bank-queue.jpg"
    picture = PillowImage.new("RGB", (800, 600), (70, 110, 150))
    ImageDraw.Draw(picture).rectangle((100, 300, 700, 560), fill=(200, 180, 120))
    picture.save(path, "JPEG", quality=85)
    return path


@pytest.fixture
def desk(seed_story, page, editor, log_in):
    """An editor logged into /admin/, with the seed story's section "World" to file under."""
    return log_in(page, editor)


def choose(page, field, search, option):
    """Pick a value in one of admin's autocomplete boxes: open it, type, click the match."""
    page.locator(f".field-{field} .select2-selection").click()
    page.locator(".select2-dropdown .select2-search__field").fill(search)  # the open box's, not a many-valued field's own
    page.get_by_role("option", name=option).click()


def open_add_form(page, model_link, add_link):
    page.goto("/admin/")
    page.get_by_role("rowheader", name=model_link, exact=True).get_by_role("link").click()
    page.get_by_role("link", name=add_link).click()


def write_story(page, *, headline, body, publish_at=None):
    open_add_form(page, "Articles", re.compile(r"^Add article"))
    choose(page, "section", "Wor", "World")
    page.get_by_label("Kicker:").fill("Kazakhstan")
    page.get_by_label("Headline:").press_sequentially(headline)
    expect(page.get_by_label("Slug:")).not_to_have_value("")
    write_in_editor(page, "Body:", body)
    page.get_by_label("Status:").select_option(label="Published")
    if publish_at:
        # Admin's split date and time boxes have no labels of their own, only the words "Date:" and "Time:".
        when = page.locator(".field-publish_at")
        when.locator(".vDateField").fill(publish_at.strftime("%Y-%m-%d"))
        when.locator(".vTimeField").fill(publish_at.strftime("%H:%M:%S"))
    return page


def save(page):
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def test_editor_uploads_a_picture_and_publishes_a_story_with_it(desk, photo, new_page, screenshot):
    open_add_form(desk, "Images", re.compile(r"^Add image"))
    desk.get_by_label("Picture:").set_input_files(photo)
    desk.get_by_label("Alt text:").fill(ALT_TEXT)
    desk.get_by_label("Caption:").fill(CAPTION)
    save(desk)

    write_story(
        desk, headline="Banks reopen in Almaty", body="The banks opened again on Monday.\n\n## Queues\n\nLong ones."
    )
    choose(desk, "lead_image", "Traders", CAPTION)
    screenshot(desk, "editor-story-form")
    save(desk)
    assert desk.log.problems == [], "the editor's browser reported errors or failed requests in the admin"

    reader = new_page()
    reader.goto("/")
    reader.get_by_role("link", name="Banks reopen in Almaty").first.click()
    expect(reader.get_by_role("heading", level=1, name="Banks reopen in Almaty")).to_be_visible()
    figure = reader.locator("article figure").first
    expect(figure.get_by_role("img", name=ALT_TEXT)).to_be_visible()
    expect(figure.locator("figcaption")).to_contain_text(CAPTION)
    expect(reader.get_by_role("heading", level=2, name="Queues")).to_be_visible()
    assert reader.log.problems == [], "the browser reported errors or failed requests"


def test_scheduled_story_stays_off_the_front_page_until_its_time(desk, new_page):
    tomorrow = timezone.localtime() + timedelta(days=1)
    write_story(desk, headline="Curfew to end on Monday", body="The curfew ends at dawn.", publish_at=tomorrow)
    save(desk)

    story = Article.objects.get(headline="Curfew to end on Monday")
    assert story.is_scheduled()
    reader = new_page()
    reader.goto("/")
    expect(reader.get_by_role("link", name="Shooting continues in Almaty").first).to_be_visible()
    expect(reader.get_by_text("Curfew to end on Monday")).to_have_count(0)
    assert reader.goto(story.get_absolute_url()).status == 404
