"""Live coverage: a developing story with timestamped updates, run by editors from the live desk, watched by readers
(LIVE in lists, key events, pages of updates, each update's own address, the open page's cheap check), told to search
engines as a LiveBlogPosting while live and a NewsArticle after, with a feed of its own."""

import datetime
import json
import re
import time
from pathlib import Path
from unittest import mock
from xml.etree import ElementTree

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Author
from live.models import LiveChange, LiveUpdate
from tests.realistic_site import build_site
from tests.staff import signed_in
from tests.test_images import SECRETS, jpeg_with_secrets, path_of

pytestmark = pytest.mark.django_db

SEED_ADDRESS = "/2022/01/16/shooting-continues-in-almaty/"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.DOTALL)


@pytest.fixture(autouse=True)
def answers_not_reused(settings):
    """Each check answered afresh (in production a worker reuses its answer for a second: tested on its own)."""
    settings.NEWSROOM_LIVE_CHECK_MEMO_SECONDS = 0


@pytest.fixture
def site():
    """A dozen realistic stories; the newest is the one that goes live."""
    return build_site(12)


@pytest.fixture
def live_story(site):
    story = site[0]
    story.go_live(timezone.now() - datetime.timedelta(hours=1))
    return story


def post_update(story, when=None, **fields):
    return LiveUpdate.objects.create(
        article=story,
        body=fields.pop("body", "Police say the square is now quiet."),
        publish_at=when or timezone.now() - datetime.timedelta(minutes=1),
        **fields,
    )


def version_after(update):
    """The version of its story's coverage right after `update` was saved (LiveChange)."""
    return LiveChange.number_of(LiveChange.objects.filter(number=update.pk).latest("at").at)


def desk_url(story):
    return reverse("live-desk", args=[story.pk])


def page(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    return response.content.decode()


def structured(html):
    """The page's schema.org story block (the first JSON-LD block that is not the breadcrumbs)."""
    blocks = [json.loads(block) for block in LD_JSON.findall(html)]
    return next(block for block in blocks if block["@type"] != "BreadcrumbList")


# Editors: on and off, the live desk, rights.


def test_an_editor_starts_and_ends_live_coverage_from_the_live_desk_and_lists_show_live(client, editor, site):
    story = site[3]
    desk = signed_in(editor)
    assert "Start live coverage now" in page(desk, desk_url(story))
    assert desk.post(desk_url(story), {"action": "go_live"}).status_code == 302
    story.refresh_from_db()
    assert story.is_live and story.live_until is None
    assert '<span class="live-badge">Live</span>' in page(client, story.get_absolute_url())
    for address in ("/", story.section.get_absolute_url()):
        card = re.search(r'<span class="live-badge">Live</span>[^<]*</p>\s*<h\d[^>]*><a href="([^"]+)"', page(client, address))
        assert card and card.group(1) == story.get_absolute_url(), address

    assert desk.post(desk_url(story), {"action": "end_live"}).status_code == 302
    story.refresh_from_db()
    assert not story.is_live and story.live_coverage_ended
    assert "live-badge" not in page(client, "/")
    assert "live-badge" not in page(client, story.get_absolute_url())
    comments = [v.revision.get_comment() for v in Version.objects.get_for_object(story)[:2]]
    assert comments == ["Live coverage ended.", "Live coverage started."]


def test_live_coverage_starts_and_ends_at_its_times_though_pages_were_cached(client, site):
    story = site[0]
    starts = timezone.now() + datetime.timedelta(minutes=30)
    ends = starts + datetime.timedelta(hours=2)
    story.live_from, story.live_until = starts, ends
    story.save()
    assert "live-badge" not in page(client, "/")
    with mock.patch("django.utils.timezone.now", return_value=starts + datetime.timedelta(seconds=1)):
        assert "live-badge" in page(client, "/")
    with mock.patch("django.utils.timezone.now", return_value=ends + datetime.timedelta(seconds=1)):
        assert "live-badge" not in page(client, "/")


def test_the_story_form_takes_live_times_and_refuses_an_end_before_the_start(editor, live_story):
    from tests.test_editors_desk import edit_form

    form = edit_form(live_story, live_from_0="2026-01-02", live_from_1="10:00:00", live_until_0="2026-01-02",
                     live_until_1="09:00:00")
    response = signed_in(editor).post(reverse("admin:articles_article_change", args=[live_story.pk]), form)
    assert response.status_code == 200
    assert "Live coverage must end after it starts." in response.content.decode()


def test_an_editor_posts_an_update_in_seconds_with_picture_byline_and_key_event(client, editor, live_story):
    writer = Author.objects.get(slug="aliya-sultanova")
    upload = SimpleUploadedFile("square.jpg", jpeg_with_secrets(), content_type="image/jpeg")
    response = signed_in(editor).post(
        desk_url(live_story),
        {
            "headline": "Curfew extended",
            "body": "<p>The curfew now runs <strong>until Friday</strong>. &lt;script&gt;alert(1)&lt;/script&gt;<script>alert(2)</script></p>",
            "author": writer.pk,
            "is_key_event": "on",
            "picture": upload,
            "picture_alt": "Soldiers at a checkpoint on Republic Square",
            "picture_caption": "A checkpoint on Republic Square.",
            "action": "Post update",
        },
    )
    assert response.status_code == 302
    update = LiveUpdate.objects.get(article=live_story)
    assert update.created_by == editor and update.author == writer and update.is_key_event
    assert update.image.alt_text == "Soldiers at a checkpoint on Republic Square"
    stored = Path(path_of(update.image.file.name)).read_bytes()
    assert not any(secret in stored for secret in SECRETS)  # the picture pipeline stripped its metadata
    html = page(client, live_story.get_absolute_url())
    shown = html[html.index(f'id="update-{update.pk}"'):]
    assert "Curfew extended" in shown and "<strong>until Friday</strong>" in shown
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "By <a href=\"/author/aliya-sultanova/\">Aliya Sultanova</a>" in shown
    assert "A checkpoint on Republic Square." in shown and "Key event" in shown
    assert Version.objects.get_for_object(update).get().revision.user == editor


def test_a_rejected_update_keeps_what_was_typed_and_says_what_to_fix(editor, live_story):
    upload = SimpleUploadedFile("square.jpg", jpeg_with_secrets(), content_type="image/jpeg")
    response = signed_in(editor).post(desk_url(live_story), {"headline": "Curfew extended", "body": "", "picture": upload})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="Curfew extended"' in html
    assert "This field is required." in html and "Say what the picture shows" in html
    assert not LiveUpdate.objects.exists()


def test_an_edited_update_says_updated_with_its_correction_note_and_every_change_is_a_revision(client, editor, live_story):
    update = post_update(live_story, body="Two people were hurt.")
    desk = signed_in(editor)
    change = reverse("admin:live_liveupdate_change", args=[update.pk])
    when = timezone.localtime(update.publish_at)
    response = desk.post(change, {
        "headline": "", "body": "Three people were hurt.", "image": "", "author": "", "publish_at_0": when.strftime("%Y-%m-%d"),
        "publish_at_1": when.strftime("%H:%M:%S"), "correction_note": "An earlier version said two people were hurt.",
    })
    assert response.status_code == 302 and response["Location"] == desk_url(live_story)
    update.refresh_from_db()
    assert update.edited_at is not None
    html = page(client, live_story.get_absolute_url())
    assert "Three people were hurt." in html and "Two people were hurt." not in html
    edited = timezone.localtime(update.edited_at).strftime("%H:%M")
    assert re.search(rf'class="live-update__edited">Updated <time[^>]*>.*?{edited}</time>: An earlier version said two', html)
    versions = Version.objects.get_for_object(update)
    assert versions.count() == 1 and versions[0].revision.user == editor  # made by a script first, then this edit

    response = desk.post(reverse("admin:live_liveupdate_delete", args=[update.pk]), {"post": "yes"})
    assert response.status_code == 302 and response["Location"] == desk_url(live_story)
    assert not LiveUpdate.objects.filter(pk=update.pk).exists()
    assert "Three people were hurt." not in page(client, live_story.get_absolute_url())
    assert Version.objects.get_deleted(LiveUpdate).count() == 1  # kept in the history, recoverable


def test_an_update_scheduled_by_an_editor_is_invisible_until_its_time_though_pages_were_cached(client, editor, live_story):
    at = timezone.localtime(timezone.now() + datetime.timedelta(minutes=20)).replace(second=0, microsecond=0)
    signed_in(editor).post(desk_url(live_story), {"body": "Embargoed: the president will speak at noon.",
                                                  "publish_at": at.strftime("%Y-%m-%dT%H:%M")})
    update = LiveUpdate.objects.get()
    assert update.publish_at == at
    addresses = [live_story.get_absolute_url(), live_story.live_updates_url, live_story.live_feed_url]
    before = {address: client.get(address) for address in addresses}
    assert before[live_story.live_feed_url].status_code == 200
    for address, response in before.items():
        assert "president will speak" not in response.content.decode(), address
    assert json.loads(client.get(live_story.live_check_url).content)["version"] == 0
    assert client.get(update.get_absolute_url()).status_code == 404
    with mock.patch("django.utils.timezone.now", return_value=at + datetime.timedelta(seconds=1)):
        for address in addresses:
            assert "president will speak" in page(client, address), address
        assert json.loads(client.get(live_story.live_check_url).content) == {
            "live": True, "version": LiveChange.number_of(at), "poll": settings.NEWSROOM_LIVE_POLL_SECONDS}
        assert structured(page(client, live_story.get_absolute_url()))["liveBlogUpdate"][0]["articleBody"].startswith(
            "Embargoed")


def test_a_moderator_cannot_post_edit_or_delete_updates(client, moderator, live_story):
    update = post_update(live_story)
    moe = signed_in(moderator)
    assert moe.get(desk_url(live_story)).status_code == 403
    assert moe.post(desk_url(live_story), {"body": "Moderator was here."}).status_code == 403
    assert moe.post(desk_url(live_story), {"action": "end_live"}).status_code == 403
    assert moe.post(reverse("admin:live_liveupdate_add"), {"article": live_story.pk, "body": "x"}).status_code == 403
    assert moe.post(reverse("admin:live_liveupdate_change", args=[update.pk]), {"body": "Changed"}).status_code == 403
    assert moe.post(reverse("admin:live_liveupdate_delete", args=[update.pk]), {"post": "yes"}).status_code == 403
    assert list(LiveUpdate.objects.values_list("body", flat=True)) == ["Police say the square is now quiet."]
    live_story.refresh_from_db()
    assert live_story.is_live
    assert "Moderator was here." not in page(client, live_story.get_absolute_url())


def test_a_reporter_cannot_post_to_a_published_story_nor_switch_coverage(reporter, live_story):
    rita = signed_in(reporter)
    assert rita.post(desk_url(live_story), {"body": "Reporter's update"}).status_code == 403
    assert rita.post(desk_url(live_story), {"action": "end_live"}).status_code == 403
    assert not LiveUpdate.objects.exists()


def test_the_story_form_links_the_live_desk_only_for_those_who_may_post(django_user_model, editor, live_story):
    from django.contrib.auth.models import Permission

    reader = django_user_model.objects.create_user("vera", password="pw-for-tests-1", is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    change_page = reverse("admin:articles_article_change", args=[live_story.pk])
    assert ">Live desk</a>" in page(signed_in(editor), change_page)
    assert ">Live desk</a>" not in page(signed_in(reader), change_page)
    assert signed_in(reader).get(desk_url(live_story)).status_code == 403


def test_a_reporter_may_post_to_a_draft_they_may_still_change_but_not_switch_it_live(reporter, site):
    draft = site[6]
    draft.status = Article.Status.DRAFT
    draft.save()
    rita = signed_in(reporter)
    assert rita.post(desk_url(draft), {"body": "Notes from the scene."}).status_code == 302
    assert list(draft.live_updates.values_list("body", flat=True)) == ["Notes from the scene."]
    assert ">Live desk</a>" in page(rita, reverse("admin:articles_article_change", args=[draft.pk]))
    assert "Start live coverage now" not in page(rita, desk_url(draft))
    assert rita.post(desk_url(draft), {"action": "go_live"}).status_code == 403


def test_the_seed_story_can_be_turned_live_by_an_editor_and_back(client, editor):
    call_command("load_seed_story")
    story = Article.objects.get(headline="Shooting continues in Almaty")
    assert structured(page(client, SEED_ADDRESS))["@type"] == "NewsArticle"
    desk = signed_in(editor)
    desk.post(desk_url(story), {"action": "go_live"})
    desk.post(desk_url(story), {"body": "Gunfire is heard again near the airport.", "is_key_event": "on"})
    html = page(client, SEED_ADDRESS)
    data = structured(html)
    assert data["@type"] == "LiveBlogPosting" and "coverageEndTime" not in data
    assert data["liveBlogUpdate"][0]["articleBody"] == "Gunfire is heard again near the airport."
    assert '<span class="live-badge">Live</span>' in html and "Leave a Reply" in html  # replies stay open
    desk.post(desk_url(story), {"action": "end_live"})
    html = page(client, SEED_ADDRESS)
    assert structured(html)["@type"] == "NewsArticle" and "live-badge" not in html
    assert "Gunfire is heard again near the airport." in html  # the updates stay on the page
    assert "data-live-check" not in html and "js/live.js" not in html  # an ended story is not polled


# Readers: the page of updates.


def test_updates_are_newest_first_with_time_and_ago_and_key_events_link_to_them(client, live_story):
    now = timezone.now()
    old = post_update(live_story, now - datetime.timedelta(minutes=50), body="Troops arrive at the airport.", is_key_event=True)
    post_update(live_story, now - datetime.timedelta(minutes=20), body="Shops reopen on Abay Avenue.")
    new = post_update(live_story, now - datetime.timedelta(minutes=5), headline="President speaks", body="A speech.",
                      is_key_event=True)
    html = page(client, live_story.get_absolute_url())
    assert html.index("President speaks") < html.index("Shops reopen") < html.index("Troops arrive")
    assert re.search(rf'id="update-{new.pk}".*?<time datetime="{re.escape(new.publish_at.isoformat())}', html, re.DOTALL)
    assert "5 minutes ago" in html
    events = re.search(r'<nav class="key-events".*?</nav>', html, re.DOTALL).group(0)
    assert re.findall(r'href="([^"]+)"', events) == [new.get_absolute_url(), old.get_absolute_url()]
    assert "President speaks" in events and "Troops arrive at the airport." in events
    assert "Shops reopen" not in events


def test_a_story_page_with_many_updates_is_paginated_and_an_update_address_finds_its_page(client, settings, live_story):
    settings.NEWSROOM_LIVE_UPDATES_PER_PAGE = 5
    now = timezone.now()
    updates = [post_update(live_story, now - datetime.timedelta(minutes=60 - n), body=f"Update number {n}.") for n in range(12)]
    first = page(client, live_story.get_absolute_url())
    assert "Update number 11." in first and "Update number 6." not in first
    assert "Page 1 of 3" in first and 'href="?updates=2#live-updates">Older updates' in first
    oldest = updates[0]
    response = client.get(oldest.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"{live_story.get_absolute_url()}?updates=3#update-{oldest.pk}"
    assert f'id="update-{oldest.pk}"' in page(client, response["Location"].split("#")[0])
    assert client.get(updates[-1].get_absolute_url())["Location"] == f"{live_story.get_absolute_url()}#update-{updates[-1].pk}"
    assert client.get(live_story.get_absolute_url() + "?updates=4").status_code == 404
    assert client.get(live_story.get_absolute_url() + "?updates=x").status_code == 404
    for made_up in [str(updates[-1].pk + 1000), "9" * 40]:
        assert client.get(f"{live_story.live_updates_url}{made_up}/").status_code == 404


def test_a_live_story_with_its_updates_keeps_the_story_pages_query_budget(client, django_assert_max_num_queries, live_story, site):
    from tests.test_pages import STORY_PAGE_QUERIES, rendered

    plain = rendered(client, site[5].get_absolute_url())
    with django_assert_max_num_queries(STORY_PAGE_QUERIES):
        assert client.get(plain).status_code == 200
    for n in range(30):
        post_update(live_story, body=f"Update {n}", is_key_event=n % 5 == 0)
    live = rendered(client, live_story.get_absolute_url())
    with django_assert_max_num_queries(STORY_PAGE_QUERIES):
        assert client.get(live).status_code == 200


# The open page's check and the new updates.


def test_the_update_check_is_cheap_the_same_for_everyone_and_answers_304_while_nothing_changes(
    client, editor, live_story, django_assert_max_num_queries
):
    post_update(live_story)
    with django_assert_max_num_queries(1):
        first = client.get(live_story.live_check_url)
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert f"max-age={settings.NEWSROOM_LIVE_CHECK_MAX_AGE}" in first["Cache-Control"] and "public" in first["Cache-Control"]
    with django_assert_max_num_queries(0):
        again = client.get(live_story.live_check_url, HTTP_IF_NONE_MATCH=first["ETag"])
        since = client.get(live_story.live_check_url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304 and since.status_code == 304
    assert signed_in(editor).get(live_story.live_check_url).content == first.content  # no one is told more
    assert "Set-Cookie" not in first and "Vary" not in first

    newer = post_update(live_story, body="Another update.")
    changed = client.get(live_story.live_check_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and json.loads(changed.content)["version"] == version_after(newer)


def test_the_update_check_takes_constant_queries_however_many_updates(client, live_story, django_assert_max_num_queries):
    for n in range(200):
        post_update(live_story, body=f"Update {n}")
    latest = version_after(LiveUpdate.objects.latest("pk"))
    with django_assert_max_num_queries(1):
        assert json.loads(client.get(live_story.live_check_url).content)["version"] == latest


def test_the_update_check_says_when_coverage_has_ended(client, live_story):
    assert json.loads(client.get(live_story.live_check_url).content)["live"] is True
    live_story.end_live()
    assert json.loads(client.get(live_story.live_check_url).content)["live"] is False


def test_only_public_stories_have_updates_to_check(client, live_story):
    live_story.take_down()
    for address in (live_story.live_check_url, live_story.live_updates_url, live_story.live_feed_url):
        assert client.get(address).status_code == 404


def test_poll_interval_and_cache_lifetimes_add_up_to_under_15_seconds():
    from newsroom import settings as configured

    figures = [configured.NEWSROOM_LIVE_POLL_SECONDS, configured.NEWSROOM_LIVE_CHECK_MEMO_SECONDS,
               configured.NEWSROOM_LIVE_CHECK_MAX_AGE]
    assert sum(figures) < 15, figures


def test_a_busy_worker_reuses_its_check_answer_for_a_second_without_asking_the_shared_cache(
    client, settings, live_story, django_assert_max_num_queries
):
    settings.NEWSROOM_LIVE_CHECK_MEMO_SECONDS = 1
    first = client.get(live_story.live_check_url)
    with mock.patch("pagecache.generation", side_effect=AssertionError("the shared cache was asked")):
        with django_assert_max_num_queries(0):
            again = client.get(live_story.live_check_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    post_update(live_story)
    later = timezone.now() + datetime.timedelta(seconds=2)
    with mock.patch("time.monotonic", return_value=time.monotonic() + 2), mock.patch(
        "django.utils.timezone.now", return_value=later
    ):
        assert json.loads(client.get(live_story.live_check_url).content)["version"] > 0


def test_the_live_page_tells_its_script_where_to_ask_and_how_often(client, live_story):
    update = post_update(live_story)
    html = page(client, live_story.get_absolute_url())
    assert f'data-live-check="{live_story.live_check_url}"' in html
    assert f'data-live-poll="{settings.NEWSROOM_LIVE_POLL_SECONDS}"' in html
    assert f'data-live-version="{version_after(update)}"' in html
    assert re.search(r'<script src="/static/js/live\.js" defer></script>', html)
    assert 'aria-live="polite"' in html


# Search engines and the feed.


def test_a_live_story_is_a_live_blog_posting_with_its_updates_and_a_news_article_after(client, live_story):
    now = timezone.now()
    first = post_update(live_story, now - datetime.timedelta(minutes=9), headline="Curfew", body="<p>Curfew from <em>nine</em>.</p>")
    post_update(live_story, now - datetime.timedelta(minutes=2), body="Calm returns to the square.")
    data = structured(page(client, live_story.get_absolute_url()))
    assert data["@type"] == "LiveBlogPosting"
    assert data["dateModified"] == data["liveBlogUpdate"][0]["datePublished"]  # the newest update moves the story's
    assert data["coverageStartTime"] == live_story.live_from.isoformat() and "coverageEndTime" not in data
    assert data["headline"] == live_story.headline and data["publisher"]["name"] == settings.NEWSROOM_SITE_NAME
    newest, oldest = data["liveBlogUpdate"]
    assert newest["@type"] == "BlogPosting" and newest["headline"] == "Calm returns to the square."
    assert oldest == {
        "@type": "BlogPosting",
        "headline": "Curfew",
        "datePublished": first.publish_at.isoformat(),
        "dateModified": first.publish_at.isoformat(),
        "articleBody": "Curfew from nine.",
        "url": f"{settings.NEWSROOM_SITE_URL}{live_story.get_absolute_url()}#update-{first.pk}",
    }

    ends = timezone.now() + datetime.timedelta(hours=1)
    live_story.live_until = ends
    live_story.save()
    assert structured(page(client, live_story.get_absolute_url()))["coverageEndTime"] == ends.isoformat()
    with mock.patch("django.utils.timezone.now", return_value=ends + datetime.timedelta(seconds=1)):
        html = page(client, live_story.get_absolute_url())
    data = structured(html)
    assert data["@type"] == "NewsArticle" and "liveBlogUpdate" not in data and "coverageStartTime" not in data
    assert data["dateModified"] == (now - datetime.timedelta(minutes=2)).isoformat()  # still the newest update's time
    assert "Calm returns to the square." in html and "Live coverage ended" in html


def test_the_updates_have_a_feed_of_their_own_linked_from_the_story(client, live_story):
    update = post_update(live_story, headline="Airport reopens", body="<p>Flights resume <em>tomorrow</em>.</p>")
    html = page(client, live_story.get_absolute_url())
    assert f'<link rel="alternate" type="application/atom+xml" title="{live_story.headline}: live updates (Atom)" ' \
           f'href="{live_story.live_feed_url}">' in html
    feed = ElementTree.fromstring(client.get(live_story.live_feed_url).content)
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert [entry.findtext(f"{atom}title") for entry in entries] == ["Airport reopens"]
    assert entries[0].find(f"{atom}link").get("href").endswith(update.get_absolute_url())
    assert "<em>tomorrow</em>" in entries[0].findtext(f"{atom}summary")


def test_a_story_without_updates_links_no_updates_feed(client, site):
    assert "updates/feed/" not in page(client, site[4].get_absolute_url())
