"""A reader who posted is a reader too: the story page they get is the one every reader gets, kept in the
page cache, and the site's script brings their reply awaiting moderation into it."""

import pytest
from django.test.signals import template_rendered
from playwright.sync_api import expect

from comments.models import StoryDiscussion

from .replies import AWAITING_MODERATION, write_reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("open_for_replies"),
]


@pytest.fixture
def story_renders():
    """How many times the server has rendered a story page (the live server runs in this process)."""
    renders = []

    def count(sender, template, **kwargs):
        if template.name == "articles/story_page.html":
            renders.append(template.name)

    template_rendered.connect(count)
    yield renders
    template_rendered.disconnect(count)


def test_a_reader_who_posted_gets_the_shared_page_with_their_waiting_reply_put_in(
    seed_story, new_page, story_renders
):
    StoryDiscussion.set_rules(seed_story, None, moderation="pre")
    stranger, reader = new_page(), new_page()
    stranger.goto(seed_story.get_absolute_url())  # the page is rendered once, for everyone

    reader.goto(seed_story.get_absolute_url())
    write_reply(reader, name="Aigerim", email="aigerim.private@example.org", comment="Is the airport open tonight?")
    expect(reader.get_by_text("Thank you. Your reply is awaiting moderation.")).to_be_visible()

    rendered = len(story_renders)
    with reader.expect_response(lambda response: response.url.endswith(seed_story.get_absolute_url())) as got:
        reader.reload()
    reply = reader.locator("li.reply").filter(has_text="Is the airport open tonight?")
    expect(reply).to_be_visible()
    expect(reply.get_by_text(AWAITING_MODERATION)).to_be_visible()
    expect(reader.get_by_text("Thank you.")).to_have_count(0)
    assert len(story_renders) == rendered, "the page came from the page cache, not rendered for this reader"
    assert got.value.headers["cache-control"].startswith("public"), "a page any proxy may keep"
    assert "Is the airport open tonight?" not in got.value.text() and "csrfmiddlewaretoken" not in got.value.text()

    stranger.reload()
    expect(stranger.get_by_role("heading", name="Leave a Reply")).to_be_visible()
    expect(stranger.get_by_text("Is the airport open tonight?")).to_have_count(0)
    assert reader.log.problems == [] and stranger.log.problems == []


def test_without_javascript_a_reader_finds_their_waiting_reply_through_the_link_in_the_thread(seed_story, new_page):
    reader = new_page(javascript=False)
    reader.goto(seed_story.get_absolute_url())
    write_reply(reader, name="Aigerim", email="aigerim@example.org", comment="Written without a script.")
    expect(reader.get_by_role("heading", name="Please check and send your reply")).to_be_visible()
    reader.get_by_role("button", name="Post Comment").click()
    expect(reader.get_by_text("Thank you. Your reply is awaiting moderation.")).to_be_visible()

    reader.goto(seed_story.get_absolute_url())
    expect(reader.get_by_text("Written without a script.")).to_have_count(0)
    reader.get_by_role("link", name="Your own replies to this story").click()
    expect(reader.get_by_role("heading", name="Your replies")).to_be_visible()
    mine = reader.locator("li.reply").filter(has_text="Written without a script.")
    expect(mine.get_by_text(AWAITING_MODERATION)).to_be_visible()
    assert reader.log.problems == []
