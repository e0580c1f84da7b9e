"""Readers told when someone answers them: double opt-in, one email for many replies, approved replies
only, one-click unsubscribe, no oracle, and the emails read as the test backend caught them."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments import privacy, subscriptions
from comments.models import Comment, Delivery, Subscriber, Subscription
from comments.moderation import moderator as rules
from tests.comments.support import make_reply, post_reply
from tests.comments.support import rules as discussion_rules
from tests.staff import signed_in, staff
from tests.stories import make_story

READER = "aigerim@example.org"
OTHER_READER = "dana.secret@example.org"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (tasks are enqueued after it) as the real site would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ask(client, story, committed, email=READER, **boxes):
    """Post a reply from `email` with the boxes given ticked (both: by default)."""
    boxes = boxes or {"notify_replies": "on", "notify_story": "on"}
    with committed():
        response = post_reply(client, story, email=email, **boxes)
    assert response.status_code == 303
    return response


def link_in(message, name):
    """The path of the link named `name` ("confirm", "unsubscribe") in an email's plain text."""
    url = re.search(rf"http://testserver(/comments/emails/{name}/[^\s]+/)", message.body)
    assert url, message.body
    return url.group(1)


def confirm(client, committed, story):
    """Ask, and follow the confirmation link: the address is subscribed from now on."""
    ask(client, story, committed)
    (message,) = mail.outbox
    with committed():
        client.post(link_in(message, "confirm"))
    mail.outbox.clear()
    return Subscriber.objects.get(email=READER)


def run_queued():
    """Run the tasks a DummyBackend holds, as the worker would once they are due; those it ran."""
    from django_tasks import default_task_backend

    queued, default_task_backend.results[:] = list(default_task_backend.results), []
    for result in queued:
        result.task.call(*result.args, **result.kwargs)
    return queued


def approve(reply, moderator, committed):
    with committed():
        rules.decide(reply, "approve", moderator)


@pytest.fixture(autouse=True)
def site(settings):
    settings.NEWSROOM_SITE_URL = "http://testserver"
    settings.NEWSROOM_SITE_NAME = "The Almaty Herald"
    settings.DEFAULT_FROM_EMAIL = "Newsroom <news@herald.example>"
    settings.NEWSROOM_CONTACT_EMAIL = "news@herald.example"


def test_both_boxes_are_under_the_reply_form_and_off_by_default(client, story):
    page = client.get(story.get_absolute_url()).content.decode()
    for label in ("Email me when someone replies to me", "Email me about new replies to this story"):
        box = re.search(rf'<input[^>]*id="(id_notify_\w+)"[^>]*>\s*<label[^>]*for="\1"[^>]*>\s*{label}', page)
        assert box, label
        assert "checked" not in box.group(0)


def test_the_first_time_an_address_asks_it_gets_a_confirmation_link_and_nothing_else(
    client, story, moderator, committed, settings
):
    settings.NEWSROOM_CONTACT_EMAIL = "desk@herald.example"
    ask(client, story, committed)
    (message,) = mail.outbox
    assert message.to == [READER]
    assert message.from_email == "The Almaty Herald <news@herald.example>"
    assert message.reply_to == ["desk@herald.example"]  # a reply reaches the newsroom's desk
    assert "Confirm" in message.subject
    assert story.headline in message.body and story.headline in message.alternatives[0][0]
    assert link_in(message, "confirm") in message.alternatives[0][0]
    answer = make_reply(story, status=Comment.Status.PENDING, parent=Comment.objects.get(email=READER))
    approve(Comment.objects.get(email=READER), moderator, committed)
    approve(answer, moderator, committed)
    assert len(mail.outbox) == 1, "nothing but the confirmation until the address confirms"


def test_a_link_scanner_opening_the_confirmation_confirms_nothing(client, story, committed):
    ask(client, story, committed)
    link = link_in(mail.outbox[0], "confirm")
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my email" in page.content.decode()
    assert not Subscriber.objects.get(email=READER).is_confirmed
    assert "Email confirmed" in client.post(link).content.decode()
    assert Subscriber.objects.get(email=READER).is_confirmed


def test_an_unconfirmed_address_is_sent_one_link_a_day_however_often_it_asks(client, story, committed):
    for _ in range(3):
        ask(client, story, committed)
    assert len(mail.outbox) == 1
    Subscriber.objects.update(confirmation_sent_at=timezone.now() - timedelta(days=2))
    ask(client, story, committed)
    assert len(mail.outbox) == 2


def test_the_reader_is_thanked_the_same_whatever_the_address_had_asked_before(client, story, committed):
    def answer(email, ticked):
        boxes = {"notify_replies": "on", "notify_story": "on"} if ticked else {"notify_story": ""}
        response = ask(Client(), story, committed, email=email, **boxes)
        return response.status_code, [m.message for m in get_messages(response.wsgi_request)]

    confirm(client, committed, story)
    ask(client, story, committed, email="waiting@example.org")
    unknown = answer("new@example.org", ticked=True)
    assert answer(READER, ticked=True) == unknown  # confirmed
    assert answer("waiting@example.org", ticked=True) == unknown  # asked, not confirmed
    assert answer("quiet@example.org", ticked=False) == unknown  # asked for nothing


def test_a_subscriber_hears_of_an_approved_reply_with_its_name_text_and_link_never_an_email(
    client, story, moderator, committed
):
    confirm(client, committed, story)
    reply = make_reply(story, status=Comment.Status.PENDING, name="Dana", email=OTHER_READER, body="The metro is shut.")
    assert not mail.outbox
    approve(reply, moderator, committed)
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert message.to == [READER]
    assert story.headline in message.subject and story.headline in message.body
    for text in (message.body, html):
        assert "Dana" in text and "The metro is shut." in text
        assert f"http://testserver/comments/reply/{reply.pk}/" in text
        assert "Stop the emails about this story" in text and "Stop every email about replies" in text
        assert OTHER_READER not in text and READER not in text
    assert message.alternatives[0][1] == "text/html"
    assert message.from_email == "The Almaty Herald <news@herald.example>"
    assert message.reply_to == []  # the sender's own address: a reply would reach nobody else
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://testserver/comments/emails/unsubscribe/[^>]+/>", message.extra_headers["List-Unsubscribe"])
    assert OTHER_READER not in str(message.message())


def test_replies_to_me_are_only_the_answers_to_my_replies(client, story, moderator, committed):
    ask(client, story, committed, notify_replies="on")
    with committed():
        client.post(link_in(mail.outbox[0], "confirm"))
    mail.outbox.clear()
    mine = Comment.objects.get(email=READER)
    approve(mine, moderator, committed)
    approve(make_reply(story, status=Comment.Status.PENDING, body="Unrelated."), moderator, committed)
    assert not mail.outbox
    other = make_reply(story, email=OTHER_READER)
    approve(make_reply(story, status=Comment.Status.PENDING, parent=other, body="Not to you."), moderator, committed)
    assert not mail.outbox
    approve(make_reply(story, status=Comment.Status.PENDING, parent=mine, body="Answering you."), moderator, committed)
    (message,) = mail.outbox
    assert "Answering you." in message.body and "answered you:" in message.body


def test_a_new_subscriber_hears_only_of_replies_approved_after_they_asked(client, story, moderator, committed):
    approve(make_reply(story, status=Comment.Status.PENDING, body="Said before you came."), moderator, committed)
    confirm(client, committed, story)
    approve(make_reply(story, status=Comment.Status.PENDING, body="Said since."), moderator, committed)
    (message,) = mail.outbox
    assert "Said since." in message.body and "Said before you came." not in message.body


def test_nobody_is_emailed_about_their_own_reply(client, story, moderator, committed):
    confirm(client, committed, story)
    approve(make_reply(story, status=Comment.Status.PENDING, email=READER), moderator, committed)
    assert not mail.outbox


def test_replies_waiting_spam_or_removed_are_never_told(client, story, moderator, committed):
    confirm(client, committed, story)
    with committed():
        for status in (Comment.Status.PENDING, Comment.Status.SPAM, Comment.Status.REMOVED):
            make_reply(story, status=status)
        rules.decide(make_reply(story, status=Comment.Status.PENDING), "spam", moderator)
    assert not mail.outbox


@pytest.mark.parametrize("path", ["feature", "admin action", "post-moderated story", "undo a removal"])
def test_a_reply_is_told_however_it_becomes_visible(client, story, moderator, committed, path, django_user_model):
    confirm(client, committed, story)
    reply = make_reply(story, status=Comment.Status.PENDING, body="Now you see it.")
    with committed():
        if path == "feature":
            rules.decide(reply, "feature", moderator)
        elif path == "admin action":
            Comment.objects.filter(pk=reply.pk).moderate(Comment.Status.APPROVED, moderator)
        elif path == "post-moderated story":
            discussion_rules(hold_all=False)
            from comments.models import StoryDiscussion

            StoryDiscussion.set_rules(story, moderator, moderation=StoryDiscussion.Moderation.POST)
            post_reply(Client(), story, body="Now you see it.", email=OTHER_READER)
        else:
            rules.decide(reply, "approve", moderator)
            removal = rules.decide(reply, "remove", moderator)
            mail.outbox.clear()
            Delivery.objects.all().delete()  # as if the approval had not been told yet
            rules.undo(removal.pk, moderator)
    assert len(mail.outbox) == 1
    assert "Now you see it." in mail.outbox[0].body


def test_many_replies_in_a_few_minutes_make_one_email_and_a_task_run_twice_sends_nothing_more(
    client, story, moderator, committed, settings
):
    confirm(client, committed, story)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    replies = [make_reply(story, status=Comment.Status.PENDING, body=f"Update {n} from the square.") for n in range(3)]
    for reply in replies:
        approve(reply, moderator, committed)

    finding = run_queued()
    assert [result.task.name for result in finding] == ["tell_subscribers"] * 3
    sending = run_queued()
    assert sending and all(result.task.name == "send_replies" for result in sending)
    assert all(result.task.run_after >= timezone.now() + timedelta(seconds=250) for result in sending)
    (message,) = mail.outbox
    assert message.subject.endswith(f"] 3 new replies to “{story.headline}”")
    assert all(f"Update {n} from the square." in message.body for n in range(3))
    for result in sending:  # run again, as a retry or a duplicate would
        result.task.call(*result.args, **result.kwargs)
    assert len(mail.outbox) == 1


def test_a_reply_removed_before_its_email_leaves_is_never_told(client, story, moderator, committed, settings):
    confirm(client, committed, story)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    reply = make_reply(story, status=Comment.Status.PENDING, body="Approved by mistake.")
    approve(reply, moderator, committed)
    with committed():
        rules.decide(reply, "remove", moderator)
    run_queued()
    run_queued()
    assert not mail.outbox


def test_a_failed_send_is_tried_again_at_the_next_change(client, story, moderator, committed, monkeypatch):
    confirm(client, committed, story)

    def mail_server_down(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", mail_server_down)
    approve(make_reply(story, status=Comment.Status.PENDING, body="First news."), moderator, committed)
    monkeypatch.undo()
    assert not mail.outbox
    approve(make_reply(story, status=Comment.Status.PENDING, body="Second news."), moderator, committed)
    (message,) = mail.outbox
    assert "First news." in message.body and "Second news." in message.body


def test_one_click_unsubscribe_works_without_cookie_or_csrf_token_and_a_get_changes_nothing(
    client, story, moderator, committed
):
    confirm(client, committed, story)
    approve(make_reply(story, status=Comment.Status.PENDING), moderator, committed)
    (message,) = mail.outbox
    header = message.extra_headers["List-Unsubscribe"].strip("<>").removeprefix("http://testserver")
    mail_client = Client(enforce_csrf_checks=True)
    page = mail_client.get(header)
    assert "Stop the emails" in page.content.decode()
    assert Subscription.objects.filter(subscriber__email=READER).count() == 2
    response = mail_client.post(header, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "no more emails from us about this story" in response.content.decode()
    assert not Subscriber.objects.filter(email=READER).exists()
    mail.outbox.clear()
    approve(make_reply(story, status=Comment.Status.PENDING), moderator, committed)
    assert not mail.outbox
    assert mail_client.post(header).content == response.content  # again, or for an unknown address: the same


def test_stopping_one_story_keeps_the_others_and_stopping_all_ends_every_email(client, story, moderator, committed):
    second = make_story("Curfew lifted in Almaty")
    confirm(client, committed, story)
    ask(client, second, committed)
    approve(make_reply(story, status=Comment.Status.PENDING), moderator, committed)
    (message,) = mail.outbox
    Client().post(link_in(message, "unsubscribe"))  # the first link: this story
    assert set(Subscription.objects.values_list("article", flat=True)) == {second.pk}
    mail.outbox.clear()
    approve(make_reply(second, status=Comment.Status.PENDING), moderator, committed)
    (message,) = mail.outbox
    stop_all = re.findall(r"http://testserver(/comments/emails/unsubscribe/[^\s]+/)", message.body)[1]
    Client().post(stop_all)
    assert not Subscriber.objects.exists()


def test_forged_or_expired_links_change_nothing(client, story, committed, settings):
    confirm(client, committed, story)
    subscriber = Subscriber.objects.get()
    assert client.post(f"/comments/emails/unsubscribe/{subscriber.pk}:0/").status_code == 404
    assert Subscriber.objects.exists()
    settings.NEWSROOM_COMMENTS_CONFIRM_DAYS = 0
    Subscriber.objects.update(confirmed_at=None)
    assert client.post(f"/comments/emails/confirm/{subscriptions.confirm_token(subscriber)}/").status_code == 404
    assert not Subscriber.objects.get().is_confirmed


def test_a_subscription_is_in_the_export_and_gone_with_an_erasure(client, story, committed):
    confirm(client, committed, story)
    exported = privacy.export([READER.upper()])["emails_about_replies"]
    assert {item["what"] for item in exported} == {"Replies to my replies", "Every new reply to the story"}
    assert exported[0]["story"] == story.headline and exported[0]["confirmed_at"]
    privacy.erase([READER], "anonymise")
    assert not Subscriber.objects.exists() and not Subscription.objects.exists()


def test_an_address_that_never_confirms_is_forgotten_when_its_link_expires(client, story, committed):
    ask(client, story, committed)
    privacy.purge()
    assert Subscriber.objects.exists()
    Subscriber.objects.update(created_at=timezone.now() - timedelta(days=30))  # asked long ago, again today
    privacy.purge(now=timezone.now() + timedelta(days=6))
    assert Subscriber.objects.exists(), "today's link still works"
    privacy.purge(now=timezone.now() + timedelta(days=8))
    assert not Subscriber.objects.exists()


def test_only_staff_who_may_change_replies_see_who_subscribed(client, story, committed, moderator, django_user_model):
    confirm(client, committed, story)
    listing = reverse("admin:comments_subscriber_changelist")
    page = signed_in(moderator).get(listing)
    assert page.status_code == 200 and READER in page.content.decode()
    shown = signed_in(moderator).get(reverse("admin:comments_subscriber_change", args=[Subscriber.objects.get().pk]))
    assert shown.status_code == 200 and story.headline in shown.content.decode()
    editor = staff(django_user_model, "edna", "Editors")
    assert signed_in(editor).get(listing).status_code == 403
    assert signed_in(moderator).post(reverse("admin:comments_subscriber_delete", args=[Subscriber.objects.get().pk])).status_code == 403


def test_the_privacy_notice_says_what_is_kept_for_emails_about_replies(client, db):
    page = client.get(reverse("pages:page", args=["privacy"])).content.decode()
    assert "Email me about new replies to this story" in page


def test_a_form_sent_with_a_stale_security_token_keeps_the_ticked_box(story):
    from tests.comments.support import reply_data

    data = reply_data(story, notify_story="on", csrfmiddlewaretoken="stale")
    response = Client(enforce_csrf_checks=True).post(reverse("comments:post", args=[story.pk]), data)
    assert response.status_code == 403
    page = response.content.decode()
    assert re.search(r'<input[^>]*name="notify_story"[^>]*checked', page)
    assert not re.search(r'<input[^>]*name="notify_replies"[^>]*checked', page)


def test_asking_costs_the_same_queries_whatever_the_address_had_asked_before(client, story, committed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    confirm(client, committed, story)
    ask(client, story, committed, email="waiting@example.org")
    costs = []
    for email in (READER, "waiting@example.org", "new@example.org"):  # confirmed, waiting, unknown
        with CaptureQueriesContext(connection) as queries:
            subscriptions.subscribe(email, story, [Subscription.Kind.STORY])
        costs.append([re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", query["sql"]) for query in queries.captured_queries])
    assert costs[0] == costs[1] == costs[2]
    assert len([sql for sql in costs[0] if "SAVEPOINT" not in sql]) == 4
