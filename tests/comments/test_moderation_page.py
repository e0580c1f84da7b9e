"""The moderation page: queues and their counts, what each reply shows, decisions with buttons (and as
the keyboard's script sends them), undo, per-story rules, and a constant number of queries."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments.models import UNDO_SECONDS, Ban, Comment, ModerationEvent, Report, StoryDiscussion
from comments.moderation import moderator
from tests.comments.support import make_reply, make_staff, post_reply, report, rules
from tests.stories import make_story

pytestmark = pytest.mark.django_db
PAGE = "/admin/comments/comment/moderate/"
DECIDE = PAGE + "decide/"
UNDO = PAGE + "undo/"


def items(html):
    """The replies the page lists, by id, in order."""
    import re

    return [int(pk) for pk in re.findall(r'<li class="mod-item[^"]*" id="comment-(\d+)"', html)]


def count_of(html, queue):
    import re

    return int(re.search(rf'data-count="{queue}">(\d+)<', html).group(1))


def test_queues_are_counted_site_wide_and_for_one_story(desk, story):
    other = make_story("Markets reopen")
    waiting = [make_reply(story, status=Comment.Status.PENDING) for _ in range(3)]
    make_reply(other, status=Comment.Status.PENDING)
    reported = make_reply(story)
    report(reported, "spam")
    featured = make_reply(other, is_featured=True)
    make_reply(story, status=Comment.Status.SPAM)
    make_reply(other, status=Comment.Status.REMOVED)

    html = desk.get(PAGE).content.decode()
    counts = {queue: count_of(html, queue) for queue in ("new", "reported", "featured", "spam", "removed", "all")}
    assert counts == {"new": 4, "reported": 1, "featured": 1, "spam": 1, "removed": 1, "all": 8}
    assert sorted(items(html)) == sorted([reply.pk for reply in waiting] + [Comment.objects.get(article=other, status="pending").pk])

    one_story = desk.get(PAGE, {"story": story.pk}).content.decode()
    assert {queue: count_of(one_story, queue) for queue in ("new", "reported", "featured", "all")} == {
        "new": 3, "reported": 1, "featured": 0, "all": 5,
    }
    assert f"Moderate replies to “{story.headline}”" in one_story
    assert items(desk.get(PAGE, {"queue": "reported"}).content.decode()) == [reported.pk]
    assert items(desk.get(PAGE, {"queue": "featured"}).content.decode()) == [featured.pk]


def test_newest_or_oldest_first(desk, story):
    replies = [
        make_reply(story, status=Comment.Status.PENDING, created_at=timezone.now() - timedelta(minutes=n)) for n in range(3)
    ]
    assert items(desk.get(PAGE).content.decode()) == [reply.pk for reply in replies]
    assert items(desk.get(PAGE, {"order": "oldest"}).content.decode()) == [reply.pk for reply in reversed(replies)]
    for odd in ({"queue": "nonsense"}, {"order": "sideways"}, {"story": "x"}, {"story": "99999999999999999999"}, {"page": "-3"}):
        assert desk.get(PAGE, odd).status_code == 200, odd


def test_each_reply_shows_its_story_the_reply_it_answers_its_badges_and_its_authors_history(desk, story, client):
    rules(max_links=1)
    parent = make_reply(story, name="Dana", body="The trams have stopped on Abay Avenue.")
    make_reply(story, email="yerlan@example.org", status=Comment.Status.REMOVED)
    make_reply(story, email="yerlan@example.org", status=Comment.Status.APPROVED)
    post_reply(
        client, story, name="Yerlan", email="yerlan@example.org", ip="192.0.2.50", parent=parent.pk,
        body="See https://a.example and https://b.example for the timetable.",
    )
    held = Comment.objects.get(name="Yerlan")
    approved = make_reply(story, name="Reported Reply", email="first.timer@example.org", ip_address="192.0.2.99")
    report(approved, "abusive", browser="b1")
    report(approved, "other", note="Names my neighbour", browser="b2")
    report(approved, "abusive", browser="b3")
    Ban.objects.create(email="yerlan@example.org", reason="Spam links", until=timezone.now() + timedelta(days=3))

    html = desk.get(PAGE).content.decode()
    card = _card(html, held.pk)
    for shown in (
        story.headline, story.get_absolute_url(), "In reply to <strong>Dana</strong>", "The trams have stopped",
        "Held: 2 links (more than 1)", "1 other reply removed", "First reply from this IP address",
        "1 approved, 1 removed, 0 spam, 0 waiting",
        "yerlan@example.org", "192.0.2.50", "Author suspended until",
    ):
        assert shown in card, shown
    assert "First reply from this email" not in card

    card = _card(desk.get(PAGE, {"queue": "reported"}).content.decode(), approved.pk)
    assert "Reported 3 times: Abusive or hateful (2), Something else · “Names my neighbour”" in card
    assert "First reply from this email" in card and "Keep <kbd>a</kbd>" in card


def _token(client):
    """The random token behind a test client's signed reply cookie."""
    from comments import browser

    request = type("Request", (), {"COOKIES": {browser.TOKEN_COOKIE: client.cookies[browser.TOKEN_COOKIE].value}})
    return browser.author_token(request)


def _card(html, pk):
    start = html.index(f'id="comment-{pk}"')
    return html[start : html.index("</li>", html.index("</form>", start))]


def test_the_email_and_address_are_shown_only_to_staff_with_the_right_to_change_replies(django_user_model, story):
    make_reply(story, email="private.reader@example.org", ip_address="192.0.2.7", status=Comment.Status.PENDING)
    viewer = django_user_model.objects.create_user("vera", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client = Client()
    client.force_login(viewer)
    html = client.get(PAGE).content.decode()
    assert "Stored reply" in html
    assert "private.reader@example.org" not in html and "192.0.2.7" not in html
    assert 'name="decision"' not in html
    assert client.post(DECIDE, {"reply": Comment.objects.get().pk, "decision": "approve"}).status_code == 403


def test_editors_cannot_open_the_moderation_page(django_user_model, story):
    client = Client()
    client.force_login(make_staff(django_user_model, "eddie", "Editors"))
    assert client.get(PAGE).status_code == 403
    reply = make_reply(story, status=Comment.Status.PENDING)
    assert client.post(DECIDE, {"reply": reply.pk, "decision": "approve"}).status_code == 403
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_the_page_takes_the_same_queries_for_one_reply_as_for_a_full_page(desk, story, django_assert_max_num_queries):
    make_reply(story, status=Comment.Status.PENDING)
    desk.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        assert desk.get(PAGE).status_code == 200
    budget = len(few)

    stories = [make_story() for _ in range(5)]
    for n in range(60):
        parent = make_reply(stories[n % 5], email=f"author{n % 7}@example.org", unmoderated=True)
        reply = make_reply(
            stories[n % 5], parent=parent, email=f"author{n % 7}@example.org", ip_address=f"192.0.2.{n % 9}",
            status=Comment.Status.PENDING,
        )
        ModerationEvent.objects.create(comment=reply, action="verdict", to_status="pending", note="every reply waits")
        report(parent, "spam", browser=f"reader-{n}")
    Ban.objects.create(email="author3@example.org", reason="Spam")
    Ban.objects.create(ip_address="192.0.2.4", reason="Spam")
    for queue in ("new", "unmoderated", "reported", "all"):
        with django_assert_max_num_queries(budget):
            response = desk.get(PAGE, {"queue": queue})
        assert len(items(response.content.decode())) == 50
    with django_assert_max_num_queries(budget + 3):  # one story: the story, its rules, their closer
        assert desk.get(PAGE, {"story": stories[0].pk}).status_code == 200


@pytest.mark.parametrize(
    ("decision", "status", "featured"),
    [("approve", "approved", False), ("remove", "removed", False), ("spam", "spam", False), ("feature", "approved", True)],
)
def test_each_button_decides_records_and_goes_back_to_the_queue(desk, mona, story, decision, status, featured):
    reply = make_reply(story, status=Comment.Status.PENDING)
    here = PAGE + "?queue=new"
    data = {"reply": reply.pk, "decision": decision, "next": here}
    if decision in ("remove", "spam"):  # without JavaScript, a page asks why first, then sends the decision on
        asked = desk.post(DECIDE, data).content.decode()
        assert "Why " in asked and f'name="next" value="{here}"' in asked.replace("&amp;", "&")
        assert Comment.objects.get().status == Comment.Status.PENDING
        data |= {"asked": "1", "reason": "offensive"}
    response = desk.post(DECIDE, data)
    assert response.status_code == 303 and response["Location"] == here
    reply.refresh_from_db()
    assert (reply.status, reply.is_featured) == (status, featured)
    event = reply.events.get()
    assert (event.moderator, event.from_status, event.to_status) == (mona, "pending", status)
    page = desk.get(here).content.decode()
    assert reply.pk not in items(page)
    assert "Undo</button>" in page and f'name="event" value="{event.pk}"' in page  # the undo without JavaScript


def test_a_decision_asked_for_by_the_script_answers_json_with_the_new_counts(desk, story):
    replies = [make_reply(story, status=Comment.Status.PENDING) for _ in range(2)]
    response = desk.post(
        DECIDE, {"reply": replies[0].pk, "decision": "approve", "queue": "new", "story": str(story.pk)},
        HTTP_ACCEPT="application/json",
    )
    data = json.loads(response.content)
    assert data["decided"] and data["counts"]["new"] == 1 and data["undo_seconds"] == UNDO_SECONDS
    assert data["event"] == replies[0].events.get().pk
    assert desk.post(DECIDE, {"reply": replies[0].pk, "decision": "wave"}).status_code == 400
    assert desk.post(DECIDE, {"reply": "x", "decision": "approve"}).status_code == 400
    assert desk.post(DECIDE, {"reply": "999999", "decision": "approve"}).status_code == 404


def test_keeping_a_reported_reply_dismisses_its_reports_and_removing_one_upholds_them(desk, story):
    kept, removed = make_reply(story), make_reply(story)
    for reply in (kept, removed):
        report(reply, "abusive", browser="b1")
        report(reply, "spam", browser="b2")
    desk.post(DECIDE, {"reply": kept.pk, "decision": "approve"})
    desk.post(DECIDE, {"reply": removed.pk, "decision": "remove", "reason": "attack"})
    assert set(kept.reports.values_list("upheld", flat=True)) == {False}
    assert set(removed.reports.values_list("upheld", flat=True)) == {True}
    assert kept.events.last().note == "2 reports dismissed" and kept.events.last().to_status == "approved"
    assert removed.events.last().note == "2 reports upheld"
    assert Comment.objects.in_queue("reported").count() == 0


def test_undo_puts_the_reply_back_as_it_was_for_a_few_seconds(desk, mona, story, monkeypatch):
    reply = make_reply(story)
    desk.post(DECIDE, {"reply": reply.pk, "decision": "feature"})
    desk.post(DECIDE, {"reply": reply.pk, "decision": "unfeature"})
    report(reply, "spam")
    desk.post(DECIDE, {"reply": reply.pk, "decision": "spam", "reason": "spam"})
    assert Comment.objects.get().status == "spam" and reply.reports.get().upheld is True
    spam = reply.events.filter(to_status="spam").get()

    response = desk.post(UNDO, {"event": spam.pk}, HTTP_ACCEPT="application/json")
    assert json.loads(response.content)["undone"]
    reply.refresh_from_db()
    assert reply.status == "approved" and reply.reports.get().resolved_at is None, "its report is open again"
    undo = reply.events.last()
    assert (undo.action, undo.moderator, undo.undoes, undo.to_status) == ("undo", mona, spam, "approved")
    assert desk.post(UNDO, {"event": spam.pk}, HTTP_ACCEPT="application/json").status_code == 409, "only once"

    unfeature = reply.events.get(action="unfeature")
    assert desk.post(UNDO, {"event": unfeature.pk}).status_code == 303
    assert not Comment.objects.get().is_featured, "a decision taken before another is not undone over it"

    later = timezone.now() + timedelta(seconds=UNDO_SECONDS + 1)
    desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "reason": "duplicate"})
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert desk.post(UNDO, {"event": reply.events.last().pk}, HTTP_ACCEPT="application/json").status_code == 409
    assert Comment.objects.get().status == "removed"


def test_a_moderator_cannot_undo_a_colleagues_decision(desk, django_user_model, story):
    reply = make_reply(story, status=Comment.Status.PENDING)
    event = moderator.decide(reply, "approve", make_staff(django_user_model, "cole", "Moderators"))
    assert desk.post(UNDO, {"event": event.pk}, HTTP_ACCEPT="application/json").status_code == 409
    assert Comment.objects.get().status == "approved"


def test_featuring_a_waiting_reply_approves_it_and_undo_takes_both_back(desk, story):
    reply = make_reply(story, status=Comment.Status.PENDING)
    event = moderator.decide(reply, "feature", None)
    reply.refresh_from_db()
    assert (reply.status, reply.is_featured, event.action) == ("approved", True, "feature")
    event.undo(None)
    reply.refresh_from_db()
    assert (reply.status, reply.is_featured) == ("pending", False)


def test_a_story_can_be_pre_moderated_post_moderated_or_closed_now(desk, mona, story):
    reader = Client()
    rules(hold_all=False)
    rules_url = f"{PAGE}story/{story.pk}/"

    desk.post(rules_url, {"moderation": "pre", "save": ""})
    post_reply(reader, story, body="Pre-moderated.", ip="192.0.2.1")
    assert Comment.objects.get(body="Pre-moderated.").status == "pending"
    assert "pre-moderation on this story" in ModerationEvent.objects.get(comment__body="Pre-moderated.").note

    desk.post(rules_url, {"moderation": "post", "save": ""})
    post_reply(reader, story, body="Post-moderated, seen at once.", ip="192.0.2.2")
    post_reply(reader, story, body="Held anyway: https://a.example https://b.example https://c.example", ip="192.0.2.3")
    assert Comment.objects.get(body="Post-moderated, seen at once.").status == "approved"
    assert Comment.objects.get(body__startswith="Held anyway").status == "pending"
    assert "Post-moderated, seen at once." in Client().get(story.get_absolute_url()).content.decode()

    page = Client().get(story.get_absolute_url()).content.decode()
    assert "Post Comment" in page
    response = desk.post(rules_url, {"moderation": "post", "close": "", "next": f"{PAGE}?story={story.pk}"})
    assert response.status_code == 303 and response["Location"] == f"{PAGE}?story={story.pk}"
    discussion = StoryDiscussion.for_story(story)
    assert discussion.closed_by == mona and discussion.closed_at is not None
    page = Client().get(story.get_absolute_url()).content.decode()
    assert "Post Comment" not in page and "Comments are closed." in page, "the cached page changed at once"
    assert post_reply(reader, story, ip="192.0.2.4").status_code == 403
    assert "Reopen replies" in desk.get(PAGE, {"story": story.pk}).content.decode()

    desk.post(rules_url, {"moderation": "", "reopen": ""})
    assert "Post Comment" in Client().get(story.get_absolute_url()).content.decode()
    assert StoryDiscussion.for_story(story).moderation == ""


def test_editors_cannot_change_a_storys_rules(django_user_model, story):
    client = Client()
    client.force_login(make_staff(django_user_model, "eddie", "Editors"))
    assert client.post(f"{PAGE}story/{story.pk}/", {"close": ""}).status_code == 403
    assert StoryDiscussion.for_story(story).closed_at is None


def test_the_moderation_page_is_linked_from_the_list_of_replies(desk):
    assert f'href="{PAGE}"' in desk.get("/admin/comments/comment/").content.decode()


def test_reports_settled_by_bulk_actions_too(desk, story):
    reply = make_reply(story)
    report(reply, "spam")
    desk.post("/admin/comments/comment/", {"action": "remove", "reason": "other", "_selected_action": [reply.pk]})
    assert Report.objects.get().upheld is True


def test_featuring_on_the_replys_own_page_is_recorded_too(desk, mona, story):
    reply = make_reply(story)
    desk.post(
        f"/admin/comments/comment/{reply.pk}/change/",
        {
            "status": "approved", "is_featured": "on", "name": reply.name, "email": reply.email, "website": "",
            "body": reply.body, "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
            "reports-TOTAL_FORMS": "0", "reports-INITIAL_FORMS": "0",
        },
    )
    event = reply.events.get()
    assert (event.action, event.moderator) == ("feature", mona) and Comment.objects.get().is_featured
    assert "featured-title" in Client().get(story.get_absolute_url()).content.decode()


def _comparable(response):
    """A page's status and text without its CSRF tokens (masked anew for every answer)."""
    import re

    return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def _stories_not_public():
    """One story in each state a reader cannot see, each with a reply waiting."""
    from articles.models import Article

    now = timezone.now()
    stories = {
        "draft": make_story("Embargoed draft headline", slug="embargoed-draft", status=Article.Status.DRAFT),
        "in review": make_story("Embargoed review headline", slug="embargoed-review", status=Article.Status.REVIEW),
        "scheduled": make_story("Embargoed scheduled headline", slug="embargoed-scheduled", publish_at=now + timedelta(days=1)),
        "taken down": make_story("Withdrawn headline", slug="withdrawn-story", status=Article.Status.TAKEN_DOWN),
        "past its take-down time": make_story("Expired headline", slug="expired-story", expire_at=now - timedelta(minutes=1)),
    }
    for hidden in stories.values():
        make_reply(hidden, status=Comment.Status.PENDING, body=f"A reply waiting on the {hidden.slug}.".replace("-", " "))
    return stories


def test_a_moderator_asking_for_a_story_that_is_not_public_gets_the_answer_for_a_story_that_does_not_exist(desk, story):
    make_reply(story, status=Comment.Status.PENDING)
    hidden = _stories_not_public()
    missing = max(s.pk for s in hidden.values()) + 1000
    expected = _comparable(desk.get(PAGE, {"story": missing}))
    assert expected[0] == 200 and "Moderate replies to" not in expected[1]
    for state, hidden_story in hidden.items():
        assert _comparable(desk.get(PAGE, {"story": hidden_story.pk})) == expected, state
        for queue in ("all", "reported"):
            assert _comparable(desk.get(PAGE, {"story": hidden_story.pk, "queue": queue})) == _comparable(
                desk.get(PAGE, {"story": missing, "queue": queue})
            ), state
        assert desk.post(f"{PAGE}story/{hidden_story.pk}/", {"moderation": "pre"}).status_code == 404, state
    assert desk.post(f"{PAGE}story/{missing}/", {"moderation": "pre"}).status_code == 404
    assert not StoryDiscussion.objects.filter(moderation="pre").exists()

    # The whole site's queue lists their replies, and names none of their stories.
    html = desk.get(PAGE, {"queue": "all"}).content.decode()
    assert html.count("On a story that is not public") == len(hidden)
    for state, hidden_story in hidden.items():
        assert hidden_story.headline not in html and hidden_story.slug not in html, state
        reply = hidden_story.comments.get()
        decided = desk.post(DECIDE, {"reply": reply.pk, "decision": "approve", "story": hidden_story.pk}, HTTP_ACCEPT="application/json")
        elsewhere = desk.post(UNDO, {"event": json.loads(decided.content)["event"], "story": missing}, HTTP_ACCEPT="application/json")
        assert json.loads(decided.content)["counts"]["all"] == json.loads(elsewhere.content)["counts"]["all"] == 6, state
        ban_page = desk.get(f"/admin/comments/comment/{reply.pk}/ban/").content.decode()
        assert "on a story that is not public" in ban_page
        assert hidden_story.headline not in ban_page and hidden_story.slug not in ban_page, state


def test_staff_who_may_see_the_story_still_see_its_headline(django_user_model):
    from django.contrib.auth.models import Group

    hidden = _stories_not_public()
    chief = make_staff(django_user_model, "chief", "Moderators")
    chief.groups.add(Group.objects.get(name="Editors"))
    client = Client()
    client.force_login(chief)
    draft = hidden["draft"]
    html = client.get(PAGE, {"story": draft.pk}).content.decode()
    assert f"Moderate replies to “{draft.headline}”" in html and draft.get_absolute_url() in html
    all_stories = client.get(PAGE).content.decode()
    assert all(hidden_story.headline in all_stories for hidden_story in hidden.values())


ODD_VALUES = ["²", "١٢", "-1", "0", "1.5", " 7", "1e3", "9" * 40, "\x00", "7\x00", "x" * 10_000, ""]


@pytest.mark.parametrize("odd", ODD_VALUES, ids=lambda odd: repr(odd[:12]))
def test_odd_values_in_the_address_or_a_form_never_give_a_server_error(desk, story, odd):
    reply = make_reply(story, status=Comment.Status.PENDING)
    for name in ("story", "page", "queue", "order"):
        assert desk.get(PAGE, {name: odd}).status_code == 200, name
    assert desk.get(PAGE, {"story": [odd, str(story.pk), odd], "page": [odd, odd], "queue": ["new", odd]}).status_code == 200
    assert desk.post(DECIDE, {"reply": odd, "decision": "approve"}).status_code == 400
    assert desk.post(DECIDE, {"reply": reply.pk, "decision": odd}).status_code == 400
    assert desk.post(UNDO, {"event": odd}, HTTP_ACCEPT="application/json").status_code == 409
    assert desk.post(UNDO, {"event": [odd, odd]}).status_code == 303
    assert desk.get(f"/admin/comments/comment/{reply.pk}/ban/", {"next": odd}).status_code == 200
    assert desk.post(f"/admin/comments/comment/{reply.pk}/ban/", {"next": odd, "reason": odd, "length": odd}).status_code == 200
    assert desk.post(f"{PAGE}story/{story.pk}/", {"moderation": odd, "next": odd}).status_code == 303
    assert not Ban.objects.exists()
    answer = desk.post(
        DECIDE, {"reply": reply.pk, "decision": "approve", "story": odd, "queue": odd, "page": odd, "next": odd},
        HTTP_ACCEPT="application/json",
    )
    assert desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "reason": odd, "next": odd}).status_code == 200
    odd_note = desk.post(DECIDE, {"reply": reply.pk, "decision": "spam", "reason": "spam", "note": odd, "next": odd})
    assert odd_note.status_code == (303 if odd.isprintable() and len(odd) <= 200 else 200)  # asked again, with why
    assert desk.post(DECIDE, {"reply": reply.pk, "decision": "remove", "reason": "other", "next": odd}).status_code == 303
    assert answer.status_code == 200 and json.loads(answer.content)["counts"]["all"] == 1
    assert Comment.objects.get().status == Comment.Status.REMOVED


def test_numbers_past_any_id_find_nothing(desk, story):
    reply = make_reply(story, status=Comment.Status.PENDING)
    huge = "9" * 30
    assert desk.post(f"{PAGE}story/{huge}/", {"moderation": "pre"}).status_code == 404
    assert desk.get(f"/admin/comments/comment/{huge}/ban/").status_code == 404
    assert desk.post(DECIDE, {"reply": str(2**63), "decision": "approve"}).status_code == 400
    assert desk.post(DECIDE, {"reply": "9" * 18, "decision": "approve"}).status_code == 404
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.PENDING


def test_nothing_on_the_page_tells_who_reported_a_reply(desk, story, client):
    """A reporter's browser is the same browser that wrote their replies: nothing shown about an author may
    move when they report (a count of "reports made" would name the reporter to the moderator)."""
    post_reply(client, story, name="Yerlan", body="My own reply, waiting.")
    author = Comment.objects.get(name="Yerlan")
    reported = make_reply(story, name="Someone Else", body="A reply Yerlan will report.")

    def authors_card():
        return _comparable(desk.get(PAGE, {"queue": "all"}))[1].split(f'id="comment-{author.pk}"')[1].split("</li>\n    <li")[0]

    before = authors_card()
    report(reported, "abusive", note="Nasty", browser=_token(client))
    assert authors_card() == before
    desk.post(DECIDE, {"reply": reported.pk, "decision": "remove", "reason": "offensive"})
    assert authors_card() == before, "nor when the report is upheld"
    assert "Reports made" not in desk.get(PAGE, {"queue": "all"}).content.decode()
