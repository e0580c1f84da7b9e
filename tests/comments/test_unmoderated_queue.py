"""Nothing published unseen: a reply published before any moderator read it (post-moderation, a returning
author) waits in the Unmoderated queue until one approves or removes it; reports still come first."""

import re

import pytest
from django.test import Client

import pagecache
from comments.models import Comment, StoryDiscussion
from comments.moderation import moderator
from tests.comments.support import post_reply, report, rules

pytestmark = pytest.mark.django_db
PAGE = "/admin/comments/comment/moderate/"
DECIDE = PAGE + "decide/"


@pytest.fixture
def heard(monkeypatch):
    """The page-cache keys each committed change moved."""
    moved = []
    monkeypatch.setattr(pagecache.versions, "_listeners", [moved.append])
    return moved


def listed(html):
    return [int(pk) for pk in re.findall(r'<li class="mod-item[^"]*" id="comment-(\d+)"', html)]


def tab_count(html, queue):
    return int(re.search(rf'data-count="{queue}">(\d+)<', html).group(1))


def test_a_reply_published_under_post_moderation_waits_in_the_unmoderated_queue_until_a_moderator_reads_it(
    desk, story, django_capture_on_commit_callbacks, heard
):
    StoryDiscussion.set_rules(story, None, moderation="post")
    post_reply(Client(), story, name="Dana", body="Published at once.")
    reply = Comment.objects.get(name="Dana")
    assert (reply.status, reply.unmoderated) == (Comment.Status.APPROVED, True)
    assert "Published at once." in Client().get(story.get_absolute_url()).content.decode()

    html = desk.get(PAGE, {"queue": "unmoderated"}).content.decode()
    assert tab_count(html, "unmoderated") == 1 and tab_count(html, "new") == 0
    assert listed(html) == [reply.pk] and "Published before a moderator read it" in html

    heard.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert desk.post(DECIDE, {"reply": reply.pk, "decision": "approve"}).status_code == 303
    assert not any(f"replies-{story.pk}" in keys for keys in heard), "readers' pages are still the same"
    reply.refresh_from_db()
    assert (reply.status, reply.unmoderated) == (Comment.Status.APPROVED, False)
    assert reply.events.last().describe() == "Approved" and reply.events.last().moderator.username == "mona"
    html = desk.get(PAGE, {"queue": "unmoderated"}).content.decode()
    assert tab_count(html, "unmoderated") == 0 and listed(html) == []


def test_removing_an_unmoderated_reply_takes_it_off_the_story(desk, story, django_capture_on_commit_callbacks, heard):
    StoryDiscussion.set_rules(story, None, moderation="post")
    post_reply(Client(), story, name="Dana", body="Words to take down.")
    reply = Comment.objects.get(name="Dana")
    with django_capture_on_commit_callbacks(execute=True):
        desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "reason": "offensive"})
    assert any(f"replies-{story.pk}" in keys for keys in heard)
    assert "Words to take down." not in Client().get(story.get_absolute_url()).content.decode()
    assert Comment.objects.in_queue("unmoderated").count() == 0


def test_a_returning_authors_reply_published_at_once_is_unmoderated_and_a_staff_reply_is_not(desk, mona, story):
    rules(hold_all=False)
    browser = Client()
    post_reply(browser, story, email="back@example.org", body="First, held.")
    moderator.decide(Comment.objects.get(body="First, held."), "approve", mona)
    post_reply(browser, story, email="back@example.org", body="Second, published at once.")
    second = Comment.objects.get(body="Second, published at once.")
    assert (second.status, second.unmoderated) == (Comment.Status.APPROVED, True)
    assert not Comment.objects.get(body="First, held.").unmoderated, "approved from the New queue: read"

    post_reply(desk, story, body="From the desk.")  # a signed-in staff member writing on the story page
    staff = Comment.objects.get(body="From the desk.")
    assert staff.is_by_staff and staff.is_public and not staff.unmoderated
    assert list(Comment.objects.in_queue("unmoderated")) == [second]


def test_reports_jump_the_unmoderated_queue_and_an_undone_approval_puts_the_reply_back(desk, mona, story):
    StoryDiscussion.set_rules(story, None, moderation="post")
    for n in range(3):
        post_reply(Client(), story, name=f"Reader {n}", body=f"Unread words {n}.")
    first, reported, newest = Comment.objects.order_by("pk")
    report(reported, "abusive")
    html = desk.get(PAGE, {"queue": "unmoderated"}).content.decode()
    assert listed(html) == [reported.pk, newest.pk, first.pk]
    assert listed(desk.get(PAGE, {"queue": "reported"}).content.decode()) == [reported.pk]

    approval = moderator.decide(newest, "approve", mona)
    assert Comment.objects.in_queue("unmoderated").count() == 2
    moderator.undo(approval.pk, mona)
    newest.refresh_from_db()
    assert newest.unmoderated and newest.status == Comment.Status.APPROVED

    assert Comment.objects.filter(pk__in=[first.pk, newest.pk]).moderate(Comment.Status.APPROVED, mona) == 2
    assert Comment.objects.in_queue("unmoderated").get() == reported
    assert Comment.objects.queue_counts(["unmoderated", "reported", "all"]) == {"unmoderated": 1, "reported": 1, "all": 3}


def test_a_moderator_reading_the_story_marks_an_unmoderated_reply_as_read_there(desk, story):
    StoryDiscussion.set_rules(story, None, moderation="post")
    post_reply(Client(), story, name="Dana", body="Read on the story page.")
    reply = Comment.objects.get(name="Dana")
    label = "Mark Dana’s reply as read"
    assert label in desk.get(story.get_absolute_url()).content.decode()
    assert label not in Client().get(story.get_absolute_url()).content.decode()
    desk.post(DECIDE, {"reply": reply.pk, "decision": "approve", "next": story.get_absolute_url()})
    assert label not in desk.get(story.get_absolute_url()).content.decode()
    assert not Comment.objects.in_queue("unmoderated").exists()


def test_a_reply_held_for_its_score_waits_in_new_and_is_not_unmoderated(desk, mona, story):
    """Scores (comments/scores.py) hold a reply: it was published to no one, so it is New, never Unmoderated,
    even where its author sees it as published (a returning author)."""
    StoryDiscussion.set_rules(story, None, moderation="post")
    rude = "You are a fucking idiot, shut up."
    post_reply(Client(), story, name="Rude", body=rude)
    held = Comment.objects.get(name="Rude")
    assert (held.status, held.unmoderated) == (Comment.Status.PENDING, False)
    html = desk.get(PAGE, {"queue": "new"}).content.decode()
    assert (tab_count(html, "new"), tab_count(html, "unmoderated")) == (1, 0)
    assert listed(html) == [held.pk] and "Likely offensive" in html

    StoryDiscussion.set_rules(story, None, moderation=StoryDiscussion.Moderation.SITE)
    rules(hold_all=False)
    browser = Client()
    post_reply(browser, story, email="back@example.org", body="First, held.")
    moderator.decide(Comment.objects.get(body="First, held."), "approve", mona)
    post_reply(browser, story, email="back@example.org", body=rude + " Again.")
    again = Comment.objects.get(body=rude + " Again.")
    assert (again.status, again.looks_published, again.unmoderated) == (Comment.Status.PENDING, True, False)
    moderator.decide(again, "approve", mona)
    again.refresh_from_db()
    assert (again.status, again.unmoderated) == (Comment.Status.APPROVED, False)
    assert not Comment.objects.in_queue("unmoderated").exists()


def test_the_unmoderated_queue_by_highest_score_keeps_reported_replies_first(desk, story):
    StoryDiscussion.set_rules(story, None, moderation="post")
    for n in range(3):
        post_reply(Client(), story, name=f"Reader {n}", body=f"Unread words {n}.")
    low, reported, high = Comment.objects.order_by("pk")
    Comment.objects.filter(pk=low.pk).update(offensive_score=0.1, spam_score=0.2)
    Comment.objects.filter(pk=reported.pk).update(offensive_score=0.05, spam_score=0.05)
    Comment.objects.filter(pk=high.pk).update(offensive_score=0.3, spam_score=0.8)
    report(reported, "abusive")
    html = desk.get(PAGE, {"queue": "unmoderated", "order": "score"}).content.decode()
    assert listed(html) == [reported.pk, high.pk, low.pk]
    assert listed(desk.get(PAGE, {"queue": "unmoderated", "order": "oldest"}).content.decode()) == [
        reported.pk, low.pk, high.pk,
    ]
