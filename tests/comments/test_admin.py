"""The moderation queue in /admin/: who may use it, what it shows, what its actions record, who is emailed."""

import json

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from comments.models import Comment
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
    assert perms == {("comments", "view_comment"), ("comments", "change_comment"), ("comments", "delete_comment")}


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
def test_bulk_actions_set_status_and_record_the_moderator(moderator_client, moderator, story, action, status):
    replies = [make_reply(story, status=Comment.Status.PENDING) for _ in range(2)]
    response = moderator_client.post(QUEUE, {"action": action, "_selected_action": [r.pk for r in replies]}, follow=True)
    assert response.status_code == 200
    for reply in replies:
        reply.refresh_from_db()
        assert (reply.status, reply.moderated_by) == (status, moderator)
        assert reply.moderated_at is not None


def test_approved_reply_appears_on_the_story(moderator_client, client, story):
    post_reply(client, story, body="Please approve me.")
    from django.test import Client

    assert "Please approve me." not in Client().get(story.get_absolute_url()).content.decode()
    reply = Comment.objects.get(body="Please approve me.")
    moderator_client.post(QUEUE, {"action": "approve", "_selected_action": [reply.pk]})
    assert "Please approve me." in Client().get(story.get_absolute_url()).content.decode()


def test_changing_status_in_the_form_records_the_moderator(moderator_client, moderator, story):
    reply = make_reply(story, status=Comment.Status.PENDING)
    url = f"{QUEUE}{reply.pk}/change/"
    response = moderator_client.post(
        url, {"status": "approved", "name": reply.name, "email": reply.email, "website": "", "body": "Edited <b>words</b>."}
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert (reply.status, reply.moderated_by, reply.body_html) == ("approved", moderator, "<p>Edited <b>words</b>.</p>")


def test_pending_count_on_the_admin_index(moderator_client, story):
    for _ in range(3):
        make_reply(story, status=Comment.Status.PENDING)
    make_reply(story)
    html = moderator_client.get("/admin/").content.decode()
    assert "3 replies awaiting moderation" in html
    assert f'href="{QUEUE}?status__exact=pending"' in html


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
    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_moderators_are_emailed_after_commit(client, story, moderator, django_user_model, django_capture_on_commit_callbacks):
    django_user_model.objects.create_superuser("chief", "chief@newsroom.example", "pw")
    staff(django_user_model, "eddie", "Editors")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_reply(client, story, email="reader.private@example.org", body="Notify about me.")
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["chief@newsroom.example", "mona@newsroom.example"]
    assert "Notify about me." in message.body and story.headline in message.body
    assert "reader.private@example.org" not in message.body


def test_failing_mail_never_loses_the_reply(client, story, moderator, settings, caplog, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "tests.test_comments_admin.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_reply(client, story, email="reader.private@example.org", body="Keep me anyway.")
    assert response.status_code == 303
    assert Comment.objects.filter(body="Keep me anyway.", status=Comment.Status.PENDING).exists()
    assert "Could not email moderators" in caplog.text
    assert "reader.private@example.org" not in caplog.text


def test_approved_replies_do_not_email_anyone(client, story, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(story)
    assert mail.outbox == []
