"""The author of a reply, at a glance: their replies by email and by browser, the moderators' notes on them
and their bans, as a page of its own and as the panel the moderation page fetches; emails only for staff
who may change replies, and never the headline of a story that is not public."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article
from comments.models import AuthorNote, Ban, Comment
from tests.comments.colleagues import desk_of, moderator_named, reply_viewer
from tests.comments.support import make_reply
from tests.stories import make_story

pytestmark = pytest.mark.django_db
TOKEN = Comment.hash_token("walts-browser")


def author_page(reply, panel=False):
    return f"/admin/comments/comment/{reply.pk}/author/" + ("?panel=1" if panel else "")


def listed(html):
    """The replies the panel lists, as their link texts, in order."""
    section = html.split("Their replies, newest first")[1]
    return re.findall(r'/change/">([^<]+)</a>', section)


@pytest.fixture
def mona(db):
    return moderator_named("mona")


@pytest.fixture
def walt(story):
    """Walt's replies: two under his email, one from his browser under another email, one from neither."""
    now = timezone.now()
    make_reply(story, email="walt@example.org", body="Walt, first.", created_at=now - timedelta(hours=3))
    make_reply(story, email="other@example.org", author_token=TOKEN, body="Walt, other address.", status="spam",
               created_at=now - timedelta(hours=2))
    make_reply(story, email="someone@example.org", body="Not Walt.", created_at=now - timedelta(hours=1))
    return make_reply(story, name="Walt", email="WALT@example.org", author_token=TOKEN, body="Walt, latest.", status="pending")


def test_the_panel_lists_the_authors_replies_by_email_and_by_browser_newest_first(walt, mona):
    html = desk_of(mona).get(author_page(walt, panel=True)).content.decode()
    assert listed(html) == ["Walt, latest.", "Walt, other address.", "Walt, first."]
    assert "<!DOCTYPE" not in html and "<section" in html  # the panel alone, for the page's script
    assert re.search(r"Spam</strong> · on <a href=\"[^\"]+\">Shooting continues in Almaty</a> · as other@example.org", html)
    page = desk_of(mona).get(author_page(walt)).content.decode()
    assert "<!DOCTYPE" in page and listed(page) == listed(html)


def test_an_email_only_for_staff_who_may_change_replies(walt, mona):
    html = desk_of(reply_viewer()).get(author_page(walt)).content.decode()
    assert listed(html) == ["Walt, latest.", "Walt, other address.", "Walt, first."]
    assert "@example.org" not in html
    assert "Add the note" not in html  # nor may they write notes
    assert "walt@example.org" in desk_of(mona).get(author_page(walt)).content.decode()


def test_a_story_that_is_not_public_keeps_its_headline(walt, mona):
    draft = make_story("DRAFT-HEADLINE-9Z", status=Article.Status.DRAFT)
    make_reply(draft, email="walt@example.org", body="Walt, on a draft.")
    html = desk_of(mona).get(author_page(walt)).content.decode()
    assert "Walt, on a draft." in listed(html)
    assert "DRAFT-HEADLINE-9Z" not in html and "a story that is not public" in html


def test_moderators_write_and_edit_notes_on_the_author_that_follow_him_by_email_and_browser(walt, mona, story):
    desk = desk_of(mona)
    answer = desk.post(author_page(walt), {"text": "Warned on the phone about naming victims."})
    assert answer.status_code == 303
    note = AuthorNote.objects.get()
    assert (note.email, note.author_token, note.created_by) == ("walt@example.org", TOKEN, mona)

    elsewhere = make_reply(story, email="new-address@example.org", author_token=TOKEN, body="Walt, new address.")
    answer = desk.post(author_page(elsewhere), {"note": note.pk, "text": "Warned twice."})
    assert answer.status_code == 303
    html = desk.get(author_page(walt, panel=True)).content.decode()
    assert "Warned twice." in html and "edited by mona" in html

    assert desk.post(author_page(walt), {"text": ""}).status_code == 400
    assert desk.post(author_page(walt), {"text": "x" * 2001}).status_code == 400
    stranger = make_reply(story, email="stranger@example.org")
    assert desk.post(author_page(stranger), {"note": note.pk, "text": "Not his."}).status_code == 404  # another author's note
    assert desk.post(author_page(walt), {"note": "²", "text": "Odd."}).status_code == 404
    assert desk_of(reply_viewer()).post(author_page(walt), {"text": "Viewers only read."}).status_code == 403
    assert AuthorNote.objects.get().text == "Warned twice."


def test_the_panel_shows_the_authors_bans_in_force_and_lifted(walt, mona):
    Ban.objects.create(email="walt@example.org", reason="Threats", created_by=mona)
    lifted = Ban.objects.create(ip_address="198.51.100.9", reason="A flood", created_by=mona)
    lifted.lift(mona)
    Ban.objects.create(email="someone@example.org", reason="Not his")
    Comment.objects.filter(pk=walt.pk).update(ip_address="198.51.100.9")

    html = desk_of(mona).get(author_page(walt, panel=True)).content.decode()
    bans = html.split("Bans and suspensions")[1].split("Their replies")[0]
    assert "Ban by email (walt@example.org): banned until lifted" in bans and "Threats" in bans
    assert "Ban by IP address (198.51.100.9): lifted" in bans
    assert "Not his" not in bans
    viewer_html = desk_of(reply_viewer()).get(author_page(walt, panel=True)).content.decode()
    assert "Ban by email: banned until lifted" in viewer_html and "198.51.100.9" not in viewer_html


def test_the_moderation_page_and_the_replys_page_link_to_the_panel(walt, mona):
    desk = desk_of(mona)
    link = f'href="{author_page(walt)}" data-author-panel="{author_page(walt, panel=True)}"'
    assert link in desk.get("/admin/comments/comment/moderate/").content.decode()
    assert link in desk.get(f"/admin/comments/comment/{walt.pk}/change/").content.decode()


def test_the_panel_takes_the_same_queries_for_many_replies(walt, mona, story, django_assert_max_num_queries):
    desk = desk_of(mona)
    AuthorNote.write(walt, "One note.", mona)
    with django_assert_max_num_queries(12) as few:
        desk.get(author_page(walt, panel=True))
    for n in range(30):
        make_reply(story, email="walt@example.org", body=f"Walt again {n}.", ip_address=f"198.51.100.{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        desk.get(author_page(walt, panel=True))


def test_an_erasure_forgets_the_notes_on_the_author(walt, mona):
    from comments import privacy

    AuthorNote.write(walt, "A note.", mona)
    privacy.erase(["walt@example.org"], "anonymise")
    assert not AuthorNote.objects.exists()
