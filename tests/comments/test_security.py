"""Hostile input rendered inert, no commenter email anywhere public, constant queries, concurrent posts."""

import re
import threading
from html.parser import HTMLParser

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from sanitize import render_comment
from tests.comments.support import make_reply, post_reply, reply_data, seen_on_the_story
from tests.stories import make_story

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg/onload=alert(1)>',
    "<a href=\"javascript:alert(1)\">click</a>",
    "<a href=\"JaVaScRiPt:alert(1)\" title=\"x\" onmouseover=\"alert(1)\">hover</a>",
    "<a href=\"data:text/html,<script>alert(1)</script>\">data</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<b onclick=alert(1)>bold</b>",
    "<blockquote cite=\"javascript:alert(1)\">quote</blockquote>",
    "<style>body{display:none}</style><p style=\"color:red\">styled</p>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "javascript:alert(1)",
    "<!--<script>alert(1)//-->",
    "</textarea><script>alert(1)</script>",
    "'\"><body onload=alert(1)>",
]


class Inspector(HTMLParser):
    """Everything in a page that could run script: script tags, on* attributes, javascript: links, style."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") != "application/ld+json" and not attrs.get("src"):
            self.problems.append(f"inline <script> {attrs}")
        if tag in ("iframe", "style", "object", "embed", "svg"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name == "style":
                self.problems.append(f"{tag} {name}={value!r}")
            if name in ("href", "src", "action", "cite", "formaction") and value and re.match(
                r"\s*(javascript|data|vbscript):", value, re.I
            ):
                self.problems.append(f"{tag} {name}={value!r}")


def dangers(html):
    inspector = Inspector()
    inspector.feed(html)
    return inspector.problems


@pytest.mark.parametrize("attack", XSS)
def test_render_comment_leaves_nothing_that_runs(attack):
    assert dangers(render_comment(attack)) == []


def test_render_comment_keeps_wordpress_tags_and_marks_links():
    html = render_comment(
        'See https://example.org and <a href="https://x.example" rel="follow">this</a>.\n'
        "<strong>Bold</strong> <em>em</em> <code>x</code> <abbr title=\"t\">T</abbr> <q cite=\"https://q.example\">q</q>"
        " <del datetime=\"2026-01-01\">old</del>\n\nSecond paragraph."
    )
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'rel="follow"' not in html
    for tag in ("<strong>", "<em>", "<code>", '<abbr title="t">', '<q cite="https://q.example">', '<del datetime="2026-01-01">'):
        assert tag in html
    assert "<br>" in html and html.count("<p>") == 2


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["name", "website", "body"])
def test_xss_in_every_field_is_inert_on_the_story_page(client, story, field):
    for attack in XSS:
        make_reply(story, **{"body": "A harmless reply.", field: attack})
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert f"{len(XSS)} replies" in response.content.decode(), "every hostile reply is on the page"
    assert dangers(response.content.decode()) == []


@pytest.mark.django_db
def test_xss_posted_through_the_form_is_inert_in_the_pending_view_and_error_page(client, story):
    for attack in XSS:
        response = post_reply(client, story, name=f"N {attack}"[:80], body=f"Reply {attack}")
        assert response.status_code in (200, 303)
        if response.status_code == 200:
            assert dangers(response.content.decode()) == []
    bad = post_reply(client, story, name=XSS[0], website=XSS[3], email=XSS[1], body=XSS[2])
    assert bad.status_code == 200 and dangers(bad.content.decode()) == []
    page = client.get(story.get_absolute_url()).content.decode()
    assert "awaiting moderation" in page
    assert dangers(page) == []


@pytest.mark.django_db
def test_no_commenter_email_appears_in_any_public_response(client, story):
    emails = [f"private.reader.{n}@leak-check.example" for n in range(4)]
    make_reply(story, email=emails[0], website="https://reader.example/")
    parent = make_reply(story, email=emails[1])
    make_reply(story, email=emails[2], parent=parent)
    post_reply(client, story, email=emails[3], body="My own pending reply.")  # the author's own view too

    responses = {
        "front page": client.get("/"),
        "story page": client.get(story.get_absolute_url()),
        "story page, replying": client.get(story.get_absolute_url() + f"?replyto={parent.pk}"),
        "rss": client.get("/feeds/latest/"),
        "atom": client.get("/feeds/atom/"),
        "sitemap": client.get("/sitemap.xml"),
        "404": client.get("/no-such-page/"),
        "error page for a bad post": post_reply(client, story, email="visitor@example.net", body="x"),
        "error page, bad email": post_reply(client, story, email="not an email"),
        "closed story": None,
    }
    story.comments_enabled = False
    story.save()
    responses["closed story"] = post_reply(client, story, email="visitor@example.net")
    for where, response in responses.items():
        assert response.status_code in (200, 403, 404), where
        body = response.content.decode().lower()
        for email in emails:
            assert email not in body, f"{email} leaked in {where}"
            assert email.split("@")[0] not in body, f"local part of {email} leaked in {where}"
        for cookie in response.cookies.values():
            assert not any(email in cookie.value for email in emails), where
    assert Comment.objects.filter(email__in=emails).count() == 4


@pytest.mark.django_db
def test_a_refused_reply_shows_its_own_email_only_back_in_its_own_field(client, story):
    make_reply(story, email="earlier.reader@leak-check.example")
    html = post_reply(client, story, email="me@leak-check.example", body="x").content.decode()
    assert html.count("me@leak-check.example") == 1
    assert re.search(r'<input type="email" name="email" value="me@leak-check.example"', html)
    assert "earlier.reader" not in html


@pytest.mark.django_db
def test_story_page_queries_stay_constant_from_1_to_500_replies(client, story, django_assert_max_num_queries):
    make_reply(story)
    client.get(story.get_absolute_url())  # warm anything cached once per process
    caches["pages"].clear()  # but not the page itself: this counts what rendering it costs
    with CaptureQueriesContext(connection) as one:
        assert client.get(story.get_absolute_url()).status_code == 200
    budget = len(one)  # now: the next request empties the query log

    threads = [Comment(article=story, name=f"Reader {n}", email=f"bulk{n}@example.org", body=f"Bulk {n}.",
                       status=Comment.Status.APPROVED) for n in range(300)]
    Comment.objects.bulk_create(threads)
    tops = list(Comment.objects.filter(article=story, parent__isnull=True)[:199])
    Comment.objects.bulk_create(
        Comment(article=story, parent=top, root=top, depth=2, name="Answerer", email=f"a{n}@example.org", body=f"Answer {n}.",
                status=Comment.Status.APPROVED)
        for n, top in enumerate(tops)
    )
    Comment.public_replies_changed([story.pk])  # what save() does for each reply
    assert Comment.objects.public().filter(article=story).count() == 500
    client.get(story.get_absolute_url())
    caches["pages"].clear()
    with django_assert_max_num_queries(budget):
        response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert "500 replies" in response.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps migrated groups for later tests
def test_two_concurrent_posts_are_both_stored(settings):
    story = make_story("Concurrent story")
    data = [reply_data(story, email=f"concurrent{n}@example.org", body=f"Concurrent reply {n}.") for n in range(2)]
    results = []

    def post(n):
        try:
            response = Client().post(f"/comments/post/{story.pk}/", data[n], REMOTE_ADDR=f"192.0.2.{n + 10}")
            results.append(response.status_code)
        finally:
            connection.close()

    workers = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert results == [303, 303]
    assert set(Comment.objects.values_list("body", flat=True)) == {"Concurrent reply 0.", "Concurrent reply 1."}


# -- No email oracle ---------------------------------------------------------------------------------------------

NUMBERS = re.compile(r"\d+")
SECRETS = re.compile(r'(name="(?:csrfmiddlewaretoken|timestamp)" value=")[^"]+')


def comparable(response, typed_email=""):
    """What a prober sees, with what differs between any two requests (tokens, ids, times, the address
    the prober typed, shown back in its own field) blanked out."""
    text = SECRETS.sub(r"\1", response.content.decode())
    if typed_email:
        text = text.replace(typed_email, "EMAIL").replace(typed_email.strip(), "EMAIL")
    cookies = sorted((name, cookie["max-age"], cookie["httponly"], cookie["samesite"]) for name, cookie in response.cookies.items())
    return response.status_code, NUMBERS.sub("#", response.get("Location", "")), NUMBERS.sub("#", text), cookies


def probe(story, email, **fields):
    """Post a public reply's exact words again under a guessed email, from a fresh browser, as a prober would."""
    prober = Client()
    fields = {"body": "I saw the square from my window.", **fields}
    response = post_reply(prober, story, email=email, ip="198.51.100.66", **fields)
    followed = prober.get(response["Location"]) if response.status_code == 303 else None
    return comparable(response, email), followed and comparable(followed, email)


@pytest.mark.parametrize(
    "fields",
    [
        {},  # a valid form
        {"name": ""},  # "to store nothing, a blank name"
        {"body": ""},
        {"shown_seconds_ago": 3 * 3600},  # an expired form
    ],
    ids=["valid", "blank-name", "blank-body", "expired-form"],
)
def test_a_reply_posted_again_under_a_guessed_email_answers_the_same_for_its_author_and_anyone(
    story, fields, django_assert_num_queries
):
    author = Client()
    post_reply(author, story, email="author@example.org", body="I saw the square from my window.")
    Comment.objects.update(status=Comment.Status.APPROVED)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    probe(story, "warm-up@example.org", **fields)  # the site's first request after a change does more work
    answers = {}
    for guess in ("author@example.org", "AUTHOR@example.org ", "stranger@example.org"):
        with CaptureQueriesContext(connection) as queries:
            answers[guess] = probe(story, guess, **fields)
        answers[guess] += (len(queries),)  # as much work for a right guess as for a wrong one
    first, *others = answers.values()
    for other in others:
        for seen, expected in zip(other, first, strict=True):
            assert seen == expected


def test_a_spam_verdict_is_told_exactly_like_a_pending_one(story):
    from tests.comments.support import rules

    rules(disallowed_keys="casino")
    pending = post_reply(Client(), story, body="A plain reply.", ip="198.51.100.1")
    spam = post_reply(Client(), story, body="A casino reply.", ip="198.51.100.2")
    assert Comment.objects.get(body="A casino reply.").status == Comment.Status.SPAM
    assert comparable(pending)[:2] == comparable(spam)[:2]
    assert comparable(pending)[3] == comparable(spam)[3]


MODES = ["pre-moderation", "post-moderation", "returning authors published"]


def returning_browser(email, elsewhere):
    """A browser whose earlier reply under `email` (on another story, long ago) was approved."""
    from django.core import signing

    from comments.browser import TOKEN_COOKIE, new_author_token

    token = new_author_token()
    browser = Client()
    browser.cookies[TOKEN_COOKIE] = signing.dumps(token, salt=TOKEN_COOKIE)
    make_reply(elsewhere, email=email, author_token=Comment.hash_token(token))
    return browser


def banned_browser(browser):
    """`browser`, holding a token (its own, or a new one) that a ban covers."""
    from django.core import signing

    from comments.browser import TOKEN_COOKIE, new_author_token
    from comments.models import Ban

    if TOKEN_COOKIE in browser.cookies:
        token = signing.loads(browser.cookies[TOKEN_COOKIE].value, salt=TOKEN_COOKIE)
    else:
        token = new_author_token()
        browser.cookies[TOKEN_COOKIE] = signing.dumps(token, salt=TOKEN_COOKIE)
    Ban.objects.create(author_token=Comment.hash_token(token), reason="Abuse")
    return browser


def seen_by_the_writer(browser, story, response, email):
    """Everything the browser that posted learns: the answer's status, headers, cookies and redirect, the
    story page it is sent to (with its thanks), numbers and its own email blanked out; then, on its next visit,
    the page every reader gets with what /comments/for-me/ tells it and the script puts in (seen_on_the_story)."""
    headers = sorted((name, NUMBERS.sub("#", value)) for name, value in response.items() if name != "Date")
    followed = browser.get(response["Location"])
    followed_headers = sorted((name, NUMBERS.sub("#", value)) for name, value in followed.items() if name != "Date")
    del browser.cookies["messages"]  # emptied once shown; a browser drops it (the test client keeps it)
    later = seen_on_the_story(browser, story)
    return comparable(response, email), headers, comparable(followed, email), followed_headers, later


@pytest.mark.parametrize("mode", MODES)
def test_no_answer_tells_whether_an_email_or_address_is_banned_watched_or_writing_right_now(story, settings, mode):
    """The same words from a banned (in any spelling of its mailbox), a watched, a just-used and a fresh email
    (and a banned and a watched address, and a banned browser) are answered alike, and look alike to their own
    browser, whatever the story's moderation."""
    from comments.models import Ban, StoryDiscussion
    from tests.comments.support import rules

    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 15
    elsewhere = make_story("Another story")
    Ban.objects.create(email="banned@example.org", reason="Abuse")
    Ban.objects.create(email="Ban.Ned+news@gmail.com", reason="Abuse")
    Ban.objects.create(ip_address="2001:db8:bad:1::1", reason="Abuse")
    rules(hold_all=mode != "returning authors published", moderation_keys="watched@example.org\n198.51.100.99")
    if mode != "returning authors published":
        StoryDiscussion.set_rules(story, None, moderation=mode.split("-")[0])
    post_reply(Client(), elsewhere, email="writing@example.org", ip="192.0.2.50")  # its owner, a moment ago
    writers = {  # email, address; the fresh one last: it may be published, for every later one to see
        "banned email": ("banned@example.org", "198.51.100.1"),
        "banned mailbox, another spelling": ("b.anned+other@googlemail.com", "198.51.100.5"),
        "banned browser": ("third@example.org", "198.51.100.6"),
        "watched email": ("watched@example.org", "198.51.100.2"),
        "email writing right now": ("writing@example.org", "198.51.100.3"),
        "banned address": ("first@example.org", "2001:db8:bad:1:abcd::77"),
        "watched address": ("second@example.org", "198.51.100.99"),
        "fresh email and address": ("fresh@example.org", "198.51.100.4"),
    }
    seen = {}
    for writer, (email, ip) in writers.items():
        browser = returning_browser(email, elsewhere) if mode == "returning authors published" else Client()
        if writer == "banned browser":
            banned_browser(browser)
        response = post_reply(browser, story, name="Dana K", email=email, ip=ip, body="The same words.")
        seen[writer] = seen_by_the_writer(browser, story, response, email)

    told = "awaiting moderation" if mode == "pre-moderation" else "published"
    fresh = seen.pop("fresh email and address")
    assert f"Thank you. Your reply is {told}." in fresh[2][2] and "The same words." in fresh[2][2]
    assert fresh[4][1] == ["<p>The same words.</p>"], "its own reply, on its next visit too"
    for writer, answer in seen.items():
        for part, expected in zip(answer, fresh, strict=True):
            assert part == expected, f"{writer} is answered differently ({mode})"
    # Nobody else sees the held ones; the moderators see why each is held.
    others_see = Client().get(story.get_absolute_url()).content.decode()
    assert others_see.count("The same words.") == (0 if mode == "pre-moderation" else 1)
    held = Comment.objects.filter(article=story).exclude(email="fresh@example.org")
    assert all(reply.status in Comment.AWAITING for reply in held)
    if mode != "pre-moderation":
        for reply in held:
            assert reply.events.get().note.endswith("; its author sees it as published")


def test_a_reply_that_looks_published_to_its_author_can_be_answered_and_reported_like_one(story):
    """Every path from its own browser treats it as published; nobody else can reach it."""
    from comments.models import Ban, StoryDiscussion

    StoryDiscussion.set_rules(story, None, moderation="post")
    Ban.objects.create(email="banned@example.org", reason="Abuse")
    author = Client()
    post_reply(author, story, name="Dana K", email="banned@example.org", body="My first words.", ip="198.51.100.1")
    held = Comment.objects.get(body="My first words.")
    assert (held.status, held.looks_published) == (Comment.Status.SPAM, True)

    form = author.get(f"{story.get_absolute_url()}?replyto={held.pk}").content.decode()
    assert 'Replying to <span class="respond__to">Dana K</span>' in form
    assert author.get(f"/comments/report/{held.pk}/").status_code == 200
    answer = post_reply(author, story, email="banned@example.org", body="And more.", parent=held.pk, ip="198.51.100.1")
    assert answer.status_code == 303
    page = author.get(answer["Location"]).content.decode()
    assert "Thank you. Your reply is published." in page and "2 replies" in page and "reply__pending" not in page
    assert Comment.objects.get(body="And more.").status == Comment.Status.SPAM

    stranger = Client()
    assert stranger.get(f"/comments/report/{held.pk}/").status_code == 404
    refused = post_reply(stranger, story, body="Answering it.", parent=held.pk, ip="198.51.100.2")
    assert "no longer shown" in refused.content.decode()
    assert "My first words." not in stranger.get(story.get_absolute_url()).content.decode()
