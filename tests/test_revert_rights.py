"""Reverting is saving: an old version of a story or a live update, or a deleted live update, comes back only
through the form of the object the page is about, with the rights and review rules of saving that form.
Where a role has no right, nothing moves: not a story's status, time or words, not the page cache, not search."""

import datetime

import pytest
import reversion
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

import pagecache
from articles.models import Article, SearchEntry
from live.models import LiveUpdate
from tests.staff import signed_in
from tests.stories import make_story

pytestmark = pytest.mark.django_db

DRAFT, TAKEN_DOWN = Article.Status.DRAFT, Article.Status.TAKEN_DOWN
NO_SUCH_UPDATE = 987654


@pytest.fixture
def viewer(django_user_model):
    """Staff who may look at stories and live updates but change nothing."""
    user = django_user_model.objects.create_user("vic", password="unused", is_staff=True)  # noqa: S106
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_article", "view_liveupdate", "view_image"]))
    return user


def saved_together(*objects, comment="Saved by a script."):
    """One revision holding every object given, as a script or the admin makes it."""
    with reversion.create_revision():
        reversion.set_comment(comment)
        for obj in objects:
            obj.save()


def oldest(obj):
    return Version.objects.get_for_object(obj).last()


class Newsroom:
    """A public story, a taken-down one, a deleted one and a draft, each with an old version; live updates on
    the public story and on the draft, each first saved in one revision with its story (when the story was
    public), then corrected; and one deleted update on each."""

    def __init__(self):
        self.public = make_story("Talks resume", body="Public words as first written.")
        self.public.body = "Public words as corrected."
        self.public.save()
        self.taken_down = make_story("Minister resigns", body="Words that were public once.")
        self.taken_down.take_down()
        self.deleted = make_story("A story deleted", body="Words of a deleted story.")
        self.deleted_version = oldest(self.deleted)
        self.deleted.delete()
        self.draft = make_story("Floods close the road", body="Draft words.")  # public when its update was first saved

        self.public_update = self.update_on(self.public, "<p>The square is quiet.</p>", "<p>The square is quiet again.</p>")
        self.draft_update = self.update_on(self.draft, "Water is rising.", "Water is falling.")
        self.draft.status = DRAFT  # an editor took it back to work on it
        self.draft.save()
        self.gone_from_public = self.deleted_update(self.public, "Words deleted from a public story.")
        self.gone_from_draft = self.deleted_update(self.draft, "Words deleted from a draft.")

    @staticmethod
    def update_on(story, first, corrected):
        update = LiveUpdate(article=story, body=first, publish_at=timezone.now() - datetime.timedelta(minutes=5))
        saved_together(story, update)
        update.body = corrected
        saved_together(update, comment="Corrected.")
        return update

    @staticmethod
    def deleted_update(story, words):
        update = LiveUpdate(article=story, body=words, publish_at=timezone.now() - datetime.timedelta(minutes=5))
        saved_together(update)
        version, number = oldest(update), update.pk
        update.delete()
        return version, number


@pytest.fixture
def newsroom():
    return Newsroom()


def state():
    """What readers could be shown: each story's status, time and words, each update's story, time and words."""
    stories = {s.pk: (s.status, s.publish_at, s.headline, s.body) for s in Article.objects.all()}
    updates = {u.pk: (u.article_id, u.publish_at, u.headline, u.body) for u in LiveUpdate.objects.all()}
    return stories, updates, Version.objects.count()


def revert_url(object_id, version):
    return reverse("admin:live_liveupdate_revision", args=[object_id, version.pk])


def recover_url(version):
    return reverse("admin:live_liveupdate_recover", args=[version.pk])


def update_form(update=None, *, story=None, **fields):
    """The live update form as the browser sends it, with the update's current values (or empty ones)."""
    when = timezone.localtime(update.publish_at if update else timezone.now())
    data = {
        "headline": update.headline if update else "",
        "body": update.body if update else "",
        "image": "",
        "author": "",
        "publish_at_0": when.strftime("%Y-%m-%d"),
        "publish_at_1": when.strftime("%H:%M:%S"),
    }
    if story is not None:
        data["article"] = story.pk
    data.update(fields)
    return data


def versions_of_other_things(newsroom):
    """Addresses of reversion's revert and recover pages given a version that is not of the update in the address."""
    return {
        "a taken-down story's public version, at an update number that does not exist":
            revert_url(NO_SUCH_UPDATE, oldest(newsroom.taken_down)),
        "a taken-down story's public version, at an update that exists": revert_url(newsroom.public_update.pk,
                                                                                    oldest(newsroom.taken_down)),
        "a taken-down story's public version, as a deleted update": recover_url(oldest(newsroom.taken_down)),
        "a deleted story's version, as a deleted update": recover_url(newsroom.deleted_version),
        "a deleted story's version, at an update number that does not exist":
            revert_url(NO_SUCH_UPDATE, newsroom.deleted_version),
        "another update's version": revert_url(newsroom.public_update.pk, oldest(newsroom.draft_update)),
    }


# -- Versions of anything but the update in the address: nobody, whatever their rights ------------------------------


@pytest.mark.parametrize("role", ["reporter", "editor", "moderator", "viewer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_no_one_brings_back_a_story_or_another_update_through_a_live_updates_page(request, newsroom, role, method):
    client = signed_in(request.getfixturevalue(role))
    before = state()
    for what, address in versions_of_other_things(newsroom).items():
        response = getattr(client, method)(address, update_form(newsroom.public_update) if method == "post" else None)
        assert response.status_code in (403, 404), what
        assert state() == before, what
    assert not Article.objects.filter(headline="A story deleted").exists()
    assert Article.objects.get(pk=newsroom.taken_down.pk).status == TAKEN_DOWN


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_version_of_a_story_is_not_found_at_the_live_update_with_the_same_number(editor, method):
    story = make_story("Minister resigns", body="Words that were public once.")
    story.take_down()
    update = LiveUpdate.objects.create(pk=story.pk, article=make_story(status=DRAFT), body="An update.")
    response = getattr(signed_in(editor), method)(revert_url(update.pk, oldest(story)), update_form(update))
    assert response.status_code == 404
    assert Article.objects.get(pk=story.pk).status == TAKEN_DOWN


# -- Versions of the update itself: the rights of its form ---------------------------------------------------------


@pytest.mark.parametrize("role", ["reporter", "moderator", "viewer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_who_may_change_the_story_reverts_its_updates(request, newsroom, role, method):
    client = signed_in(request.getfixturevalue(role))
    before = state()
    address = revert_url(newsroom.public_update.pk, oldest(newsroom.public_update))
    response = getattr(client, method)(address, update_form(newsroom.public_update, body="The square is quiet."))
    assert response.status_code == 403
    assert state() == before


def test_an_editor_reverts_an_update_by_saving_its_form_filled_with_the_old_words(client, editor, newsroom):
    update, desk = newsroom.public_update, signed_in(editor)
    address = revert_url(update.pk, oldest(update))
    history = desk.get(reverse("admin:live_liveupdate_history", args=[update.pk])).content.decode()
    assert f'href="{address}"' in history
    before = state()
    opened = desk.get(address)
    assert opened.status_code == 200
    assert ">\n&lt;p&gt;The square is quiet.&lt;/p&gt;</textarea>" in opened.content.decode()
    assert state() == before  # looking is not reverting

    response = desk.post(address, update_form(update, body="<p>The square is quiet.</p>"))
    assert response.status_code == 302
    update.refresh_from_db()
    assert update.body == "<p>The square is quiet.</p>"
    assert "<p>The square is quiet.</p>" in client.get(newsroom.public.get_absolute_url()).content.decode()
    newest = Version.objects.get_for_object(update).first()
    assert newest.revision.user == editor and newest.revision.get_comment().startswith("Restored the version of")


def test_reverting_an_update_leaves_the_story_saved_with_it_alone(reporter, newsroom):
    update = newsroom.draft_update  # its first revision holds its story as it was then: public
    response = signed_in(reporter).post(revert_url(update.pk, oldest(update)), update_form(update, body="Water is rising."))
    assert response.status_code == 302
    assert LiveUpdate.objects.get(pk=update.pk).body == "Water is rising."
    story = Article.objects.get(pk=newsroom.draft.pk)
    assert (story.status, story.publish_at, story.body) == (DRAFT, newsroom.draft.publish_at, "Draft words.")


def test_a_revert_the_form_refuses_changes_nothing(editor, newsroom):
    update = newsroom.public_update
    before = state()
    response = signed_in(editor).post(revert_url(update.pk, oldest(update)), update_form(update, body=""))
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert state() == before


def test_a_refused_revert_moves_neither_the_page_cache_nor_search(reporter, newsroom, django_capture_on_commit_callbacks):
    story = newsroom.taken_down
    generation = pagecache.generation()
    with django_capture_on_commit_callbacks(execute=True):
        for address in (revert_url(NO_SUCH_UPDATE, oldest(story)), recover_url(oldest(story))):
            signed_in(reporter).post(address, update_form(newsroom.public_update))
    assert pagecache.generation() == generation
    assert Client().get(story.get_absolute_url()).status_code == 410
    assert SearchEntry.objects.get(article=story).body == "Words that were public once."
    assert Article.objects.get(pk=story.pk).status == TAKEN_DOWN


# -- Deleted updates: who may add one to that story, through the add form --------------------------------------------


def test_the_list_of_deleted_updates_shows_only_what_one_may_bring_back(reporter, editor, moderator, viewer, newsroom):
    address = reverse("admin:live_liveupdate_recoverlist")
    for_reporter = signed_in(reporter).get(address).content.decode()
    assert "Words deleted from a draft." in for_reporter and "Words deleted from a public story." not in for_reporter
    for_editor = signed_in(editor).get(address).content.decode()
    assert "Words deleted from a draft." in for_editor and "Words deleted from a public story." in for_editor
    for staff in (moderator, viewer):
        assert signed_in(staff).get(address).status_code == 403


@pytest.mark.parametrize("role", ["reporter", "moderator", "viewer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_who_may_change_the_story_recovers_its_deleted_updates(request, newsroom, role, method):
    version, number = newsroom.gone_from_public
    before = state()
    response = getattr(signed_in(request.getfixturevalue(role)), method)(
        recover_url(version), update_form(story=newsroom.public, body="Words deleted from a public story.")
    )
    assert response.status_code == 403
    assert state() == before and not LiveUpdate.objects.filter(pk=number).exists()


def test_a_reporter_recovers_an_update_into_a_draft_but_not_into_a_public_story(reporter, newsroom):
    version, number = newsroom.gone_from_draft
    desk = signed_in(reporter)
    before = state()
    response = desk.post(recover_url(version), update_form(story=newsroom.public, body="Words deleted from a draft."))
    assert response.status_code == 403
    assert state() == before

    response = desk.post(recover_url(version), update_form(story=newsroom.draft, body="Words deleted from a draft."))
    assert response.status_code == 302
    assert LiveUpdate.objects.get(pk=number).article == newsroom.draft


def test_an_editor_recovers_a_deleted_update_under_its_old_number(editor, newsroom):
    version, number = newsroom.gone_from_public
    desk = signed_in(editor)
    opened = desk.get(recover_url(version)).content.decode()
    assert ">\nWords deleted from a public story.</textarea>" in opened
    assert not LiveUpdate.objects.filter(pk=number).exists()  # looking is not recovering

    response = desk.post(recover_url(version), update_form(story=newsroom.public, body="Words deleted from a public story."))
    assert response.status_code == 302
    update = LiveUpdate.objects.get(pk=number)
    assert update.article == newsroom.public and update.created_by == editor
    assert Version.objects.get_for_object(update).first().revision.get_comment().startswith("Restored the version of")


# -- A story's own history: its versions only, by who may change it, its publishing state kept ------------------------


def restore_url(story, version):
    return reverse("admin:articles_article_restore", args=[story.pk, version.pk])


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_story_restores_only_its_own_versions(editor, newsroom, method):
    story = newsroom.draft
    before = state()
    for other in (oldest(newsroom.taken_down), newsroom.deleted_version, oldest(newsroom.draft_update)):
        response = getattr(signed_in(editor), method)(restore_url(story, other), {"edited_version": story.edit_version})
        assert response.status_code == 404
        compare = reverse("admin:articles_article_compare", args=[story.pk])
        assert signed_in(editor).get(compare, {"a": other.pk}).status_code == 404
    assert state() == before


@pytest.mark.parametrize("role", ["reporter", "moderator", "viewer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_only_editors_restore_a_story_that_is_out_or_taken_down(request, newsroom, role, method):
    client = signed_in(request.getfixturevalue(role))
    before = state()
    for story in (newsroom.public, newsroom.taken_down):
        response = getattr(client, method)(restore_url(story, oldest(story)), {"edited_version": story.edit_version})
        assert response.status_code == 403
    assert state() == before


def test_an_editor_restores_old_words_and_the_story_stays_taken_down(editor, newsroom):
    story = Article.objects.get(pk=newsroom.taken_down.pk)
    story.body = "Words after it was taken down."
    story.save()
    response = signed_in(editor).post(restore_url(story, oldest(story)), {"edited_version": story.edit_version})
    assert response.status_code == 302
    story.refresh_from_db()
    assert (story.status, story.body) == (TAKEN_DOWN, "Words that were public once.")
    assert Client().get(story.get_absolute_url()).status_code == 410
