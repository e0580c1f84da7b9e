"""Privacy-first embeds in the browser: a story with a video and a post from elsewhere asks nothing of anyone but
the site until the reader presses the card's button; then only the provider's frame loads, sandboxed. Every
request the page makes is recorded; the providers' hosts are answered by a stub here, so nothing leaves the
machine. Without JavaScript the card is a plain link."""

import datetime
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from live.models import LiveUpdate
from tests.stories import make_story

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

VIDEO_BUTTON = "Show the video from YouTube: this loads content from youtube.com"
POST_BUTTON = "Show the post from X: this loads content from x.com"


@pytest.fixture
def story_with_embeds():
    story = make_story("Floods reach the capital", body="<p>The river rose overnight.</p><p>https://youtu.be/dQw4w9WgXcQ</p><p>More soon.</p>")
    story.go_live(timezone.now() - datetime.timedelta(hours=1))
    LiveUpdate.objects.create(article=story, body="<p>https://x.com/newsroom/status/1865432101234567890</p>",
                              publish_at=timezone.now() - datetime.timedelta(minutes=2))
    return story


def recorded(page, live_server):
    """Every request the page makes, in order; any host but the site's is answered by a stub page, never the network."""
    origin = urlsplit(live_server.url).netloc
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    def answer(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            route.fulfill(status=200, content_type="text/html", body="<p>Stub of the provider's embed page</p>")

    page.route("**/*", answer)
    return requests, origin


def test_an_embed_requests_nothing_from_its_provider_until_the_reader_presses_its_button(page, live_server, story_with_embeds):
    requests, origin = recorded(page, live_server)
    page.goto(story_with_embeds.get_absolute_url())
    video = page.get_by_role("button", name=VIDEO_BUTTON)
    expect(video).to_be_visible()
    expect(page.get_by_role("button", name=POST_BUTTON)).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert {urlsplit(url).netloc for url in requests} == {origin}, "only the site itself is asked before the press"

    video.click()
    frame = page.locator("iframe.embed__frame")
    expect(frame).to_have_count(1)
    expect(page.frame_locator("iframe.embed__frame").get_by_text("Stub of the provider's embed page")).to_be_visible()
    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert "allow-scripts" in frame.get_attribute("sandbox") and "allow-top-navigation" not in frame.get_attribute("sandbox")
    others = {urlsplit(url).netloc for url in requests} - {origin}
    assert others == {"www.youtube-nocookie.com"}, "only the frame the reader asked for, not the post beside it"
    assert not page.log.problems, page.log.problems  # no CSP violation, no script error


def test_without_javascript_an_embed_is_a_plain_link(new_page, live_server, story_with_embeds):
    page = new_page(javascript=False)
    requests, origin = recorded(page, live_server)
    page.goto(story_with_embeds.get_absolute_url())
    expect(page.get_by_role("link", name="https://youtu.be/dQw4w9WgXcQ")).to_be_visible()
    expect(page.get_by_role("button", name=VIDEO_BUTTON)).to_be_hidden()
    assert {urlsplit(url).netloc for url in requests} == {origin}
