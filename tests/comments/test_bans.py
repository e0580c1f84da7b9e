"""Bans and suspensions by email and by IP address: set from a reply or by hand, listed with who and why,
lifted; a banned author's replies go to spam, answered exactly like anyone's held reply."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from comments.models import Ban, Comment, ModerationEvent
from tests.comments.support import make_reply, make_staff, post_reply
from tests.comments.test_security import comparable

pytestmark = pytest.mark.django_db


def test_a_banned_emails_reply_goes_to_spam_and_is_answered_like_any_held_reply(story, mona):
    Ban.objects.create(email="Spammer@Example.org ", reason="Casino links", created_by=mona)
    mail.outbox.clear()
    banned = post_reply(Client(), story, email="spammer@example.org", body="Buy now.", ip="198.51.100.1")
    anyone = post_reply(Client(), story, email="someone@example.org", body="A plain reply.", ip="198.51.100.2")
    assert comparable(banned)[:2] == comparable(anyone)[:2] and comparable(banned)[3] == comparable(anyone)[3]
    reply = Comment.objects.get(body="Buy now.")
    assert reply.status == Comment.Status.SPAM
    assert reply.events.get().note == "Ban by email (banned until lifted): Casino links"
    assert not [m for m in mail.outbox if "Buy now." in m.body], "moderators are not asked about a banned author"


def test_a_banned_address_is_answered_like_anyone_too(story):
    Ban.objects.create(ip_address="198.51.100.9", reason="Flooding", until=timezone.now() + timedelta(days=1))
    banned_browser, other_browser = Client(), Client()
    banned = post_reply(banned_browser, story, body="From the banned address.", ip="198.51.100.9")
    anyone = post_reply(other_browser, story, body="From elsewhere.", ip="198.51.100.10")
    assert (banned.status_code, banned["Location"].split("#")[0]) == (anyone.status_code, anyone["Location"].split("#")[0])
    assert Comment.objects.get(body="From the banned address.").status == Comment.Status.SPAM
    # Its author sees it exactly as a held reply's author does.
    own = banned_browser.get(banned["Location"]).content.decode()
    assert "Thank you. Your reply is awaiting moderation." in own and "From the banned address." in own


def test_no_answer_tells_whether_an_email_is_banned(story):
    """The privacy promise: a prober trying emails from their own browser learns nothing."""
    Ban.objects.create(email="known@example.org", reason="Abuse")
    answers = []
    for guess in ("known@example.org", "unknown@example.org"):
        prober = Client()
        response = post_reply(prober, story, email=guess, body="Probing words.", ip="198.51.100.66")
        followed = prober.get(response["Location"])
        answers.append((comparable(response, guess), comparable(followed, guess)))
    assert answers[0] == answers[1]


def test_a_suspension_ends_by_itself_and_a_lifted_ban_is_recorded(story, mona, monkeypatch):
    suspension = Ban.objects.create(email="sus@example.org", reason="Heated", until=timezone.now() + timedelta(days=1))
    reply = make_reply(story, email="sus@example.org")
    ban = Ban.objects.create(ip_address="192.0.2.200", reason="Spam", comment=reply, created_by=mona)
    assert set(Ban.objects.active()) == {suspension, ban}
    later = timezone.now() + timedelta(days=1, minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert list(Ban.objects.active()) == [ban]
    assert ban.lift(mona) and not ban.lift(mona)
    assert not Ban.objects.active().exists()
    lifted = reply.events.get(action=ModerationEvent.Action.LIFT)
    assert (lifted.moderator, lifted.note) == (mona, "Ban by IP address lifted")
    post_reply(Client(), story, email="sus@example.org", ip="192.0.2.200", body="Back again.")
    assert Comment.objects.get(body="Back again.").status == Comment.Status.PENDING


def test_a_moderator_bans_a_spammer_from_their_reply_and_their_waiting_replies_go_to_spam(desk, mona, story):
    reply = make_reply(story, name="Spammy", email="spam@example.org", ip_address="192.0.2.31", status="pending")
    other = make_reply(story, email="spam@example.org", status="pending")
    same_address = make_reply(story, email="alias@example.org", ip_address="192.0.2.31", status="pending")
    innocent = make_reply(story, email="reader@example.org", status="pending")
    url = f"/admin/comments/comment/{reply.pk}/ban/?next=/admin/comments/comment/moderate/%3Fqueue%3Dnew"
    form = desk.get(url).content.decode()
    assert "By email: spam@example.org" in form and "By IP address: 192.0.2.31" in form and "autofocus" in form

    refused = desk.post(url, {"length": "", "reason": "", "spam_waiting": "on"})
    assert "This field is required." in refused.content.decode() and not Ban.objects.exists()
    none_chosen = desk.post(url, {"reason": "x", "length": ""}).content.decode()
    assert "Choose the email, the IP address, the browser, or more than one." in none_chosen

    response = desk.post(
        url, {"by_email": "on", "by_ip": "on", "length": "7", "reason": "Casino links", "spam_waiting": "on",
              "next": "/admin/comments/comment/moderate/?queue=new"},
    )
    assert response.status_code == 303 and response["Location"] == "/admin/comments/comment/moderate/?queue=new"
    bans = list(Ban.objects.order_by("pk"))
    assert [(b.email, b.ip_address, b.created_by, b.reason, b.comment) for b in bans] == [
        ("spam@example.org", None, mona, "Casino links", reply),
        ("", "192.0.2.31", mona, "Casino links", reply),
    ]
    assert timedelta(days=6, hours=23) < bans[0].until - timezone.now() <= timedelta(days=7)
    for spammed in (reply, other, same_address):
        spammed.refresh_from_db()
        assert spammed.status == Comment.Status.SPAM
    innocent.refresh_from_db()
    assert innocent.status == Comment.Status.PENDING
    event = reply.events.get(action=ModerationEvent.Action.BAN)
    assert event.moderator == mona and "3 waiting replies marked spam" in event.note and "Casino links" in event.note
    assert "spam@example.org" not in event.note, "the history names no email"

    page = desk.get("/admin/comments/comment/moderate/?queue=spam").content.decode()
    assert "Author suspended until" in page


def test_bans_are_listed_with_who_and_why_and_lifted_with_the_action(desk, mona, story):
    reply = make_reply(story, email="listed@example.org")
    ban = Ban.objects.create(email="listed@example.org", reason="Threats", created_by=mona, comment=reply)
    html = desk.get("/admin/comments/ban/").content.decode()
    for shown in ("listed@example.org", "Threats", "mona", "Banned until lifted"):
        assert shown in html, shown
    desk.post("/admin/comments/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    ban.refresh_from_db()
    assert ban.lifted_by == mona and ban.lifted_at is not None
    assert "Lifted by mona" in desk.get("/admin/comments/ban/").content.decode()
    assert desk.post(f"/admin/comments/ban/{ban.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_ban_by_hand_takes_an_email_or_an_address(desk, mona):
    both = desk.post("/admin/comments/ban/add/", {"email": "a@example.org", "ip_address": "192.0.2.1", "reason": "x"})
    assert "Give an email or an IP address" in both.content.decode() and not Ban.objects.exists()
    response = desk.post("/admin/comments/ban/add/", {"email": " Hand@Example.org", "reason": "Spam by hand"})
    assert response.status_code == 302
    ban = Ban.objects.get()
    assert (ban.email, ban.created_by) == ("hand@example.org", mona)


def test_editors_cannot_ban(django_user_model, story):
    client = Client()
    client.force_login(make_staff(django_user_model, "eddie", "Editors"))
    reply = make_reply(story)
    assert client.get(f"/admin/comments/comment/{reply.pk}/ban/").status_code == 403
    assert client.get("/admin/comments/ban/").status_code == 403


# -- Bans that stick ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "mailbox"),
    [
        ("J.Doe+news@Gmail.com ", "jdoe@gmail.com"),
        ("j.d.o.e@googlemail.com", "jdoe@gmail.com"),
        ("dana+tag@outlook.com", "dana@outlook.com"),
        ("Dana+x@HOTMAIL.com", "dana@hotmail.com"),
        ("dana+x@fastmail.com", "dana@fastmail.com"),
        ("dana+x@proton.me", "dana@proton.me"),
        ("dana+x@icloud.com", "dana@icloud.com"),
        ("dana.k+x@example.org", "dana.k+x@example.org"),  # elsewhere another spelling may be another mailbox
        ("dana.k@outlook.com", "dana.k@outlook.com"),  # only Gmail ignores dots
        ("+tag@gmail.com", "+tag@gmail.com"),
        ("not an email", "not an email"),
    ],
)
def test_an_email_is_compared_as_the_mailbox_it_reaches(typed, mailbox):
    from comments.models import canonical_email

    assert canonical_email(typed) == mailbox


def test_a_ban_on_one_spelling_of_a_mailbox_holds_for_the_others_by_an_indexed_lookup(story, mona):
    ban = Ban.objects.create(email="Jane.Doe+news@gmail.com", reason="Abuse", created_by=mona)
    assert (ban.email, ban.email_key) == ("jane.doe+news@gmail.com", "janedoe@gmail.com")
    for n, spelling in enumerate(["janedoe@googlemail.com", "JANE.D.OE@gmail.com", "jane.doe+other@gmail.com"]):
        post_reply(Client(), story, email=spelling, body=f"Back again {n}.", ip=f"198.51.100.{n + 1}")
    post_reply(Client(), story, email="jane.doe@example.org", body="Someone else.", ip="198.51.100.9")
    statuses = dict(Comment.objects.values_list("body", "status"))
    assert statuses == {"Back again 0.": "spam", "Back again 1.": "spam", "Back again 2.": "spam", "Someone else.": "pending"}
    assert Ban.objects.matching(emails=["j.a.n.e.d.o.e+x@googlemail.com"]).get() == ban


def test_a_ban_on_a_browser_holds_whatever_email_and_network_it_uses_next(desk, mona, story):
    browser = Client()
    post_reply(browser, story, email="first@example.org", body="Abuse.", ip="192.0.2.1")
    reply = Comment.objects.get()
    url = f"/admin/comments/comment/{reply.pk}/ban/"
    assert "By browser" in desk.get(url).content.decode()
    desk.post(url, {"by_browser": "on", "length": "", "reason": "Same troll, new emails"})
    ban = Ban.objects.get()
    assert (ban.author_token, ban.email, ban.ip_address) == (reply.author_token, "", None)
    assert str(ban) == "Ban by browser" and reply.author_token not in str(ban)

    post_reply(browser, story, email="second@example.org", body="Abuse again.", ip="2001:db8:9::1")
    post_reply(Client(), story, email="third@example.org", body="Another browser.", ip="2001:db8:9::1")
    assert Comment.objects.get(body="Abuse again.").status == Comment.Status.SPAM
    assert Comment.objects.get(body="Another browser.").status == Comment.Status.PENDING
    page = desk.get("/admin/comments/comment/moderate/?queue=spam").content.decode()
    assert "Author banned until lifted (ban by browser)" in page


def test_a_reader_report_from_a_banned_browser_is_thanked_and_kept_nowhere(story):
    from comments.moderation import moderator

    reply = make_reply(story)
    Ban.objects.create(author_token=Comment.hash_token("banned-browser"), reason="Report flooding")
    assert moderator.report(reply, "abusive", "", "banned-browser", "198.51.100.5") is None
    assert moderator.report(reply, "abusive", "", "other-browser", "198.51.100.6") is None
    assert reply.reports.count() == 1


def test_every_change_to_a_ban_is_recorded_with_who_and_when_and_shown_on_its_page(desk, mona, story):
    reply = make_reply(story, email="heated@example.org")
    desk.post(f"/admin/comments/comment/{reply.pk}/ban/", {"by_email": "on", "length": "3", "reason": "Heated"})
    ban = Ban.objects.get()
    change_url = f"/admin/comments/ban/{ban.pk}/change/"
    later = (ban.until + timedelta(days=4)).astimezone(timezone.get_current_timezone())
    response = desk.post(
        change_url,
        {
            "until_0": later.strftime("%Y-%m-%d"), "until_1": later.strftime("%H:%M:%S"), "reason": "Heated, again",
            # its history below it, as the page sends it (read-only)
            "changes-TOTAL_FORMS": "1", "changes-INITIAL_FORMS": "1", "changes-0-id": ban.changes.get().pk, "changes-0-ban": ban.pk,
        },
    )
    assert response.status_code == 302
    desk.post("/admin/comments/ban/", {"action": "lift", "_selected_action": [ban.pk]})
    history = [(change.what, change.by) for change in ban.changes.all()]
    assert history == [("set", mona), ("until", mona), ("reason", mona), ("lifted", mona)]
    until = ban.changes.get(what="until")
    assert until.before.startswith("suspended until") and until.after.startswith("suspended until")
    assert until.before != until.after
    page = desk.get(change_url).content.decode()
    for shown in ("End changed", "Reason changed", "Heated, again", "Lifted"):
        assert shown in page, shown
    assert desk.get(f"/admin/comments/ban/{ban.pk}/change/").status_code == 200


def test_a_storys_moderation_changes_are_recorded_with_who_and_when(desk, mona, story):
    from comments.models import DiscussionChange

    rules_url = f"/admin/comments/comment/moderate/story/{story.pk}/"
    desk.post(rules_url, {"moderation": "post", "save": ""})
    desk.post(rules_url, {"moderation": "post", "close": ""})
    desk.post(rules_url, {"moderation": "pre", "reopen": ""})
    changes = [(c.what, c.by, c.describe()) for c in DiscussionChange.objects.order_by("pk")]
    assert changes == [
        ("moderation", mona, "Moderation changed: As the discussion settings say → Post-moderation: replies appear at "
         "once unless a rule holds them"),
        ("closed", mona, "Replies closed"),
        ("moderation", mona, "Moderation changed: Post-moderation: replies appear at once unless a rule holds them → "
         "Pre-moderation: every reply waits for a moderator"),
        ("reopened", mona, "Replies reopened"),
    ]
    page = desk.get("/admin/comments/comment/moderate/", {"story": story.pk}).content.decode()
    assert "Changes to this story’s rules" in page and "mona: Replies reopened" in page
    listed = desk.get("/admin/comments/discussionchange/").content.decode()
    assert "Replies closed" in listed and story.headline in listed


def test_a_deleted_storys_rule_changes_are_kept_and_listed(django_user_model, desk, mona, story):
    """The record outlives the story, as decisions do; and a superuser may delete a story whose rules changed."""
    from comments.models import DiscussionChange, StoryDiscussion

    StoryDiscussion.set_rules(story, mona, moderation="post")
    chief = django_user_model.objects.create_superuser("chief", "chief@newsroom.invalid", "pw")
    editor = Client()
    editor.force_login(chief)
    assert editor.post(f"/admin/articles/article/{story.pk}/delete/", {"post": "yes"}).status_code == 302
    assert [(c.what, c.by, c.article) for c in DiscussionChange.objects.all()] == [("moderation", mona, None)]
    listed = desk.get("/admin/comments/discussionchange/").content.decode()
    assert "a deleted story" in listed and "Post-moderation" in listed


def test_the_migration_gives_existing_bans_their_mailbox_and_the_start_of_their_history(mona):
    import importlib

    from django.apps import apps

    from comments.models import BanChange

    migration = importlib.import_module("comments.migrations.0017_bans_by_mailbox")
    ban = Ban.objects.create(email="Old.Ban+x@gmail.com", reason="Before", created_by=mona)
    Ban.objects.filter(pk=ban.pk).update(email=" Old.Ban+x@Gmail.com", email_key="")
    BanChange.objects.all().delete()
    ban.lift(mona)
    BanChange.objects.all().delete()
    migration.by_mailbox(apps, None)
    ban.refresh_from_db()
    assert (ban.email, ban.email_key) == ("old.ban+x@gmail.com", "oldban@gmail.com")
    assert [(c.what, c.by) for c in ban.changes.all()] == [("set", mona), ("lifted", mona)]


def test_a_bans_page_and_the_list_of_rule_changes_take_the_same_queries_however_long_their_history(
    desk, mona, story, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from comments.models import StoryDiscussion

    ban = Ban.objects.create(email="long@example.org", reason="Start", created_by=mona)
    StoryDiscussion.set_rules(story, mona, moderation="post")
    pages = (f"/admin/comments/ban/{ban.pk}/change/", "/admin/comments/discussionchange/", "/admin/comments/ban/")
    for page in pages:
        desk.get(page)
    with CaptureQueriesContext(connection) as few:
        for page in pages:
            assert desk.get(page).status_code == 200
    for n in range(20):
        ban.record_changes(mona, {"reason": f"Reason {n}"})
        StoryDiscussion.set_rules(story, mona, moderation=["pre", "post"][n % 2], closed=bool(n % 3))
    with django_assert_max_num_queries(len(few)):
        for page in pages:
            desk.get(page)
