"""The "Leave a Reply" contract as a reader meets it: the form, posting, threads, and what is refused."""

import base64
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from comments.models import Comment, RememberedAuthor
from tests.comments.support import for_me, make_reply, post_reply, read_the_thanks, reply_data
from tests.comments.test_security import comparable
from tests.stories import make_story

pytestmark = pytest.mark.django_db




def page_of(client, story, query=""):
    response = client.get(story.get_absolute_url() + query)
    assert response.status_code == 200
    return response.content.decode()


def test_form_under_the_story_has_the_contract_strings(client, story):
    html = page_of(client, story)
    assert re.search(r"<h2[^>]*>Leave a Reply</h2>", html)
    assert "Your email address will not be published. Required fields are marked *" in html
    for label in ("Name", "Email", "Comment"):
        assert re.search(rf">\s*{label}<span class=\"asteriskField\">\*</span>", html), label
    assert re.search(r">\s*Website\s*</label>", html)
    assert "Save my name, email, and website in this browser for the next time I comment." in html
    assert re.search(r"<button[^>]*type=\"submit\"[^>]*>Post Comment</button>", html)


def test_honeypot_is_hidden_from_people_and_screen_readers(client, story):
    html = page_of(client, story)
    wrapper = re.search(r'<div[^>]*class="reply-honeypot"[^>]*>', html).group(0)
    assert 'aria-hidden="true"' in wrapper
    field = re.search(r'<input[^>]*name="homepage"[^>]*>', html).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_posting_redirects_to_the_reply_with_a_moderation_message(client, story):
    response = post_reply(client, story, body="The airport is closed.")
    reply = Comment.objects.get(body="The airport is closed.")
    assert response.status_code == 303
    assert response["Location"] == f"{story.get_absolute_url()}#comment-{reply.pk}"
    assert reply.status == Comment.Status.PENDING
    page = client.get(response["Location"]).content.decode()
    assert "Thank you. Your reply is awaiting moderation." in page


def test_pending_reply_is_visible_only_to_its_author(client, story, django_user_model):
    post_reply(client, story, body="Only I can see this for now.")
    own_page = page_of(client, story)
    assert "Only I can see this for now." in own_page
    assert "Your reply is awaiting moderation." in own_page

    from django.test import Client

    stranger = page_of(Client(), story)
    assert "Only I can see this for now." not in stranger
    assert "awaiting moderation" not in stranger


def test_approved_reply_is_shown_to_everyone_oldest_first(client, story):
    first = make_reply(story, body="First words.")
    second = make_reply(story, body="Second words.")
    make_reply(story, body="Held back.", status=Comment.Status.PENDING)
    make_reply(story, body="Junk.", status=Comment.Status.SPAM)
    html = page_of(client, story)
    assert html.index("First words.") < html.index("Second words.")
    assert f'id="comment-{first.pk}"' in html and f'id="comment-{second.pk}"' in html
    assert "Held back." not in html and "Junk." not in html
    assert "2 replies" in html


def test_remembered_fields_only_when_ticked_and_never_in_a_cookie(client, story):
    response = post_reply(
        client, story, name="Dana K", email="dana@example.org", website="https://dana.example.org/", remember="on"
    )
    assert 'value="Dana K"' in read_the_thanks(client, response).content.decode(), "the page with the thanks is theirs"
    other = make_story()
    assert 'value="Dana K"' not in page_of(client, other), "the next is the page every reader gets"
    assert for_me(client, other)["fields"] == {
        "name": "Dana K", "email": "dana@example.org", "website": "https://dana.example.org/", "remember": True,
    }
    assert sorted(response.cookies) == ["messages", "newsroom_replied", "newsroom_reply_token"]
    for cookie in (client.cookies[name] for name in client.cookies if name != "newsroom_replied"):  # that one is "1"
        decoded = base64.urlsafe_b64decode(cookie.value.split(":")[0] + "===").decode("latin-1")
        assert "dana" not in cookie.value.lower() and "dana" not in decoded.lower(), cookie.key
    assert client.cookies["newsroom_reply_token"]["httponly"]
    assert client.cookies["newsroom_replied"].value == "1" and not client.cookies["newsroom_replied"]["httponly"]
    assert RememberedAuthor.objects.get().email == "dana@example.org"

    post_reply(client, story, name="Dana K", email="dana@example.org")  # unticked: forget
    assert for_me(client, make_story())["fields"]["name"] == ""
    assert not RememberedAuthor.objects.exists()


def test_remembered_fields_are_not_set_when_unticked(client, story):
    post_reply(client, story, name="Dana K", email="dana@example.org")
    assert for_me(client, make_story())["fields"] == {"name": "", "email": "", "website": "", "remember": False}


def test_a_forged_token_cookie_finds_nobodys_remembered_fields(client, story):
    from comments.browser import TOKEN_COOKIE

    post_reply(client, story, name="Dana K", email="dana@example.org", remember="on")
    stolen_hash = RememberedAuthor.objects.get().token_hash
    from django.test import Client

    forger = Client()
    forger.cookies[TOKEN_COOKIE] = stolen_hash  # not signed by the server
    assert for_me(forger, story)["fields"]["email"] == ""


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "A"}, "Ensure this value has at least 2 characters (it has 1)."),
        ({"name": "N" * 81}, "Ensure this value has at most 80 characters (it has 81)."),
        ({"name": ""}, "This field is required."),
        ({"email": "not an address"}, "Enter a valid email address."),
        ({"email": ""}, "This field is required."),
        ({"website": "javascript:alert(1)"}, "Enter a web address starting with http:// or https://."),
        ({"website": "ftp://files.example.org/"}, "Enter a web address starting with http:// or https://."),
        ({"body": "x"}, "Ensure this value has at least 2 characters (it has 1)."),
        ({"body": "   "}, "This field is required."),
        ({"body": "w" * 5001}, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_every_rejection_says_what_to_fix_and_keeps_the_text(client, story, fields, message):
    data = {"name": "Kept Name", "email": "kept@example.org", "body": "Kept words of the reply.", **fields}
    response = post_reply(client, story, **data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'<a href="{story.get_absolute_url()}">{story.headline}</a>' in html
    assert "is-invalid" in html
    for field in ("name", "body"):
        if field not in fields:
            assert data[field] in html
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"homepage": "http://spam.example/"}, "a field meant to stay empty was filled in"),
        ({"shown_seconds_ago": 0}, "That was quick: please read your reply once more, then post it again."),
        ({"shown_seconds_ago": 3 * 3600}, "This form has expired"),
        ({"timestamp": "forged"}, "The form could not be verified."),
    ],
)
def test_security_checks_refuse_and_keep_the_text(client, story, fields, message):
    response = post_reply(client, story, body="Words I do not want to type again.", **fields)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Words I do not want to type again." in html
    assert not Comment.objects.exists()


def test_form_shown_again_carries_a_fresh_timestamp(client, story):
    old = reply_data(story, shown_seconds_ago=3 * 3600)["timestamp"]
    html = post_reply(client, story, timestamp=old).content.decode()
    fresh = re.search(r'name="timestamp" value="([^"]+)"', html).group(1)
    assert fresh != old


def test_the_same_reply_sent_twice_from_one_browser_is_stored_once(client, story):
    first = post_reply(client, story, email="same@example.org", body="Exactly these words.")
    again = post_reply(client, story, email="same@example.org", body="Exactly these words.")
    reply = Comment.objects.get()
    assert first.status_code == again.status_code == 303
    assert first["Location"] == again["Location"] == reply.get_absolute_url()
    assert "Thank you. Your reply is awaiting moderation." in client.get(again["Location"]).content.decode()


def test_the_same_words_from_another_browser_are_a_new_reply(client, story):
    from django.test import Client

    post_reply(client, story, email="same@example.org", body="Exactly these words.")
    response = post_reply(Client(), story, email="same@example.org", body="Exactly these words.", ip="198.51.100.2")
    assert response.status_code == 303
    assert Comment.objects.filter(body="Exactly these words.").count() == 2


def test_a_form_takes_one_reply(client, story):
    data = reply_data(story, body="First words.")
    url = reverse("comments:post", args=[story.pk])
    assert client.post(url, data).status_code == 303
    again = client.post(url, {**data, "body": "Other words, same form."})
    html = again.content.decode()
    assert again.status_code == 200
    assert "This form has already been used to post a reply." in html and "Other words, same form." in html
    fresh = re.search(r'name="timestamp" value="([^"]+)"', html).group(1)
    assert fresh != data["timestamp"]
    another_form = reply_data(story)["timestamp"]
    assert client.post(url, {**data, "timestamp": another_form, "body": "Other words, same form."}).status_code == 303
    assert Comment.objects.count() == 2


def test_a_story_taken_away_while_the_reader_writes_gives_back_their_text_and_tells_nothing_of_it(client):
    """Taken down, a draft, embargoed or never there: one answer, a 404 with the text kept, no headline."""
    stories = {
        "taken down": make_story("Secret headline", status=Article.Status.TAKEN_DOWN),
        "draft": make_story("Secret headline", status=Article.Status.DRAFT),
        "embargoed": make_story("Secret headline", publish_at=timezone.now() + timedelta(days=1)),
    }
    missing = make_story("Secret headline")
    missing_id = missing.pk
    missing.delete()
    missing.pk = missing_id
    stories["missing"] = missing
    answers = {}
    for state, story in [*stories.items(), ("taken down, page open for days", stories["taken down"])]:
        # A page open for days also has a stale security token: the answer is the same.
        reader = Client(enforce_csrf_checks=True) if "days" in state else client
        response = post_reply(reader, story, name="Dana K", body="Words typed for an hour.")
        html = response.content.decode()
        assert response.status_code == 404, state
        assert "This story is not available, so it takes no replies." in html, state
        assert "Words typed for an hour." in html and 'value="Dana K"' in html, state
        assert "Secret headline" not in html and "story-number" not in html, state
        answers[state] = comparable(response, "")
    assert len(set(map(repr, answers.values()))) == 1, "the answer differs between stories readers cannot see"
    assert not Comment.objects.exists()


def test_a_reply_to_a_story_closed_while_the_reader_writes_comes_back_with_its_text(client, story):
    story.comments_enabled = False
    story.save()
    response = post_reply(client, story, name="Dana K", body="Words typed for an hour.")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Replies to this story are closed." in html
    assert "Words typed for an hour." in html and 'value="Dana K"' in html
    assert not Comment.objects.exists()
    html = page_of(client, story)
    assert "Comments are closed." in html and "Post Comment" not in html


@pytest.mark.parametrize("method", ["get", "put"])
def test_the_post_address_only_takes_post(client, story, method):
    response = getattr(client, method)(reverse("comments:post", args=[story.pk]))
    assert response.status_code == 405


def test_garbage_in_every_field_is_never_a_500(client, story):
    for value in ["\x00", "%", "<" * 100, "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"), "9" * 40]:
        data = {key: value for key in ("name", "email", "website", "body", "timestamp", "homepage", "parent", "remember")}
        response = client.post(reverse("comments:post", args=[story.pk]), data)
        assert response.status_code == 200
    for query in ("?replyto=abc", "?replyto=99999999999999999999", "?cpage=-1", "?cpage=zz"):
        assert client.get(story.get_absolute_url() + query).status_code == 404, "not an address the site writes"


def test_threads_go_three_levels_deep_with_a_reply_link_that_needs_no_javascript(client, story):
    top = make_reply(story, body="Level one.")
    html = page_of(client, story)
    link = re.search(rf'<a[^>]*href="\?replyto={top.pk}#respond"[^>]*>Reply</a>', html)
    assert link

    answer_page = page_of(client, story, f"?replyto={top.pk}")
    assert re.search(rf'<input[^>]*name="parent" value="{top.pk}"', answer_page)
    assert "Replying to" in answer_page

    post_reply(client, story, body="Level two.", parent=top.pk)
    second = Comment.objects.get(body="Level two.")
    second.status = Comment.Status.APPROVED
    second.save()
    post_reply(client, story, body="Level three.", parent=second.pk)
    third = Comment.objects.get(body="Level three.")
    assert (second.parent, second.depth, third.parent, third.depth) == (top, 2, second, 3)

    html = page_of(client, story)  # the author also sees the pending third level
    nested = re.search(
        rf'id="comment-{top.pk}".*?<ol class="reply-list reply-list--children">.*?id="comment-{second.pk}"'
        rf'.*?<ol class="reply-list reply-list--children">.*?id="comment-{third.pk}"',
        html,
        re.S,
    )
    assert nested


def test_replies_past_the_deepest_level_attach_to_the_deepest_allowed_parent(client, story, settings):
    settings.NEWSROOM_COMMENTS_MAX_DEPTH = 3
    one = make_reply(story)
    two = make_reply(story, parent=one)
    three = make_reply(story, parent=two)
    post_reply(client, story, body="Too deep to nest.", parent=three.pk)
    reply = Comment.objects.get(body="Too deep to nest.")
    assert (reply.parent, reply.depth) == (two, 3)


def test_reply_to_a_reply_that_is_not_approved_is_refused_with_a_reason(client, story):
    held = make_reply(story, status=Comment.Status.PENDING)
    other_story_reply = make_reply(make_story())
    for parent in (held.pk, other_story_reply.pk, 424242):
        response = post_reply(client, story, body="Answering something gone.", parent=parent)
        assert "The reply you were answering is no longer shown" in response.content.decode()
        assert "Answering something gone." in response.content.decode()
    assert not Comment.objects.filter(body="Answering something gone.").exists()


def test_top_level_threads_are_paginated(client, story, settings):
    settings.NEWSROOM_COMMENTS_PER_PAGE = 2
    replies = [make_reply(story, body=f"Thread {n}.") for n in range(5)]
    make_reply(story, body="Answer inside thread 1.", parent=replies[1])
    first, third = page_of(client, story), page_of(client, story, "?cpage=3")
    assert "Thread 0." in first and "Thread 1." in first and "Answer inside thread 1." in first
    assert "Thread 2." not in first and 'href="?cpage=2#comments"' in first
    assert "Thread 4." in third and "Thread 0." not in third
    assert replies[4].get_absolute_url().endswith(f"?cpage=3#comment-{replies[4].pk}")


def test_avatar_is_made_from_the_name_never_the_email(client, story):
    make_reply(story, name="Aigerim Nurlanovna", email="first@example.org")
    make_reply(story, name="Aigerim Nurlanovna", email="second@example.org")
    html = page_of(client, story)
    avatars = re.findall(r'<span class="avatar (avatar--\d+)" aria-hidden="true">AN</span>', html)
    assert len(avatars) == 2 and avatars[0] == avatars[1]
    assert "gravatar" not in html.lower()


def test_comment_counts_gives_every_storys_public_reply_count_in_one_query(story, django_assert_num_queries):
    from django.template import Context, Template

    other = make_story()
    make_reply(story)
    make_reply(story)
    make_reply(story, status=Comment.Status.PENDING)
    stories = list(Article.objects.filter(pk__in=[story.pk, other.pk]).order_by("pk"))
    template = Template(
        "{% load comments %}{% comment_counts stories as counts %}{% for s in stories %}{{ counts|replies_to:s }},{% endfor %}"
    )
    with django_assert_num_queries(1):  # every count at once
        assert template.render(Context({"stories": stories})) == "2,0,"
    assert not any(hasattr(s, "reply_count") for s in stories), "the tag changes no story"


def test_form_timestamp_belongs_to_its_story(client, story):
    other = make_story()
    data = reply_data(other, body="Cross-posted words.")
    response = client.post(reverse("comments:post", args=[story.pk]), data, REMOTE_ADDR="203.0.113.7")
    assert "This form belongs to another story." in response.content.decode()




def test_front_page_shows_each_storys_approved_reply_count(client, story):
    """Needs `{% load comments %}{% comment_counts page_obj %}` in the front page template (articles app)."""
    make_story(headline="A quieter story")
    make_reply(story)
    make_reply(story)
    make_reply(story, status=Comment.Status.PENDING)
    html = client.get("/").content.decode()
    assert "2 replies" in html


def test_the_authors_own_pending_reply_is_not_headed_no_replies_yet(client, story):
    def heading(html):
        return re.search(r'<h2 id="replies-title"[^>]*>(.*?)</h2>', html).group(1)

    post_reply(client, story, body="My words, waiting.")
    assert heading(page_of(client, story)) == "Replies"
    from django.test import Client

    assert heading(page_of(Client(), story)) == "No replies yet"
    make_reply(story)
    assert heading(page_of(client, story)) == "1 reply"


def test_a_form_answering_a_vanished_reply_is_shown_again_as_a_top_level_reply(client, story):
    gone = make_reply(story)
    gone_pk = gone.pk
    gone.delete()
    html = post_reply(client, story, body="Answering the vanished.", parent=gone_pk).content.decode()
    assert "The reply you were answering is no longer shown" in html
    assert re.search(r'<input type="hidden" name="parent" id="id_parent"(?! value)', html) or 'name="parent" value=""' in html
    assert f'value="{gone_pk}"' not in html
    assert post_reply(client, story, body="Answering the vanished.", parent="").status_code == 303
    assert Comment.objects.get(body="Answering the vanished.").parent is None


@pytest.mark.parametrize("which", ["pending", "spam", "other story", "missing"])
def test_replyto_offers_to_answer_only_a_public_reply_of_this_story(client, story, which):
    def own(status):
        """A reply of this very reader, who sees it (marked as waiting) on the page."""
        post_reply(client, story, body=f"My own {status} reply.")
        Comment.objects.filter(body=f"My own {status} reply.").update(status=status)
        return Comment.objects.get(body=f"My own {status} reply.").pk

    target = {
        "pending": lambda: own(Comment.Status.PENDING),
        "spam": lambda: own(Comment.Status.SPAM),
        "other story": lambda: make_reply(make_story()).pk,
        "missing": lambda: 987654,
    }[which]()
    response = client.get(story.get_absolute_url() + f"?replyto={target}", follow=True)
    assert response.redirect_chain == [(story.get_absolute_url(), 302)], "sent to the story, with no reply to answer"
    html = response.content.decode()
    if which in ("pending", "spam"):
        assert f'id="comment-{target}"' in html, "the reader sees their own reply"
    assert re.search(r'<p class="respond__replying" hidden>\s*Replying to <span class="respond__to"></span>', html)
    assert not re.search(rf'name="parent" value="{target}"', html)


def test_a_reply_sent_with_a_stale_security_token_comes_back_with_its_text(story):
    from django.test import Client

    reader = Client(enforce_csrf_checks=True)
    data = reply_data(story, name="Dana K", body="Words typed for an hour.", csrfmiddlewaretoken="stale")
    response = reader.post(reverse("comments:post", args=[story.pk]), data)
    html = response.content.decode()
    assert response.status_code == 403
    assert "security check had expired" in html and "Words typed for an hour." in html and 'value="Dana K"' in html
    assert not Comment.objects.exists()

    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    again = reader.post(reverse("comments:post", args=[story.pk]), {**data, "csrfmiddlewaretoken": token})
    assert again.status_code == 303
    assert Comment.objects.get().body == "Words typed for an hour."


def test_other_forms_without_their_token_get_the_plain_explanation(client):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/comments/emails/confirm/not-a-link/", {"note": "x"})
    assert response.status_code == 403 and "Leave a Reply" not in response.content.decode()
