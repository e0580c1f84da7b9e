"""Privacy-first embeds: a lone link to a post, a video or a map becomes a card with the source's name, the link and
a button saying where the content comes from; the frame's address is built from the parsed link only; the page
itself asks nothing of the provider (no frame, no script of theirs) and the CSP names their hosts for frames only.
Stories' bodies and live updates alike; feeds keep the plain link."""

import datetime
import re

import pytest
from django.utils import timezone

from live.models import LiveUpdate
from sanitize import render_markdown
from sanitize.embeds import FRAME_SOURCES, with_embeds
from tests.stories import make_story

FRAME = re.compile(r'data-embed="([^"]*)"')

EMBEDDED = {
    "https://x.com/newsroom/status/1865432101234567890":
        ("https://platform.twitter.com/embed/Tweet.html?id=1865432101234567890&amp;dnt=true",
         "Show the post from X: this loads content from x.com"),
    "https://twitter.com/newsroom/status/42?s=20":
        ("https://platform.twitter.com/embed/Tweet.html?id=42&amp;dnt=true", "Show the post from X"),
    "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10":
        ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "Show the video from YouTube: this loads content from youtube.com"),
    "https://youtu.be/dQw4w9WgXcQ": ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "Show the video from YouTube"),
    "https://www.youtube.com/shorts/dQw4w9WgXcQ": ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "YouTube"),
    "https://vimeo.com/76979871": ("https://player.vimeo.com/video/76979871?dnt=1", "Show the video from Vimeo"),
    "https://bsky.app/profile/newsroom.bsky.social/post/3kq2zvxa7ab2c":
        ("https://embed.bsky.app/embed/newsroom.bsky.social/app.bsky.feed.post/3kq2zvxa7ab2c", "Show the post from Bluesky"),
    "https://mastodon.social/@newsroom/113456789012345678":
        ("https://mastodon.social/@newsroom/113456789012345678/embed",
         "Show the post from Mastodon: this loads content from mastodon.social"),
    "https://www.instagram.com/p/C0dEaBc123x/":
        ("https://www.instagram.com/p/C0dEaBc123x/embed/", "Show the post from Instagram"),
    "https://www.openstreetmap.org/?mlat=43.2383&mlon=76.9453#map=15/43.2383/76.9453":
        ("https://www.openstreetmap.org/export/embed.html?bbox=", "Show the map from OpenStreetMap"),
}

NOT_EMBEDDED = [
    "http://x.com/newsroom/status/1",  # not https
    "https://x.com.evil.example/newsroom/status/1",  # a look-alike host
    "https://evilx.com/newsroom/status/1",
    "https://user:pass@x.com/newsroom/status/1",  # credentials in the link
    "https://x.com:8443/newsroom/status/1",  # another port
    "https://x.com/newsroom",  # a profile, not a post
    "https://x.com/newsroom/status/1%22onload=alert(1)",
    "https://www.youtube.com/watch?v=short",  # not a video id
    "https://www.youtube.com/watch?v=dQw4w9WgXc%22",
    "https://vimeo.com/channels/staffpicks",
    "https://bsky.app/profile/..%2F..%2Fevil/post/abc",
    "https://mastodon.evil.example/@newsroom/1",  # a server the CSP does not name
    "https://mastodon.social/@newsroom/../../evil/1",
    "https://www.instagram.com/newsroom/",
    "https://www.openstreetmap.org/#map=15/999/76.9",  # no such latitude
    "https://www.openstreetmap.org/",
    "https://example.org/some/article",
]


def test_each_provider_s_link_becomes_a_card_with_its_name_the_link_and_a_button_saying_where_it_loads_from():
    for link, (frame, words) in EMBEDDED.items():
        html = with_embeds(render_markdown(link))
        assert html.startswith("<figure class=\"embed"), link
        assert FRAME.search(html)[1].startswith(frame), link
        assert words in html, link
        assert f'href="{link.replace("&", "&amp;")}"' in html, "the card keeps the plain link"
        assert "<iframe" not in html and "<script" not in html


def test_a_link_in_text_or_to_anything_else_stays_a_plain_link():
    for link in NOT_EMBEDDED:
        for html in (render_markdown(link), render_markdown(f"[The post]({link})\n\nhttps://example.org/")):
            assert with_embeds(html) == html, link
    sentence = render_markdown("Watch it here: https://youtu.be/dQw4w9WgXcQ tonight.")
    assert with_embeds(sentence) == sentence
    marked = render_markdown("[The video](https://youtu.be/dQw4w9WgXcQ)")
    assert ">The video</a>" in with_embeds(marked), "a link's own words are kept on the card"


@pytest.mark.django_db
def test_the_frame_comes_only_from_hosts_the_csp_names_and_the_csp_names_them_for_frames_only(client):
    hosts = {re.match(r"https://[^/]+", FRAME.search(with_embeds(render_markdown(link)))[1])[0] for link in EMBEDDED}
    assert hosts <= set(FRAME_SOURCES)
    make_story("Embedded", body="<p>Before.</p><p>https://youtu.be/dQw4w9WgXcQ</p><p>After.</p>")
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if " " in part.strip())
    assert "https://www.youtube-nocookie.com" in directives["frame-src"]
    for name, sources in directives.items():
        if name != "frame-src":
            assert "youtube" not in sources and "twitter" not in sources, name


@pytest.mark.django_db
def test_a_story_and_a_live_update_show_the_card_and_the_feed_keeps_the_plain_link(client):
    story = make_story("Embedded video", body="<p>Before.</p><p>https://youtu.be/dQw4w9WgXcQ</p><p>After.</p>")
    story.go_live(timezone.now() - datetime.timedelta(hours=1))
    LiveUpdate.objects.create(article=story, body='<p><a href="https://x.com/newsroom/status/42">x.com/newsroom</a></p>',
                              publish_at=timezone.now() - datetime.timedelta(minutes=1))
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Show the video from YouTube: this loads content from youtube.com" in page
    assert "Show the post from X: this loads content from x.com" in page
    assert "<iframe" not in page and "js/embeds.js" in page
    assert not re.search(r'(src|href)="https://[^"]*(nocookie|platform\.twitter)', page), "nothing of theirs is loaded"
    feed = client.get(story.live_feed_url).content.decode()
    assert "https://x.com/newsroom/status/42" in feed and "embed__show" not in feed
