"""The moderation queue in /admin/: who may use it, what it shows, what its actions record, who is emailed."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from background import task_backends
from comments.models import Comment, DiscussionSettings, ModerationEvent
from tests.comments.support import make_reply, post_reply
from tests.stories import make_story

pytestmark = pytest.mark.django_db
QUEUE = "/admin/comments/comment/"


def staff(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, f"{username}@newsroom.example", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def moderator(django_user_model):
    return staff(django_user_model, "mona", "Moderators")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def test_moderators_group_has_comment_rights_only():
    perms = set(Group.objects.get(name="Moderators").permissions.values_list("content_type__app_label", "codename"))
    assert perms == {
        ("comments", "view_comment"), ("comments", "change_comment"), ("comments", "delete_comment"),
        ("comments", "view_discussionsettings"), ("comments", "change_discussionsettings"),
        ("comments", "view_moderationevent"), ("comments", "view_report"),
        ("comments", "view_ban"), ("comments", "add_ban"), ("comments", "change_ban"),
    }


def test_moderator_uses_the_queue_but_cannot_see_stories(moderator_client, story):
    assert moderator_client.get(QUEUE).status_code == 200
    assert moderator_client.get("/admin/articles/article/").status_code == 403
    assert moderator_client.get(f"/admin/articles/article/{story.pk}/change/").status_code == 403
    assert "/admin/articles/" not in moderator_client.get("/admin/").content.decode()


def test_editor_cannot_open_the_moderation_queue(client, django_user_model, story):
    client.force_login(staff(django_user_model, "eddie", "Editors"))
    assert client.get(QUEUE).status_code == 403
    assert client.get(f"/admin/comments/comment/{make_reply(story).pk}/change/").status_code == 403


def test_queue_lists_pending_first_with_story_author_email_ip_and_history(moderator_client, story):
    for status in (Comment.Status.APPROVED, Comment.Status.APPROVED, Comment.Status.SPAM):
        make_reply(story, email="regular@example.org", status=status)
    make_reply(story, name="Newest Approved", body="Newest approved words.")
    make_reply(
        story, name="Regular Reader", email="regular@example.org", ip_address="198.51.100.4",
        body="Waiting words.", status=Comment.Status.PENDING,
    )
    html = moderator_client.get(QUEUE).content.decode()
    assert html.index("Waiting words.") < html.index("Newest approved words.")
    row = html[html.index("Waiting words."):]
    row = row[: row.index("</tr>")]
    for shown in ("regular@example.org", "198.51.100.4", "2 approved, 1 spam", story.get_absolute_url(), story.headline):
        assert shown in row, shown


def test_queue_queries_do_not_grow_with_rows(moderator_client, story, django_assert_max_num_queries):
    make_reply(story, status=Comment.Status.PENDING)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        moderator_client.get(QUEUE)
    for n in range(30):
        make_reply(make_story(), email=f"r{n % 3}@example.org", status=Comment.Status.PENDING)
    with django_assert_max_num_queries(len(few)):
        assert moderator_client.get(QUEUE).status_code == 200


def test_queue_filters_and_search(moderator_client, story):
    make_reply(story, body="Findable by email.", email="needle@example.org", status=Comment.Status.PENDING)
    make_reply(story, body="Findable by IP.", ip_address="192.0.2.77")
    make_reply(make_story(), body="On another story.", status=Comment.Status.SPAM)
    assert "Findable by email." in moderator_client.get(QUEUE, {"q": "needle@"}).content.decode()
    assert "Findable by IP." in moderator_client.get(QUEUE, {"q": "192.0.2.77"}).content.decode()
    spam_only = moderator_client.get(QUEUE, {"status__exact": "spam"}).content.decode()
    assert "On another story." in spam_only and "Findable by email." not in spam_only
    by_story = moderator_client.get(QUEUE, {"article__id__exact": story.pk}).content.decode()
    assert "Findable by IP." in by_story and "On another story." not in by_story


@pytest.mark.parametrize(
    ("action", "status"),
    [("approve", Comment.Status.APPROVED), ("mark_spam", Comment.Status.SPAM), ("remove", Comment.Status.REMOVED)],
)
def test_bulk_actions_set_status_and_record_each_decision(moderator_client, moderator, story, action, status):
    replies = [make_reply(story, status=Comment.Status.PENDING) for _ in range(2)]
    already = make_reply(story, status=status)
    selected = [r.pk for r in (*replies, already)]
    if action != "approve":  # removing and marking as spam ask for a reason beside the action
        refused = moderator_client.post(QUEUE, {"action": action, "_selected_action": selected}, follow=True)
        assert "Choose a reason beside the action" in refused.content.decode()
        assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 2
    reason = {"approve": "", "mark_spam": "spam", "remove": "off_topic"}[action]
    response = moderator_client.post(QUEUE, {"action": action, "reason": reason, "_selected_action": selected}, follow=True)
    assert response.status_code == 200
    assert "2 replies" in response.content.decode()
    for reply in replies:
        reply.refresh_from_db()
        assert reply.status == status
        [event] = reply.events.all()
        assert (event.moderator, event.from_status, event.to_status, event.reason) == (moderator, "pending", status, reason)
        assert timezone.now() - event.at < timedelta(minutes=1)
    assert not already.events.exists(), "a reply that already had the status is not a decision"


def test_approved_reply_appears_on_the_story(moderator_client, story):
    from django.test import Client

    post_reply(Client(), story, body="Please approve me.")
    assert "Please approve me." not in Client().get(story.get_absolute_url()).content.decode()
    reply = Comment.objects.get(body="Please approve me.")
    moderator_client.post(QUEUE, {"action": "approve", "_selected_action": [reply.pk]})
    assert "Please approve me." in Client().get(story.get_absolute_url()).content.decode()


def test_changing_status_in_the_form_records_the_moderator(moderator_client, moderator, story):
    reply = make_reply(story, status=Comment.Status.PENDING)
    url = f"{QUEUE}{reply.pk}/change/"
    response = moderator_client.post(
        url,
        {
            "status": "approved", "name": reply.name, "email": reply.email, "website": "", "body": "Edited <b>words</b>.",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0", "reports-TOTAL_FORMS": "0", "reports-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.status, reply.body_html) == ("approved", "<p>Edited <b>words</b>.</p>")
    [event] = reply.events.all()
    assert (event.moderator, event.from_status, event.to_status) == (moderator, "pending", "approved")


def test_the_replys_page_shows_its_history_to_every_moderator(moderator_client, django_user_model, story):
    from django.test import Client

    post_reply(Client(), story, body="A reply with a past.")
    reply = Comment.objects.get(body="A reply with a past.")
    colleague = staff(django_user_model, "cole", "Moderators")
    reply.moderate(Comment.Status.APPROVED, colleague)
    Comment.objects.filter(pk=reply.pk).moderate(Comment.Status.REMOVED, colleague)

    page = moderator_client.get(f"{QUEUE}{reply.pk}/change/").content.decode()
    history = page[page.index("History"):]
    assert history.index("Newsroom (automatic)") < history.index("cole")
    assert "every reply waits for a moderator" in history
    assert [(e.from_status, e.to_status) for e in reply.events.all()] == [
        ("", "pending"), ("pending", "approved"), ("approved", "removed"),
    ]


def test_pending_and_reported_counts_on_the_admin_index_lead_to_the_moderation_page(moderator_client, story):
    from comments.models import Report

    for _ in range(3):
        make_reply(story, status=Comment.Status.PENDING)
    reported = make_reply(story)
    Report.objects.create(comment=reported, reason=Report.Reason.SPAM, reporter="a" * 64)
    make_reply(story, unmoderated=True)
    html = moderator_client.get("/admin/").content.decode()
    assert "3 replies awaiting moderation" in html and "1 reported" in html and "1 published unread" in html
    assert f'href="{QUEUE}moderate/?queue=new"' in html and f'href="{QUEUE}moderate/?queue=reported"' in html
    assert f'href="{QUEUE}moderate/?queue=unmoderated"' in html


def test_export_action_downloads_json_about_the_selected_authors(moderator_client, story):
    mine = make_reply(story, email="me@example.org", body="Mine, approved.")
    make_reply(make_story(), email="me@example.org", body="Mine, elsewhere.", status=Comment.Status.SPAM)
    make_reply(story, email="someone@example.org", body="Not mine.")
    response = moderator_client.post(QUEUE, {"action": "export_authors", "_selected_action": [mine.pk]})
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["emails"] == ["me@example.org"]
    assert {r["body"] for r in data["replies"]} == {"Mine, approved.", "Mine, elsewhere."}


def test_erase_actions_anonymise_or_delete_every_reply_of_the_selected_authors(moderator_client, story):
    first = make_reply(story, email="me@example.org", ip_address="192.0.2.1", website="https://me.example/")
    make_reply(story, email="me@example.org")
    other = make_reply(story, email="other@example.org")
    moderator_client.post(QUEUE, {"action": "anonymise_authors", "_selected_action": [first.pk]})
    first.refresh_from_db()
    assert (first.name, first.email, first.website, first.ip_address) == ("Anonymous", "", "", None)
    assert Comment.objects.filter(name="Anonymous").count() == 2

    moderator_client.post(QUEUE, {"action": "delete_authors", "_selected_action": [other.pk]})
    assert not Comment.objects.filter(pk=other.pk).exists()
    assert Comment.objects.count() == 2


class FailingBackend(BaseEmailBackend):
    """A mail server that is down: every send fails, and each attempt is counted."""

    attempts = 0

    def send_messages(self, messages):
        FailingBackend.attempts += 1
        raise ConnectionRefusedError("mail server down")


def test_moderators_are_emailed_in_the_sites_name_in_plain_text_and_html(client, story, moderator, settings, django_user_model):
    settings.NEWSROOM_SITE_NAME = "The Almaty Herald"
    django_user_model.objects.create_superuser("chief", "chief@newsroom.example", "pw")
    staff(django_user_model, "eddie", "Editors")
    post_reply(client, story, name="Dana", email="reader.private@example.org", body="Notify about <b>me</b>.\nTwo lines.")

    [message] = mail.outbox
    assert sorted(message.to) == ["chief@newsroom.example", "mona@newsroom.example"]
    assert message.from_email == "The Almaty Herald <newsroom@localhost>"
    assert message.subject == "[The Almaty Herald] Reply awaiting moderation"
    assert message.reply_to == [], "a reply to this email would reach nobody"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    reply = Comment.objects.get()
    link = f"{settings.NEWSROOM_SITE_URL}/admin/comments/comment/{reply.pk}/change/"
    assert "Notify about <b>me</b>.\nTwo lines." in message.body and story.headline in message.body and link in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert "Notify about &lt;b&gt;me&lt;/b&gt;.<br>Two lines." in html and f'href="{link}"' in html
    assert story.headline in html and "Dana" in html
    for text in (message.body, html, str(message.message())):
        assert "reader.private@example.org" not in text


def test_the_reader_is_answered_while_the_email_only_waits_in_the_queue(client, story, moderator, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    response = post_reply(client, story, body="Notify about me.")
    assert response.status_code == 303
    assert mail.outbox == [], "the web worker sent an email"
    [waiting] = task_backends["default"].results
    assert waiting.task.name == "email_moderators" and waiting.args == []


def test_failing_mail_never_loses_the_reply_and_is_retried_later(client, story, moderator, settings, caplog, task_queue):
    FailingBackend.attempts = 0
    settings.EMAIL_BACKEND = "tests.comments.test_admin.FailingBackend"
    response = post_reply(client, story, email="reader.private@example.org", body="Keep me anyway.")
    assert response.status_code == 303
    assert Comment.objects.filter(body="Keep me anyway.", status=Comment.Status.PENDING).exists()
    assert FailingBackend.attempts == 0, "the web worker tried to send"

    task_queue()
    assert FailingBackend.attempts == 1, "the worker never asked the mail server"
    assert "email_moderators" in caplog.text and "failed (attempt 1" in caplog.text and "mail server down" in caplog.text
    assert "reader.private@example.org" not in caplog.text
    emails = DBTaskResult.objects.filter(task_path="comments.notifications.email_moderators")
    failed, retry = emails.get(status="FAILED"), emails.get(status="READY")
    assert failed.exception_class_path == "builtins.ConnectionRefusedError"
    assert retry.args_kwargs == {"args": [], "kwargs": {"attempt": 2}}
    assert retry.run_after > timezone.now() + timedelta(seconds=50), "the retry waits its pause"

    task_queue()  # too early: the retry waits its pause
    assert FailingBackend.attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with pytest.MonkeyPatch.context() as later:
        later.setattr(timezone, "now", lambda: retry.run_after + timedelta(seconds=1))
        task_queue()
    assert len(mail.outbox) == 1 and "Keep me anyway." in mail.outbox[0].body
    assert emails.get(pk=retry.pk).status == "SUCCESSFUL"


def test_the_queue_shows_each_failed_send_and_its_retry_to_a_superuser(client, story, moderator, settings, task_queue, django_user_model):
    settings.EMAIL_BACKEND = "tests.comments.test_admin.FailingBackend"
    post_reply(client, story, body="Keep me anyway.")
    task_queue()
    client.force_login(django_user_model.objects.create_superuser("chief", "chief@newsroom.example", "pw"))
    page = client.get("/admin/django_tasks_database/dbtaskresult/").content.decode()
    assert page.count("email_moderators") >= 2 and "ConnectionRefusedError" in page
    assert "<td class=\"field-arguments\">attempt=2</td>" in page, "the retry, its attempt and when it may run"


def test_a_reply_decided_before_its_email_goes_out_emails_nobody(client, story, moderator, task_queue):
    post_reply(client, story, body="Approved at once by a quick moderator.")
    Comment.objects.get().moderate(Comment.Status.APPROVED, moderator)
    task_queue()
    assert mail.outbox == []


def test_approved_replies_do_not_email_anyone(client, story, moderator):
    make_reply(story)
    DiscussionSettings.objects.update_or_create(pk=1, defaults={"hold_all": False})
    post_reply(client, story, body="Approved at once? No: first reply from this browser.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    mail.outbox.clear()
    response = post_reply(client, story, email=Comment.objects.latest("pk").email, body="Published at once.")
    assert Comment.objects.get(body="Published at once.").status == Comment.Status.APPROVED, response
    assert mail.outbox == []
    assert ModerationEvent.objects.filter(comment__body="Published at once.", to_status="approved").exists()


def test_moderators_keep_the_discussion_settings_in_the_admin(moderator_client, story):
    from django.test import Client

    client = Client()  # a reader: a signed-in staff member's reply is published at once
    response = moderator_client.get("/admin/comments/discussionsettings/", follow=True)
    assert response.status_code == 200 and "Hold every reply" in response.content.decode()
    moderator_client.post(
        "/admin/comments/discussionsettings/1/change/",
        {"hold_all": "on", "max_links": "2", "moderation_keys": "tenge\nsummit", "disallowed_keys": "casino",
         "offensive_threshold": "0.9", "spam_threshold": "0.9"},
    )
    post_reply(client, story, body="Visit my casino.")
    assert Comment.objects.get(body="Visit my casino.").status == Comment.Status.SPAM, "in force from the next reply"


def _stories_not_public():
    """A draft, a story in review, a scheduled and a taken-down story, each with a reply."""
    from articles.models import Article

    stories = [
        make_story("Embargoed draft headline", slug="embargoed-draft", status=Article.Status.DRAFT),
        make_story("Embargoed review headline", slug="embargoed-review", status=Article.Status.REVIEW),
        make_story("Embargoed scheduled headline", slug="embargoed-scheduled", publish_at=timezone.now() + timedelta(days=1)),
        make_story("Withdrawn headline", slug="withdrawn-story", status=Article.Status.TAKEN_DOWN),
    ]
    return [(story, make_reply(story, status=Comment.Status.PENDING)) for story in stories]


def test_a_moderator_sees_no_headline_nor_address_of_a_story_that_is_not_public_in_the_replies_admin(
    moderator_client, moderator, story
):
    make_reply(story, body="On the public story.")
    make_reply(make_story(), body="On another public story.")  # two stories to choose from: the filter shows
    hidden = _stories_not_public()
    for _, reply in hidden:
        reply.moderate(Comment.Status.APPROVED, moderator)
    pages = {
        "list": moderator_client.get(QUEUE).content.decode(),
        "decisions": moderator_client.get("/admin/comments/moderationevent/").content.decode(),
    }
    missing = moderator_client.get(QUEUE, {"article__id__exact": 99999}).content.decode()
    assert "0 results" in missing
    for hidden_story, reply in hidden:
        pages[f"reply {reply.pk}"] = moderator_client.get(f"{QUEUE}{reply.pk}/change/").content.decode()
        pages[f"ban {reply.pk}"] = moderator_client.get(f"{QUEUE}{reply.pk}/ban/").content.decode()
        by_story = moderator_client.get(QUEUE, {"article__id__exact": hidden_story.pk}).content.decode()
        assert reply.body not in by_story and "0 results" in by_story, "as for an id that does not exist"
    assert story.headline in pages["list"] and "On the public story." in pages["list"]
    assert pages["list"].count("a story that is not public") == len(hidden)
    assert pages["decisions"].count("a story that is not public") >= len(hidden)
    for name, html in pages.items():
        for hidden_story, _ in hidden:
            assert hidden_story.headline not in html and hidden_story.slug not in html, (name, hidden_story.slug)


def test_a_moderators_export_of_an_authors_data_names_no_story_that_is_not_public(moderator_client, story):
    make_reply(story, email="me@example.org", body="On the public story.")
    hidden = [reply.pk for _, reply in _stories_not_public()]
    Comment.objects.filter(pk__in=hidden).update(email="me@example.org")
    response = moderator_client.post(QUEUE, {"action": "export_authors", "_selected_action": hidden[:1]})
    data = json.loads(response.content)
    assert len(data["replies"]) == 5
    assert [r["story"] for r in data["replies"]].count("a story that is not public") == 4
    assert story.headline in response.content.decode()
    assert not any(word in response.content.decode() for word in ("Embargoed", "Withdrawn", "embargoed-", "withdrawn-"))


def test_a_story_in_the_filter_is_one_the_staff_member_may_see(moderator_client, client, django_user_model, story):
    make_reply(story, status=Comment.Status.PENDING)
    make_reply(make_story(), status=Comment.Status.PENDING)
    hidden = _stories_not_public()
    chooser = moderator_client.get(QUEUE).content.decode()
    assert f"article__id__exact={story.pk}" in chooser
    assert not any(f"article__id__exact={hidden_story.pk}" in chooser for hidden_story, _ in hidden)
    chief = staff(django_user_model, "chief", "Moderators")
    chief.groups.add(Group.objects.get(name="Editors"))
    client.force_login(chief)
    html = client.get(QUEUE).content.decode()
    assert all(hidden_story.headline in html for hidden_story, _ in hidden), "editors see every story"


@pytest.fixture
def viewer_client(client, django_user_model):
    """Staff who may only look at replies, their history, reports and bans: no right to change a reply."""
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("vera", password="pw", is_staff=True)
    codenames = ["view_comment", "view_moderationevent", "view_report", "view_ban"]
    viewer.user_permissions.add(*Permission.objects.filter(content_type__app_label="comments", codename__in=codenames))
    client.force_login(viewer)
    return client


def test_staff_who_may_only_view_replies_see_no_email_nor_ip_address_anywhere(viewer_client, story, moderator):
    from django.test import Client

    from comments.models import Ban
    from tests.comments.support import rules

    email, ip = "private.reader@example.org", "192.0.2.77"
    rules(moderation_keys=f"{email.upper()}\n{ip}")  # a moderation word that is the author's email: the verdict quotes it
    post_reply(Client(), story, name="Private Reader", email=email, ip=ip, body="Words of a private reader.")
    reply = Comment.objects.get(name="Private Reader")
    assert email.upper() in reply.events.get().note, "the verdict quotes the word that held the reply"
    ban = Ban.objects.create(email=email, reason="Spam", created_by=moderator, comment=reply)
    Ban.objects.create(ip_address=ip, reason="Spam", created_by=moderator, comment=reply)
    pages = {
        address: viewer_client.get(address)
        for address in (
            QUEUE, f"{QUEUE}?q=private", f"{QUEUE}{reply.pk}/change/", f"{QUEUE}{reply.pk}/history/",
            f"{QUEUE}moderate/", f"{QUEUE}moderate/?queue=all", "/admin/comments/moderationevent/",
            "/admin/comments/ban/", f"/admin/comments/ban/{ban.pk}/change/",
        )
    }
    for address, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, address
        assert email not in html.lower() and ip not in html, address
    assert "Words of a private reader." in pages[f"{QUEUE}?q=private"].content.decode()
    for searched in (f"{QUEUE}?q={email}", f"{QUEUE}?q={ip}", f"/admin/comments/ban/?q={email}", f"/admin/comments/ban/?q={ip}"):
        assert "0 results" in viewer_client.get(searched).content.decode(), f"no search by email or IP address: {searched}"
    assert "[email]" in pages[f"{QUEUE}{reply.pk}/change/"].content.decode()
    assert "Ban by email" in pages["/admin/comments/ban/"].content.decode()
    assert viewer_client.get("/admin/comments/ban/add/").status_code == 403

    assert 'value="export_authors"' not in pages[QUEUE].content.decode()
    export = viewer_client.post(QUEUE, {"action": "export_authors", "_selected_action": [reply.pk]})
    assert export.get("Content-Type", "").startswith("text/html") and email not in export.content.decode()


def test_export_takes_the_right_to_change_replies_and_erasure_the_right_to_delete_them(client, django_user_model, story):
    from django.contrib.auth.models import Permission

    reply = make_reply(story, email="me@example.org")
    clerk = django_user_model.objects.create_user("clerk", password="pw", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=["view_comment", "change_comment"]))
    client.force_login(clerk)
    actions = client.get(QUEUE).content.decode()
    assert 'value="export_authors"' in actions
    assert 'value="anonymise_authors"' not in actions and 'value="delete_authors"' not in actions
    client.post(QUEUE, {"action": "anonymise_authors", "_selected_action": [reply.pk]})
    assert Comment.objects.get().email == "me@example.org"


def test_a_deleted_replys_decisions_stay_in_the_moderators_record(moderator_client, moderator, story):
    from django.test import Client

    from tests.comments.support import rules

    rules(moderation_keys="gone.reader@example.org")
    post_reply(Client(), story, name="Gone Reader", email="gone.reader@example.org", body="Words that will be deleted.")
    reply = Comment.objects.get(name="Gone Reader")
    moderator_client.post(f"{QUEUE}moderate/decide/", {"reply": reply.pk, "decision": "remove", "reason": "other"})
    response = moderator_client.post(f"{QUEUE}{reply.pk}/delete/", {"post": "yes"}, follow=True)  # its message read
    assert response.status_code == 200 and not Comment.objects.exists()

    verdict, removal = ModerationEvent.objects.filter(reply_number=reply.pk)
    assert (removal.comment, removal.article, removal.moderator, removal.to_status) == (None, story, moderator, "removed")
    assert "gone.reader@example.org" not in verdict.note and "[email]" in verdict.note
    record = moderator_client.get("/admin/comments/moderationevent/", {"comment__isempty": "1"}).content.decode()
    assert f"Reply {reply.pk} (deleted)" in record and "mona" in record and story.headline in record
    assert "gone.reader@example.org" not in record and "Words that will be deleted." not in record
    decision = moderator_client.get(f"/admin/comments/moderationevent/{verdict.pk}/change/").content.decode()
    assert "[email]" in decision and "gone.reader@example.org" not in decision


@pytest.mark.parametrize("mode", ["delete", "anonymise"])
def test_an_erasure_keeps_the_moderators_record_without_the_author(moderator, story, mode):
    from django.test import Client

    from tests.comments.support import rules

    rules(moderation_keys="erase.me@example.org\n192.0.2.99")
    post_reply(Client(), story, email="erase.me@example.org", ip="192.0.2.99", body="Erase my words.")
    reply = Comment.objects.get(body="Erase my words.")
    reply.moderate(Comment.Status.APPROVED, moderator)
    call_command("comments_privacy", "erase", "erase.me@example.org", "--mode", mode, stderr=open("/dev/null", "w"))

    events = ModerationEvent.objects.filter(reply_number=reply.pk)
    assert [(event.action, event.moderator, event.article) for event in events] == [
        ("verdict", None, story), ("status", moderator, story),
    ]
    assert all("erase.me@example.org" not in event.note and "192.0.2.99" not in event.note for event in events)


@pytest.mark.parametrize(
    "query",
    [
        {"article__id__exact": "²"}, {"article__id__exact": "9" * 40}, {"q": "\x00"}, {"q": "x" * 10_000},
        {"created_at__year": "²"}, {"created_at__month": "-1"}, {"o": "²"}, {"p": "9" * 40}, {"status__exact": "\x00"},
        {"article__id__exact": ["1", "²"]}, {"action__exact": "\x00"}, {"comment__isempty": "\x00"},
        {"lifted_at__isempty": "²"}, {"q": ["ok", "\x00"]},
    ],
    ids=repr,
)
def test_odd_values_in_the_lists_address_never_give_a_server_error(moderator_client, story, query):
    make_reply(story)
    for address in (QUEUE, "/admin/comments/moderationevent/", "/admin/comments/ban/"):
        assert moderator_client.get(address, query).status_code < 500, address
