"""The live desk for a team: drafts seen only on the desk (with a preview as readers will see it) and never named
to open pages, publishing a draft, pinning and moving an update, the desk's list that a colleague's new update
reaches without a reload, and who else is at work on the story and typing."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from live.models import LiveUpdate
from tests.staff import signed_in
from tests.stories import make_story
from tests.test_live_coverage import desk_url, page, post_update

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def answers_not_reused(settings):
    settings.NEWSROOM_LIVE_CHECK_MEMO_SECONDS = 0


@pytest.fixture
def live_story():
    story = make_story("Floods reach the capital")
    story.go_live(timezone.now() - datetime.timedelta(hours=1))
    return story


def test_a_draft_is_kept_on_the_desk_with_a_preview_and_reaches_readers_only_once_published(client, editor, live_story):
    desk = signed_in(editor)
    response = desk.post(desk_url(live_story), {"action": "draft", "body": "DRAFT-WORDS: the mayor resigns."})
    assert response.status_code == 302
    draft = LiveUpdate.objects.get(body__startswith="DRAFT-WORDS")
    assert draft.draft and not draft.is_published()
    on_desk = page(desk, desk_url(live_story))
    assert "DRAFT-WORDS" in on_desk and ">Draft</span>" in on_desk
    assert "DRAFT-WORDS" not in page(client, live_story.get_absolute_url())

    preview = desk.get(reverse("admin:live_liveupdate_preview", args=[draft.pk]))
    assert preview.status_code == 200
    assert "DRAFT-WORDS" in preview.content.decode() and "Preview of a draft" in preview.content.decode()
    assert "no-store" in preview["Cache-Control"] and preview["X-Robots-Tag"] == "noindex"
    assert client.get(reverse("admin:live_liveupdate_preview", args=[draft.pk])).status_code == 302  # to the login

    drafted_at = draft.publish_at
    assert desk.post(desk_url(live_story), {"publish": str(draft.pk)}).status_code == 302
    draft.refresh_from_db()
    assert not draft.draft and draft.publish_at > drafted_at, "published at the time it is published, not drafted"
    assert "DRAFT-WORDS" in page(client, live_story.get_absolute_url())
    assert Version.objects.get_for_object(draft).first().revision.get_comment() == "Published the draft."


def test_a_drafts_saves_and_deletion_leave_no_trace_in_what_changed_nor_in_the_version(client, live_story):
    """Open pages ask what changed since their version: a draft must not move it, nor be named (its number would
    tell readers that a draft exists). Published, it reaches them as a new update, not an edited one."""
    shown = post_update(live_story, body="The bridge is closed.")

    def version():
        return json.loads(client.get(live_story.live_check_url).content)["version"]

    def changes(since=0):
        return json.loads(client.get(live_story.live_updates_url, {"since": since} if since else {}).content)

    held, everything = version(), changes()
    draft = post_update(live_story, body="DRAFT-WORDS: the mayor resigns.", draft=True, is_key_event=True)
    draft.body = "DRAFT-WORDS: the mayor has resigned."
    draft.save()
    gone = post_update(live_story, body="DRAFT-WORDS: a draft thrown away.", draft=True)
    gone_number = gone.pk
    gone.delete()
    assert version() == held
    assert changes() == everything and [change["id"] for change in everything["upserts"]] == [shown.pk]
    assert changes(held) == {"version": held, "days": False, "upserts": [], "deleted": []}

    draft.publish_draft()
    answer = changes(held)
    assert answer["version"] == version() > held
    assert [change["id"] for change in answer["upserts"]] == [draft.pk] and answer["deleted"] == []
    assert "key_events" in answer and "Updated" not in answer["upserts"][0]["html"], "new, not edited"
    assert gone_number not in changes()["deleted"]


def test_the_desk_pins_and_unpins_an_update_but_not_a_draft(client, editor, reporter, live_story):
    first, second = post_update(live_story, body="FIRST pinned."), post_update(live_story, body="SECOND pinned.")
    draft = post_update(live_story, body="A draft.", draft=True)
    desk = signed_in(editor)
    assert ">Pin<" in page(desk, desk_url(live_story))
    assert "pinned under the summary" in desk.post(desk_url(live_story), {"pin": str(first.pk)}, follow=True).content.decode()
    assert "FIRST pinned." in page(client, live_story.get_absolute_url()).split('id="live-pinned"')[1].split("</section>")[0]
    desk.post(desk_url(live_story), {"pin": str(second.pk)})
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.pinned, second.pinned) == (False, True), "one pinned update per story"
    assert ">Unpin<" in page(desk, desk_url(live_story))
    assert "cannot be pinned" in desk.post(desk_url(live_story), {"pin": str(draft.pk)}, follow=True).content.decode()
    desk.post(desk_url(live_story), {"unpin": str(second.pk)})
    assert not LiveUpdate.objects.filter(article=live_story, pinned=True).exists()
    assert "Pinned update" not in page(client, live_story.get_absolute_url())
    assert signed_in(reporter).post(desk_url(live_story), {"pin": str(first.pk)}).status_code == 403
    for number in ("0", "²", "9" * 40, "x"):
        assert desk.post(desk_url(live_story), {"pin": number}).status_code == 404
    draft.pinned = True
    draft.save()
    assert not LiveUpdate.objects.filter(pinned=True).exists(), "a draft is never pinned, by any path"


def test_the_desk_moves_an_update_to_another_time_and_refuses_a_time_that_is_no_time(editor, live_story):
    update = post_update(live_story, body="Moved update.")
    desk = signed_in(editor)
    local = timezone.localtime(timezone.now() - datetime.timedelta(hours=3)).replace(second=0, microsecond=0)
    answer = desk.post(desk_url(live_story), {"move": str(update.pk), f"time-{update.pk}": local.strftime("%Y-%m-%dT%H:%M")},
                       follow=True)
    assert "Update moved to" in answer.content.decode()
    update.refresh_from_db()
    assert update.publish_at == local
    for bad in ("", "yesterday", "9999-99-99T99:99"):
        answer = desk.post(desk_url(live_story), {"move": str(update.pk), f"time-{update.pk}": bad}, follow=True)
        assert "The update was not moved" in answer.content.decode()
    for number in ("0", "²", "9" * 40, "x"):
        assert desk.post(desk_url(live_story), {"move": number}).status_code == 404


def test_a_colleagues_new_update_reaches_the_desk_list_which_answers_304_while_nothing_changed(editor, live_story,
                                                                                             django_assert_max_num_queries):
    desk = signed_in(editor)
    address = reverse("live-desk-updates", args=[live_story.pk])
    with django_assert_max_num_queries(8):
        first = desk.get(address)
    assert first.status_code == 200 and "private" in first["Cache-Control"]
    assert desk.get(address, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    post_update(live_story, body="<p>A COLLEAGUE’S UPDATE.</p>", draft=True)
    second = desk.get(address, HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200 and "A COLLEAGUE’S UPDATE." in second.content.decode()


def test_a_reporter_has_the_desk_of_a_story_being_written_and_not_of_a_public_one(reporter, live_story):
    rita = signed_in(reporter)
    assert rita.get(reverse("live-desk-updates", args=[live_story.pk])).status_code == 403
    update = post_update(live_story, draft=True)
    assert rita.get(reverse("admin:live_liveupdate_preview", args=[update.pk])).status_code == 403
    assert rita.post(desk_url(live_story), {"publish": str(update.pk)}).status_code == 403
    writing = make_story("Being written", status="draft")
    assert rita.get(reverse("live-desk-updates", args=[writing.pk])).status_code == 200


def test_the_desk_says_who_else_is_at_work_on_the_story_and_who_is_typing(editor, django_user_model, live_story):
    from tests.staff import staff

    colleague = signed_in(staff(django_user_model, "cole", "Editors"))
    presence = reverse("admin:articles_article_desk", args=[live_story.pk])
    beat = {"edited_version": str(live_story.edit_version), "dirty": "0"}
    assert colleague.post(presence, {**beat, "typing": "1"}).status_code == 200
    others = signed_in(editor).post(presence, beat).json()["others"]
    assert [(person["name"], person["typing"]) for person in others] == [("cole", True)]
    assert 'data-desk-presence="' + presence in page(signed_in(editor), desk_url(live_story))


def test_a_deleted_draft_comes_back_a_draft(client, editor, live_story):
    import reversion

    from tests.test_revert_rights import recover_url, update_form

    with reversion.create_revision():
        draft = post_update(live_story, body="RECOVERED-DRAFT words.", draft=True)
    number = draft.pk
    draft.delete()
    version = Version.objects.get_deleted(LiveUpdate).get(object_id=str(number))
    answer = signed_in(editor).post(recover_url(version), update_form(story=live_story, body="RECOVERED-DRAFT words."))
    assert answer.status_code == 302
    assert LiveUpdate.objects.get(pk=number).draft
    assert "RECOVERED-DRAFT" not in page(client, live_story.get_absolute_url())
