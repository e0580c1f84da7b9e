"""What the story page shows of its replies: featured ones first, the Staff badge, the reader's choice of
order in the address, and, for a signed-in moderator only, buttons on each reply (never cached)."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import Client, RequestFactory

from articles.views import story_page
from comments.models import Comment
from tests.comments.support import make_reply, make_staff, post_reply
from tests.realistic_site import add_reply_threads

pytestmark = pytest.mark.django_db


def shown(html):
    """The bodies of the replies in the thread, in page order (the featured section left out)."""
    thread = html[html.index('<ol class="reply-list">', html.index("</section>") if "featured-title" in html else 0) :]
    return re.findall(r'<div class="reply__text"><p>(.*?)</p>', thread)


def test_featured_replies_come_first_under_featured_and_keep_their_place(client, story):
    first = make_reply(story, body="First in the thread.")
    best = make_reply(story, body="The best reply.", is_featured=True)
    make_reply(story, body="A reply to the best.", parent=best)
    make_reply(story, body="Featured but removed.", is_featured=True, status=Comment.Status.REMOVED)
    html = client.get(story.get_absolute_url()).content.decode()
    featured = html[html.index('id="featured-title"') : html.index("</section>")]
    assert "The best reply." in featured and "First in the thread." not in featured
    assert "Featured but removed." not in html
    assert f'href="#comment-{best.pk}"' in featured, "each featured reply links to its place in the thread"
    assert shown(html) == ["First in the thread.", "The best reply.", "A reply to the best."]
    assert html.count(f'id="comment-{best.pk}"') == 1 and f'id="featured-{best.pk}"' in html
    assert first.pk


def test_a_featured_reply_on_a_later_page_links_there_through_its_permanent_address(client, story, settings):
    settings.NEWSROOM_COMMENTS_PER_PAGE = 2
    late = [make_reply(story, body=f"Reply {n}.") for n in range(5)][-1]
    late.moderate(Comment.Status.APPROVED, None, featured=True)
    html = client.get(story.get_absolute_url()).content.decode()
    assert f'href="/comments/reply/{late.pk}/"' in html
    response = client.get(f"/comments/reply/{late.pk}/")
    assert response.status_code == 302 and response["Location"] == f"{story.get_absolute_url()}?cpage=3#comment-{late.pk}"
    assert "featured-title" not in client.get(story.get_absolute_url() + "?cpage=2").content.decode(), "first page only"
    assert client.get(f"/comments/reply/{make_reply(story, status='pending').pk}/").status_code == 404


def test_only_a_signed_in_staff_members_reply_carries_the_staff_badge(story, django_user_model):
    reader = Client()
    post_reply(reader, story, name="Newsroom Staff", body="A reader using a staff-sounding name.")
    Comment.objects.update(status=Comment.Status.APPROVED)
    journalist = make_staff(django_user_model, "aliya", "Editors")
    journalist.first_name, journalist.last_name = "Aliya", "Sultanova"
    journalist.save()
    desk = Client()
    desk.force_login(journalist)
    form = desk.get(story.get_absolute_url()).content.decode()
    assert 'value="Aliya Sultanova"' in form and 'value="aliya@newsroom.example"' in form, "the form starts filled in"
    post_reply(desk, story, name="Aliya Sultanova", email="aliya@newsroom.example", body="From the newsroom: roads reopen at six.")
    staff_reply = Comment.objects.get(body__startswith="From the newsroom")
    assert (staff_reply.user, staff_reply.status) == (journalist, Comment.Status.APPROVED)
    assert staff_reply.events.get().note == "written by a signed-in staff member"

    html = Client().get(story.get_absolute_url()).content.decode()
    assert html.count('class="badge badge--staff">Staff<') == 1
    card = html[html.index(f'id="comment-{staff_reply.pk}"') :]
    assert card.index("badge--staff") < card.index("roads reopen at six")


def test_readers_choose_the_order_of_replies_in_the_address(client, story):
    oldest = make_reply(story, body="Oldest thread.")
    middle = make_reply(story, body="Busy thread.")
    newest = make_reply(story, body="Newest thread.")
    for n in range(3):
        make_reply(story, body=f"Answer {n}.", parent=middle)
    make_reply(story, body="Answer to oldest.", parent=oldest)
    url = story.get_absolute_url()
    assert shown(client.get(url).content.decode())[0] == "Oldest thread."
    newest_first = shown(client.get(url + "?sort=newest").content.decode())
    assert newest_first[:2] == ["Newest thread.", "Busy thread."]
    assert newest_first[2:5] == ["Answer 0.", "Answer 1.", "Answer 2."], "answers stay oldest first in their thread"
    assert shown(client.get(url + "?sort=replies").content.decode())[:2] == ["Busy thread.", "Answer 0."]
    assert client.get(url + "?sort=sideways")["Location"] == url, "an order there is not: the story's own"

    html = client.get(url + "?sort=newest").content.decode()
    assert '<a href="?sort=newest#comments" rel="nofollow" aria-current="true">Newest first</a>' in html
    assert f'href="?sort=newest&amp;replyto={newest.pk}#respond"' in html, "answering keeps the order"
    assert newest.pk


def test_the_order_is_kept_from_page_to_page(client, story, settings):
    settings.NEWSROOM_COMMENTS_PER_PAGE = 2
    for n in range(5):
        make_reply(story, body=f"Thread {n}.")
    html = client.get(story.get_absolute_url() + "?sort=newest").content.decode()
    assert shown(html) == ["Thread 4.", "Thread 3."]
    assert 'href="?sort=newest&amp;cpage=2#comments" rel="next">Older replies</a>' in html
    assert shown(client.get(story.get_absolute_url() + "?sort=newest&cpage=2").content.decode()) == ["Thread 2.", "Thread 1."]


@pytest.mark.parametrize("sort", ["", "?sort=newest", "?sort=replies", "?sort=replies&cpage=3"])
def test_every_order_reads_one_page_of_replies_within_the_story_pages_budget(
    client, story, settings, django_assert_max_num_queries, sort
):
    from tests.test_pages import STORY_PAGE_QUERIES

    settings.NEWSROOM_COMMENTS_PER_PAGE = 50
    replies = add_reply_threads(story, 3000)
    Comment.objects.filter(pk__in=[replies[7].pk, replies[2500].pk]).update(is_featured=True)
    url = story.get_absolute_url() + sort
    client.get(url)
    caches["pages"].clear()
    with django_assert_max_num_queries(STORY_PAGE_QUERIES):
        html = client.get(url).content.decode()
    assert "3000 replies" in html
    assert ("featured-title" in html) == ("cpage" not in sort)
    with django_assert_max_num_queries(0):
        assert client.get(url).status_code == 200, "each order is a cached page of its own"


def test_a_signed_in_moderator_sees_buttons_and_waiting_replies_readers_never_do(client, story, django_user_model):
    approved = make_reply(story, name="Dana", body="Approved words.")
    waiting = make_reply(story, name="Walt", body="Waiting words.", status=Comment.Status.PENDING)
    Client().get(story.get_absolute_url())  # a reader's visit puts the page in the cache

    desk = Client()
    desk.force_login(make_staff(django_user_model, "mona", "Moderators"))
    response = desk.get(story.get_absolute_url())
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "Waiting words." in html and "Waiting for a moderator." in html
    assert 'aria-label="Approve Walt’s reply"' in html and 'aria-label="Remove Dana’s reply"' in html
    assert 'aria-label="Feature Dana’s reply"' in html and 'aria-label="Approve Dana’s reply"' not in html

    for reader in (Client(), Client()):  # from the cache, and rendered afresh
        page = reader.get(story.get_absolute_url()).content.decode()
        assert "Waiting words." not in page and "reply__moderate" not in page
        caches["pages"].clear()

    response = desk.post(
        "/admin/comments/comment/moderate/decide/",
        {"reply": waiting.pk, "decision": "approve", "next": f"{story.get_absolute_url()}#comment-{waiting.pk}"},
    )
    assert response.status_code == 303 and response["Location"] == f"{story.get_absolute_url()}#comment-{waiting.pk}"
    assert "Waiting words." in Client().get(story.get_absolute_url()).content.decode()
    desk.post("/admin/comments/comment/moderate/decide/", {"reply": approved.pk, "decision": "feature"})
    assert "featured-title" in Client().get(story.get_absolute_url()).content.decode()
    off_site = desk.post(
        "/admin/comments/comment/moderate/decide/", {"reply": approved.pk, "decision": "remove", "reason": "offensive", "next": "https://evil.example/"}
    )
    assert off_site["Location"].startswith("/admin/comments/comment/moderate/")


def test_editors_and_readers_get_no_moderation_buttons(client, story, django_user_model):
    make_reply(story)
    editor = Client()
    editor.force_login(make_staff(django_user_model, "eddie", "Editors"))
    assert "reply__moderate" not in editor.get(story.get_absolute_url()).content.decode()
    assert "reply__moderate" not in client.get(story.get_absolute_url()).content.decode()


def test_a_page_showing_moderation_buttons_is_never_cached_whatever_its_cookies(story, django_user_model):
    """The belt to the session cookie's braces: the buttons themselves make the answer personal."""
    make_reply(story, body="A reply.")
    request = RequestFactory().get(story.get_absolute_url())  # no cookie at all
    request.user = make_staff(django_user_model, "mona", "Moderators")
    request.session = {}
    local = story.publish_at
    response = story_page(request, f"{local:%Y}", f"{local:%m}", f"{local:%d}", story.slug)
    assert "reply__moderate" in response.content.decode() and "no-store" in response["Cache-Control"]
    reader = RequestFactory().get(story.get_absolute_url())
    reader.user, reader.session = AnonymousUser(), {}
    html = story_page(reader, f"{local:%Y}", f"{local:%m}", f"{local:%d}", story.slug).content.decode()
    assert "reply__moderate" not in html and "A reply." in html
