"""Open pages of a live story follow every change (new, edited, deleted, moved, pinned updates, the key events and
"What we know") by asking what changed since the version they hold; readers choose the order and key events only;
times carry the day when coverage runs over more than one."""

import datetime
import json
import re
import threading
import time

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from live.models import LiveChange, LiveSummary, LiveUpdate
from tests.staff import signed_in
from tests.stories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def answers_not_reused(settings):
    settings.NEWSROOM_LIVE_CHECK_MEMO_SECONDS = 0


@pytest.fixture
def story():
    story = make_story("Floods in the valley")
    story.go_live(timezone.now() - datetime.timedelta(hours=3))
    return story


def post(story, body, minutes_ago=1, **fields):
    return LiveUpdate.objects.create(
        article=story, body=body, publish_at=timezone.now() - datetime.timedelta(minutes=minutes_ago), **fields
    )


def version(client, story):
    """The version an open page holds: the one its check answers."""
    return json.loads(client.get(story.live_check_url).content)["version"]


def changes(client, story, since):
    response = client.get(story.live_updates_url, {"since": since} if since else {})
    assert response.status_code == 200, response.status_code
    return json.loads(response.content)


def test_an_edit_a_deletion_and_a_new_update_in_one_poll_all_reach_an_open_page(client, story):
    kept, dropped = post(story, "Water rises on the river.", 10), post(story, "A bridge is closed.", 5)
    held = version(client, story)
    assert changes(client, story, held) == {"version": held, "days": False, "upserts": [], "deleted": []}

    dropped_number = dropped.pk
    dropped.delete()
    new = post(story, '<p><a href="javascript:alert(1)">Click</a> <strong>Evacuations</strong> begin.</p>')
    kept.body, kept.correction_note = "Water rises fast on the river.", "It rose faster than first reported."
    kept.save()
    answer = changes(client, story, held)
    assert answer["version"] == version(client, story) > held
    assert answer["deleted"] == [dropped_number]
    upserts = {change["id"]: change for change in answer["upserts"]}
    assert set(upserts) == {kept.pk, new.pk}
    assert "<strong>Evacuations</strong>" in upserts[new.pk]["html"] and "javascript:" not in upserts[new.pk]["html"]
    assert upserts[new.pk]["at"] == new.publish_at.isoformat()
    edited = upserts[kept.pk]["html"]
    assert "Water rises fast" in edited and re.search(r"Updated <time.*?</time>: It rose faster than first reported", edited)
    assert not {"key_events", "pinned", "summary"} & set(answer)  # none of them moved
    assert changes(client, story, answer["version"])["upserts"] == []


def test_a_backdated_update_and_one_moved_in_time_reach_an_open_page_with_the_time_they_sort_by(client, story):
    moved = post(story, "Rain stops.", 5)
    held = version(client, story)
    backdated = post(story, "Overnight, the dam was breached.", 300)
    moved.publish_at -= datetime.timedelta(hours=1)
    moved.save()
    upserts = {change["id"]: change["at"] for change in changes(client, story, held)["upserts"]}
    assert upserts == {backdated.pk: backdated.publish_at.isoformat(), moved.pk: moved.publish_at.isoformat()}


def test_an_update_moved_to_later_leaves_open_pages_now_and_comes_back_at_its_time(client, story):
    update = post(story, "Schools close.", 5)
    held = version(client, story)
    update.publish_at = timezone.now() + datetime.timedelta(minutes=30)
    update.save()
    assert changes(client, story, held)["deleted"] == [update.pk]


def test_the_key_events_the_pinned_update_and_the_summary_come_again_only_when_they_moved(client, story):
    update = post(story, "Army deployed.", 5)
    held = version(client, story)
    update.is_key_event = True
    update.save()
    answer = changes(client, story, held)
    assert "Army deployed." in answer["key_events"] and "pinned" not in answer and "summary" not in answer

    held = answer["version"]
    update.pinned = True
    update.save()
    answer = changes(client, story, held)
    assert re.search(r"Pinned update.*Army deployed\.", answer["pinned"], re.DOTALL)
    assert 'id="pinned-update-' in answer["pinned"]  # its own ids: the update is in the list too

    held = answer["version"]
    other = post(story, "Roads reopen.", pinned=True)
    update.refresh_from_db()
    assert not update.pinned and LiveUpdate.objects.filter(pinned=True).get() == other  # one pinned at most
    answer = changes(client, story, held)
    assert "Roads reopen." in answer["pinned"] and "Army deployed." not in answer["pinned"]

    held = answer["version"]
    LiveSummary.objects.create(article=story, body="<ul><li>3 dead</li><li><script>alert(1)</script> 2,000 evacuated</li></ul>")
    answer = changes(client, story, held)
    assert "What we know" in answer["summary"] and "<li>3 dead</li>" in answer["summary"]
    assert "<script>" not in answer["summary"] and set(answer) == {"version", "days", "upserts", "deleted", "summary"}


def test_what_changed_is_one_cacheable_page_per_version_and_made_up_versions_are_not_found(
    client, story, django_assert_max_num_queries
):
    for n in range(30):
        post(story, f"Update {n}.", 60 - n, is_key_event=n % 3 == 0, pinned=n == 4)
    LiveSummary.objects.create(article=story, body="Many things.")
    with django_assert_max_num_queries(6):
        response = client.get(story.live_updates_url)
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    assert "Set-Cookie" not in response and "Cookie" not in response.get("Vary", "")
    assert client.get(story.live_updates_url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert client.get(story.live_updates_url + "?since=0").status_code == 301
    held = version(client, story)
    for made_up in ["x", "-1", "1e3", "٣", str(held + 1), str(held - 1), "9" * 40, "1\x00", "0" + str(held)]:
        assert client.get(story.live_updates_url, {"since": made_up}).status_code in (301, 404), made_up
    assert client.get(story.live_updates_url, {"since": "0" + str(held)})["Location"].endswith(f"?since={held}")


def test_a_story_with_updates_can_be_deleted(story):
    post(story, "Something.")
    story.delete()
    assert not LiveChange.objects.exists()


def test_the_summary_and_the_pinned_update_open_the_story_and_the_desk_keeps_the_summary(client, editor, story):
    post(story, "Older news.", 30, pinned=True)
    post(story, "Newest news.", 1)
    desk = signed_in(editor)
    response = desk.post(reverse("live-desk", args=[story.pk]), {"action": "summary", "summary-body": "<p><strong>Five</strong> towns flooded.</p>"})
    assert response.status_code == 302
    html = client.get(story.get_absolute_url()).content.decode()
    html = html[html.index("<body"):]
    summary_at = timezone.localtime(LiveSummary.objects.get().updated_at).strftime("%H:%M")
    assert re.search(rf"What we know</h2>\s*<p[^>]*>Updated <time[^>]*>.*?{summary_at}</time>", html)
    assert html.index("<strong>Five</strong> towns") < html.index("Pinned update") < html.index("Older news.")
    assert html.index("Pinned update") < html.index("story__body") < html.index("Newest news.")
    assert html.count("Older news.") == 2  # pinned, and in its place among the updates


def test_readers_choose_oldest_first_or_key_events_only_each_a_canonical_page(client, story, settings):
    settings.NEWSROOM_LIVE_UPDATES_PER_PAGE = 2
    for n in range(5):
        post(story, f"Update number {n}.", 50 - n, is_key_event=n in (1, 3))
    address = story.get_absolute_url()
    newest = client.get(address).content.decode()
    assert newest.index("Update number 4.") < newest.index("Update number 3.")
    oldest = client.get(address + "?order=oldest").content.decode()
    assert oldest.index("Update number 0.") < oldest.index("Update number 1.") and "Update number 4." not in oldest
    assert 'href="?order=oldest&amp;updates=2#live-updates">Later updates' in oldest
    assert re.search(r'aria-current="page">Oldest first', oldest)
    key = client.get(address + "?show=key").content.decode()
    listed = key[key.index('id="live-update-list"'):]
    assert "Update number 3." in listed and "Update number 1." in listed and "Update number 2." not in listed
    assert 'href="?order=oldest&amp;show=key#live-updates"' in key and ">All updates</a>" in key
    for written_otherwise, canonical in [("?order=newest", ""), ("?order=OLDEST", "?order=oldest"), ("?show=all", ""),
                                         ("?show=Key", "?show=key")]:
        response = client.get(address + written_otherwise)
        assert response.status_code == 301 and response["Location"] == address + canonical, written_otherwise
    for nonsense in ["?order=sideways", "?show=keys", "?order=oldest&order=oldest", "?show=%00"]:
        assert client.get(address + nonsense).status_code == 404, nonsense


def when(update):
    """How an update's time is written: its day (shown only when coverage runs over days), then the hour."""
    local = timezone.localtime(update.publish_at)
    return f'<span class="live-day">{local.day} {local:%b} </span>{local:%H:%M}</time>'


def test_times_carry_the_day_only_when_coverage_runs_over_more_than_one_day(client, story):
    now = post(story, "Just now.", 1)
    html = client.get(story.get_absolute_url()).content.decode()
    assert when(now) in html and "live--days" not in html
    before = post(story, "The day before.", 24 * 60 + 1, is_key_event=True)
    html = client.get(story.get_absolute_url()).content.decode()
    assert when(now) in html and when(before) in html
    assert 'class="live live--days"' in html and 'id="live-key-events" class="live-box live--days"' in html


def test_a_page_far_behind_is_asked_to_reload_rather_than_sent_every_update(client, story, monkeypatch):
    monkeypatch.setattr("live.views.MOST_CHANGES", 3)
    held = version(client, story)
    for n in range(4):
        post(story, f"Update {n}.")
    answer = changes(client, story, held)
    assert answer["reload"] is True and "upserts" not in answer


def test_the_pinned_update_from_an_older_page_and_the_summary_keep_the_story_pages_query_budget(
    client, story, settings, django_assert_max_num_queries
):
    from tests.test_pages import STORY_PAGE_QUERIES, rendered

    settings.NEWSROOM_LIVE_UPDATES_PER_PAGE = 5
    for n in range(12):
        post(story, f"Update number {n}.", 60 - n, pinned=n == 0, is_key_event=n % 4 == 0)
    LiveSummary.objects.create(article=story, body="What is known.")
    address = rendered(client, story.get_absolute_url())
    with django_assert_max_num_queries(STORY_PAGE_QUERIES):
        html = client.get(address).content.decode()
    assert "What is known." in html and re.search(r"Pinned update.*Update number 0\.", html, re.DOTALL)
    assert "Update number 1." not in html  # the pinned one's neighbours stay on their page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # committed, for the threads; keeps migrated rows
def test_a_page_that_asks_while_two_of_the_desk_save_at_once_misses_neither_change(client):
    """The summary is saved first, so dated first, but commits last, while a colleague's update commits at once: a
    page that asked between the two commits still gets the summary (changes to one story commit in the order of
    their times, LiveChange.now_in_order)."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite takes one writer at a time: two saves at once need PostgreSQL")
    story = make_story("Storm over the coast")
    story.go_live(timezone.now() - datetime.timedelta(hours=1))
    held = version(client, story)
    first_saved, second_done = threading.Event(), threading.Event()

    def save_the_summary_and_commit_late():
        try:
            with transaction.atomic():
                LiveSummary.objects.create(article=story, body="<ul><li>Two ports closed</li></ul>")
                first_saved.set()
                second_done.wait(timeout=3)  # commits after the update, or once that has waited 3 s for it
        finally:
            connection.close()

    def post_an_update():
        try:
            first_saved.wait(timeout=10)
            post(story, "Ferries stop running.")
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=save_the_summary_and_commit_late), threading.Thread(target=post_an_update)]
    for thread in threads:
        thread.start()
    first_saved.wait(timeout=10)
    time.sleep(0.5)  # the update has committed by now, unless it waits for the summary
    asked = version(client, story)  # an open page's check between the two commits
    for thread in threads:
        thread.join()
    answer = changes(client, story, asked)
    assert "Two ports closed" in answer.get("summary", ""), f"held {held}, asked {asked}: {answer}"
    assert version(client, story) > held
