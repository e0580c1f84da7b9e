"""Readers who posted are readers too: what is the browser's own (its waiting replies, a token and a signed
timestamp for the form, the details it asked to be remembered) comes from /comments/for-me/<story>/, which is
never cached and tells nothing about anyone else; without JavaScript, a first reply or a report comes back to
be sent with a fresh token (test_cached_pages_alike.py: the pages themselves are the same for everyone)."""

import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse

from articles.models import Article
from comments.browser import MARKER_COOKIE, TOKEN_COOKIE
from comments.models import Comment
from tests.comments.support import for_me, make_reply, post_reply, read_the_thanks, reply_data
from tests.stories import make_story

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# -- /comments/for-me/: what is the browser's own -----------------------------------------------------------------


def blanked(answer):
    """A for-me answer with what differs between any two requests (token, timestamp) left out."""
    return {name: value for name, value in answer.items() if name not in ("csrf_token", "timestamp")}


def test_for_me_answers_alike_with_no_token_a_tampered_one_and_one_that_wrote_nothing_here(story):
    someone = Client()
    post_reply(someone, story, name="Dana K", email="dana@example.org", body="Dana's words.", remember="on")
    tampered, elsewhere = Client(), Client()
    tampered.cookies[TOKEN_COOKIE] = someone.cookies[TOKEN_COOKIE].value[:-2] + "xx"
    post_reply(elsewhere, make_story("Another story"), body="Elsewhere.")

    answers = [for_me(browser, story) for browser in (Client(), tampered, elsewhere)]
    assert answers[0] == {
        "csrf_token": answers[0]["csrf_token"], "timestamp": answers[0]["timestamp"],
        "fields": {"name": "", "email": "", "website": "", "remember": False}, "heading": "No replies yet", "replies": [],
    }
    assert [blanked(answer) for answer in answers[1:]] == [blanked(answers[0])] * 2
    for answer in answers:
        assert "dana" not in str(answer).lower()
    assert for_me(someone, story)["fields"]["email"] == "dana@example.org", "the details are its own browser's"


def test_for_me_gives_each_request_a_fresh_form_and_is_never_kept(client, story):
    response = client.get(reverse("comments:for_me", args=[story.pk]), HTTP_ACCEPT="application/json")
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response and "Surrogate-Key" not in response
    first, second = response.json(), for_me(client, story)
    assert first["timestamp"] != second["timestamp"]
    assert client.cookies["csrftoken"], "the token answers a cookie of its own"


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.TAKEN_DOWN, "missing"])
def test_for_me_on_a_story_readers_cannot_see_is_the_same_404_as_a_missing_one(client, story, status):
    if status == "missing":
        story_id = Article.objects.order_by("-pk").first().pk + 1000
    else:
        story_id = make_story("Hidden story", status=status).pk
    for accept in ("application/json", "text/html"):
        addresses = [reverse("comments:for_me", args=[number]) for number in (story_id, 2**40)]
        answer, nowhere = (client.get(address, HTTP_ACCEPT=accept) for address in addresses)
        assert answer.status_code == nowhere.status_code == 404
        assert answer.content.replace(addresses[0].encode(), b"") == nowhere.content.replace(addresses[1].encode(), b"")


def test_a_pending_answer_comes_with_the_reply_it_answers_and_the_one_before_it(client, story):
    first, second = make_reply(story, name="First"), make_reply(story, name="Second")
    earlier = make_reply(story, parent=first, name="Earlier answer")
    post_reply(client, story, body="My answer, waiting.", parent=first.pk)
    post_reply(client, story, body="My own thread, waiting.")
    read_the_thanks(client, post_reply(client, make_story("Another story"), body="Not on this story."))

    page = client.get(story.get_absolute_url()).content.decode()
    assert "waiting." not in page and 'name="csrfmiddlewaretoken"' not in page, "the page every reader gets"
    mine = for_me(client, story)
    answer, thread = Comment.objects.get(body="My answer, waiting."), Comment.objects.get(body="My own thread, waiting.")
    assert [(own["id"], own["parent"], own["after"]) for own in mine["replies"]] == [
        (answer.pk, first.pk, earlier.pk), (thread.pk, None, second.pk),
    ]
    assert mine["heading"] == "3 replies", "the browser's waiting replies are not counted as public"
    for own in mine["replies"]:
        assert own["html"].startswith(f'<li id="comment-{own["id"]}" class="reply reply--depth-')
        assert "Your reply is awaiting moderation." in own["html"] and "@example.org" not in own["html"]


def test_the_marker_cookie_says_only_that_this_browser_replied_or_reported(client, story):
    assert MARKER_COOKIE not in client.get(story.get_absolute_url()).cookies
    response = post_reply(client, story)
    marker = response.cookies[MARKER_COOKIE]
    assert (marker.value, marker["httponly"], marker["samesite"]) == ("1", "", "Lax")
    reporter = Client()
    report = reporter.post(reverse("comments:report", args=[make_reply(story).pk]), {"reason": "spam"})
    assert report.status_code == 303 and report.cookies[MARKER_COOKIE].value == "1"


# -- Without JavaScript ------------------------------------------------------------------------------------------


def test_a_first_reply_without_javascript_comes_back_to_check_and_send_with_the_remembered_details(story):
    reader = Client(enforce_csrf_checks=True)
    reader.cookies[TOKEN_COOKIE] = signing.dumps("remembering-browser", salt=TOKEN_COOKIE)
    from comments.models import RememberedAuthor

    RememberedAuthor.objects.create(
        token_hash=Comment.hash_token("remembering-browser"), name="Dana K", email="dana@example.org", website=""
    )
    page = reader.get(story.get_absolute_url()).content.decode()
    assert not CSRF.search(page) and re.search(r'<input type="hidden" name="timestamp" id="id_timestamp">', page)

    data = {"timestamp": "", "name": "", "email": "", "body": "Written without a script.", "homepage": "", "parent": ""}
    answer = reader.post(reverse("comments:post", args=[story.pk]), data)
    html = answer.content.decode()
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "<h1>Please check and send your reply</h1>" in html and "expired" not in html
    assert "Written without a script." in html and 'value="Dana K"' in html and 'value="dana@example.org"' in html
    assert not Comment.objects.exists()

    again = dict(re.findall(r'name="(csrfmiddlewaretoken|timestamp)" value="([^"]+)"', html))
    with mock.patch("time.time", return_value=time.time() + 60):  # the reader reads it through
        sent = reader.post(reverse("comments:post", args=[story.pk]), {**data, **again, "name": "Dana K", "email": "dana@example.org"})
    assert sent.status_code == 303, sent.content.decode()[:3000]
    assert Comment.objects.get().body == "Written without a script."


def test_a_report_without_its_token_comes_back_with_the_reason_kept_and_a_fresh_token(story):
    reply = make_reply(story, body="Words someone finds abusive.")
    reader = Client(enforce_csrf_checks=True)
    answer = reader.post(reverse("comments:report", args=[reply.pk]), {"reason": "spam", "note": "Adverts."})
    html = answer.content.decode()
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    assert "Please check and send your report" in html and "Adverts." in html
    assert re.search(r'<input[^>]*value="spam"[^>]*checked', html) or re.search(r'<input[^>]*checked[^>]*value="spam"', html)
    assert not reply.reports.exists()

    token = CSRF.search(html).group(1)
    sent = reader.post(reverse("comments:report", args=[reply.pk]), {"reason": "spam", "note": "", "csrfmiddlewaretoken": token})
    assert sent.status_code == 303 and reply.reports.count() == 1


def test_without_javascript_a_link_in_the_thread_leads_to_the_browsers_own_replies(client, story):
    read_the_thanks(client, post_reply(client, story, body="Waiting words."))
    page = client.get(story.get_absolute_url()).content.decode()
    link = reverse("comments:for_me", args=[story.pk])
    assert f'<noscript><p class="replies__own"><a href="{link}"' in page and "Waiting words." not in page

    own = client.get(link)
    html = own.content.decode()
    assert own.status_code == 200 and "no-store" in own["Cache-Control"] and own["X-Robots-Tag"] == "noindex"
    assert "Waiting words." in html and "Your reply is awaiting moderation." in html
    stranger = Client().get(link).content.decode()
    assert "Waiting words." not in stranger and "No replies from this browser on this story." in stranger


def test_right_after_posting_the_page_with_the_thanks_still_shows_the_new_reply(client, story):
    response = post_reply(client, story, body="Just posted.")
    page = client.get(response["Location"])
    assert "Thank you. Your reply is awaiting moderation." in page.content.decode()
    assert "Just posted." in page.content.decode() and "private" in page["Cache-Control"]


def test_a_reply_sent_with_the_fields_of_a_shared_page_works_once_the_script_filled_them(story):
    """What the script does: the shared page's form, with the token and timestamp from /comments/for-me/."""
    reader = Client(enforce_csrf_checks=True)
    reader.get(story.get_absolute_url())
    mine = for_me(reader, story)
    data = reply_data(story, timestamp=mine["timestamp"], csrfmiddlewaretoken=mine["csrf_token"])
    with mock.patch("time.time", return_value=time.time() + 60):
        assert reader.post(reverse("comments:post", args=[story.pk]), data).status_code == 303
