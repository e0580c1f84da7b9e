"""The editors' desk: review before publishing, revisions, two people on one story, embargo, moved and
withdrawn stories, the seed story's identity, and the front page editors choose."""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from reversion.models import Version

from articles.models import Article, SeedStory
from desk.models import EditSession, FrontPage, PreviewLink
from pictures.models import Image
from tests.staff import signed_in, staff
from tests.stories import make_section, make_story
from tests.test_admin_articles import story_form
from tests.test_images import SECRETS, jpeg_with_secrets, path_of, picture_bytes

pytestmark = pytest.mark.django_db


def change_url(story):
    return reverse("admin:articles_article_change", args=[story.pk])


def edit_form(story, **fields):
    """The change form of `story` as the browser would send it, opened at the story's current version."""
    local = timezone.localtime(story.publish_at)
    data = story_form(
        story.section,
        kicker=story.kicker,
        headline=story.headline,
        slug=story.slug,
        standfirst=story.standfirst,
        body=story.body,
        status=story.status,
        publish_at_0=local.strftime("%Y-%m-%d"),
        publish_at_1=local.strftime("%H:%M:%S"),
        edited_version=story.edit_version,
    )
    data.update(fields)
    return data


# -- Review: a reporter writes and submits; only an editor publishes, schedules or takes down ---------------------


def test_the_reporters_group_writes_but_cannot_publish_or_delete():
    codenames = set(Group.objects.get(name="Reporters").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "view_article", "add_image"} <= codenames
    assert "publish_article" not in codenames and "delete_article" not in codenames
    assert "publish_article" in set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))


def test_a_reporter_writes_a_story_and_sends_it_for_review(reporter):
    client = signed_in(reporter)
    response = client.post(reverse("admin:articles_article_add"), story_form(make_section(), status="review"))
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.status == Article.Status.REVIEW and story not in Article.objects.published()


@pytest.mark.parametrize("status", ["published", "taken_down"])
def test_a_reporter_cannot_publish_through_the_form_field(reporter, status):
    client = signed_in(reporter)
    response = client.post(reverse("admin:articles_article_add"), story_form(make_section(), status=status))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not Article.objects.exists()

    draft = make_story("A reporter's draft", status=Article.Status.DRAFT)
    response = client.post(change_url(draft), edit_form(draft, status=status))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_a_reporter_cannot_schedule_by_moving_the_publish_time(reporter):
    draft = make_story("A reporter's draft", status=Article.Status.REVIEW)
    before = draft.publish_at
    future = timezone.localtime() + datetime.timedelta(days=2)
    signed_in(reporter).post(
        change_url(draft),
        edit_form(draft, publish_at_0=future.strftime("%Y-%m-%d"), publish_at_1="09:00:00", expire_at_0="2030-01-01",
                  expire_at_1="00:00:00"),
    )
    draft.refresh_from_db()
    assert draft.publish_at == before and draft.expire_at is None


@pytest.mark.parametrize("action", ["publish_now", "take_down", "delete_selected"])
def test_a_reporter_cannot_publish_take_down_or_delete_through_the_list(reporter, action):
    draft = make_story("Waiting for an editor", status=Article.Status.REVIEW)
    public = make_story("Already out")
    response = signed_in(reporter).post(
        reverse("admin:articles_article_changelist"),
        {"action": action, "_selected_action": [draft.pk, public.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Article.objects.get(pk=draft.pk).status == Article.Status.REVIEW
    assert Article.objects.get(pk=public.pk).is_published()


def test_a_reporter_cannot_bulk_edit_statuses_from_the_list(reporter):
    draft = make_story("Waiting for an editor", status=Article.Status.REVIEW)
    signed_in(reporter).post(
        reverse("admin:articles_article_changelist"),
        {"_save": "Save", "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": draft.pk,
         "form-0-status": "published"},
    )
    assert Article.objects.get(pk=draft.pk).status == Article.Status.REVIEW


def test_a_reporter_can_only_read_a_public_or_scheduled_story(reporter):
    public = make_story("Already out", body="Words readers have read.")
    scheduled = make_story("Tomorrow", publish_at=timezone.now() + datetime.timedelta(days=1))
    client = signed_in(reporter)
    for story in (public, scheduled):
        page = client.get(change_url(story))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.post(change_url(story), edit_form(story, status="draft", body="Unreviewed.")).status_code == 403
        story.refresh_from_db()
        assert story.status == Article.Status.PUBLISHED and story.body != "Unreviewed."


def test_an_editor_publishes_a_story_in_review_and_it_goes_out_now(editor):
    story = make_story("Reviewed", status=Article.Status.REVIEW,
                       publish_at=timezone.now() - datetime.timedelta(days=3))
    response = signed_in(editor).post(change_url(story), edit_form(story, status="published"))
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.is_published() and timezone.now() - story.publish_at < datetime.timedelta(minutes=1)


def test_stories_waiting_for_review_are_one_click_from_the_admin_index(editor):
    make_story("Please check", status=Article.Status.REVIEW)
    make_story("Me too", status=Article.Status.REVIEW)
    make_story("Not yet", status=Article.Status.DRAFT)
    client = signed_in(editor)
    page = client.get("/admin/").content.decode()
    assert '<a href="/admin/articles/article/?state=review">2 stories waiting for review</a>' in page
    listed = client.get("/admin/articles/article/?state=review").content.decode()
    assert "Please check" in listed and "Me too" in listed and "Not yet" not in listed


def test_the_list_tells_scheduled_stories_from_public_ones(editor):
    make_story("Out now")
    make_story("Out tomorrow", publish_at=timezone.now() + datetime.timedelta(days=1))
    page = signed_in(editor).get("/admin/articles/article/").content.decode()
    assert re.search(r'<span class="state state--public">Public</span>', page)
    assert re.search(r'<span class="state state--scheduled">Scheduled for [^<]+</span>', page)


# -- Revisions ----------------------------------------------------------------------------------------------------


def test_every_save_keeps_a_revision_with_who_and_what(editor):
    story = make_story("First words", status=Article.Status.DRAFT, authors=["Ana Reporter"])
    client = signed_in(editor)
    client.post(change_url(story), edit_form(story, headline="Second words"))
    versions = Version.objects.get_for_object(story)
    assert versions.count() == 2
    assert versions[0].field_dict["headline"] == "Second words"
    assert versions[0].revision.user == editor
    assert versions[1].field_dict["headline"] == "First words"
    history = client.get(reverse("admin:articles_article_history", args=[story.pk])).content.decode()
    assert "Second words" in history and "First words" in history and "edna" in history


def test_two_revisions_compare_as_a_word_diff(editor):
    story = make_story("Talks stall", body="<p>The talks in <em>Geneva</em> stalled on Monday.</p>",
                       status=Article.Status.DRAFT)
    story.body = '<p>The talks in <em>Geneva</em> resumed on Tuesday.</p><figure data-pictures="12"></figure>'
    story.save()
    older, newer = Version.objects.get_for_object(story)[1], Version.objects.get_for_object(story)[0]
    page = signed_in(editor).get(
        reverse("admin:articles_article_compare", args=[story.pk]), {"a": older.pk, "b": newer.pk}
    ).content.decode()
    # The words as readers read them, not the HTML's tags; a picture by its number.
    assert "The talks in Geneva <del>stalled</del><ins>resumed</ins> on <del>Monday</del><ins>Tuesday</ins>." in page
    assert "<ins>\n[picture 12]</ins>" in page
    assert "style=" not in page.split('<div id="content-main">')[1]


def test_a_restored_revision_shows_on_the_page_and_nothing_is_lost(editor):
    story = make_story("Original headline", body="The original words.", authors=["Ana Reporter"])
    story.save()  # the byline joins the story's revisions with its next save
    first = Version.objects.get_for_object(story).first()
    story.headline, story.body = "Wrong headline", "Words that should not have gone out."
    story.save()
    story.bylines.all().delete()
    client = signed_in(editor)
    restore = reverse("admin:articles_article_restore", args=[story.pk, first.pk])
    assert "Wrong headline" in client.get(restore).content.decode()

    response = client.post(restore, {"edited_version": story.edit_version})
    assert response.status_code == 302
    page = Client().get(story.get_absolute_url()).content.decode()
    assert "Original headline" in page
    assert "The original words." in page
    assert "Ana Reporter" in page
    versions = Version.objects.get_for_object(story)
    assert versions.count() == 4  # the first two, the wrong one, and the restore
    assert versions[1].field_dict["headline"] == "Wrong headline"
    assert versions[0].revision.user == editor
    assert "Restored the version of" in versions[0].revision.get_comment()


def test_restoring_never_publishes_or_moves_a_story(editor):
    story = make_story("Out", body="Public words.")
    first = Version.objects.get_for_object(story).first()
    story.take_down()
    signed_in(editor).post(reverse("admin:articles_article_restore", args=[story.pk, first.pk]),
                           {"edited_version": story.edit_version})
    story.refresh_from_db()
    assert story.status == Article.Status.TAKEN_DOWN


def test_a_reporter_cannot_restore_into_a_public_story(reporter):
    story = make_story("Out", body="Public words.")
    first = Version.objects.get_for_object(story).first()
    story.body = "Edited by an editor."
    story.save()
    response = signed_in(reporter).post(
        reverse("admin:articles_article_restore", args=[story.pk, first.pk]), {"edited_version": story.edit_version}
    )
    assert response.status_code == 403
    assert Article.objects.get(pk=story.pk).body == "Edited by an editor."


# -- Two people on one story --------------------------------------------------------------------------------------


def test_a_stale_save_is_refused_and_both_texts_survive(editor, django_user_model):
    second = staff(django_user_model, "sam", "Editors")
    story = make_story("Floods close the road", body="The road to Medeu is closed.", status=Article.Status.DRAFT)
    opened_by_sam = edit_form(story)

    # Edna saves first.
    signed_in(editor).post(change_url(story), edit_form(story, body="The road to Medeu is closed until Friday."))
    # Sam's form is older than the story now.
    response = signed_in(second).post(change_url(story), {**opened_by_sam, "headline": "Floods close the mountain road"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "This story was saved by edna after you opened it" in page
    assert "closed<ins> until Friday</ins>." in page  # what Edna changed
    assert 'value="Floods close the mountain road"' in page  # Sam's own text, kept
    story.refresh_from_db()
    assert story.headline == "Floods close the road" and story.body.endswith("until Friday.")

    # Saving again, from the form as re-shown, is a decision: it goes through.
    version = re.search(r'name="edited_version" value="(\d+)"', page).group(1)
    merged = {**opened_by_sam, "headline": "Floods close the mountain road", "body": story.body, "edited_version": version}
    assert signed_in(second).post(change_url(story), merged).status_code == 302
    story.refresh_from_db()
    assert story.headline == "Floods close the mountain road" and story.body.endswith("until Friday.")


def test_the_form_says_who_else_has_the_story_open(editor, django_user_model):
    second = staff(django_user_model, "sam", "Editors")
    story = make_story("Shared story", status=Article.Status.DRAFT)
    signed_in(editor).get(change_url(story))
    page = signed_in(second).get(change_url(story)).content.decode()
    assert "Also open now: <strong>edna</strong>" in page
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(minutes=10)):
        later = signed_in(second).get(change_url(story)).content.decode()
    assert "Also open now" not in later


def test_an_autosaved_draft_is_offered_back_and_never_public(editor):
    story = make_story("Public headline", body="Public words.")
    client = signed_in(editor)
    desk = reverse("admin:articles_article_desk", args=[story.pk])
    reply = client.post(desk, {"edited_version": story.edit_version, "dirty": "1", "headline": "Public headline",
                               "body": "Words typed before the crash."}).json()
    assert "draft_saved" in reply

    assert "Words typed before the crash." not in Client().get(story.get_absolute_url()).content.decode()
    assert "Words typed before the crash." not in Client().get("/feeds/latest/").content.decode()
    story.refresh_from_db()
    assert story.body == "Public words."

    page = client.get(change_url(story)).content.decode()
    assert "You have an unsaved draft copy of this story" in page and "Restore my draft copy" in page
    restored = client.get(change_url(story) + "?draft=1").content.decode()
    assert "Words typed before the crash.</textarea>" in restored

    client.post(change_url(story), edit_form(story, body="Words typed before the crash."))
    assert "Words typed before the crash." in Client().get(story.get_absolute_url()).content.decode()
    assert EditSession.draft_for(story, editor) is None
    assert "unsaved draft copy" not in client.get(change_url(story)).content.decode()


def test_the_desk_tells_an_open_form_that_someone_saved_since(editor, django_user_model):
    second = staff(django_user_model, "sam", "Editors")
    story = make_story("Shared story", status=Article.Status.DRAFT)
    opened = story.edit_version
    signed_in(editor).post(change_url(story), edit_form(story, body="Edna's words."))
    reply = signed_in(second).post(reverse("admin:articles_article_desk", args=[story.pk]),
                                   {"edited_version": opened}).json()
    assert reply["saved_by"] == "edna"
    assert reply["others"] == []  # Edna saved and left


def test_nobody_keeps_a_draft_copy_of_a_story_they_may_not_change(reporter):
    story = make_story("Public story")
    response = signed_in(reporter).post(reverse("admin:articles_article_desk", args=[story.pk]),
                                        {"edited_version": story.edit_version, "dirty": "1", "body": "x"})
    assert response.status_code == 403 and not EditSession.objects.exists()


# -- Embargo -------------------------------------------------------------------------------------------------------


def test_a_scheduled_story_appears_nowhere_before_its_time(client):
    picture = Image.objects.create_placeholder(alt_text="Embargoed picture", lines=["x"])
    story = make_story("Results at midnight", publish_at=timezone.now() + datetime.timedelta(hours=3),
                       lead_image=picture)
    for address in ["/", "/section/world/", "/feeds/latest/", "/feeds/atom/", "/sitemap.xml",
                    story.get_absolute_url()]:
        page = client.get(address).content.decode()
        assert "Results at midnight" not in page and story.slug not in page, address
        assert picture.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0] not in page, address


def test_the_view_on_site_shortcut_tells_a_moderator_nothing_about_a_draft(moderator, editor):
    ct = ContentType.objects.get_for_model(Article)
    for story in (make_story("Secret draft", status=Article.Status.DRAFT, slug="secret-merger"),
                  make_story("Embargoed", publish_at=timezone.now() + datetime.timedelta(days=1), slug="embargoed")):
        response = signed_in(moderator).get(f"/admin/r/{ct.pk}/{story.pk}/")
        assert response.status_code == 404
        assert story.slug not in response.content.decode() and "Location" not in response
        missing = signed_in(moderator).get(f"/admin/r/{ct.pk}/999999/")
        assert missing.status_code == 404 and missing.content == response.content
        assert signed_in(editor).get(f"/admin/r/{ct.pk}/{story.pk}/")["Location"].endswith(story.get_absolute_url())
    public = make_story("Out")
    assert signed_in(moderator).get(f"/admin/r/{ct.pk}/{public.pk}/").status_code == 302


def test_a_picture_stored_by_a_script_is_checked_and_stripped_by_the_model(media_root):
    image = Image(alt_text="From a script")
    image.file = ContentFile(jpeg_with_secrets(), name="source-ahmet-kabul.jpg")
    image.save()
    names = [image.file.name, *(r.name for r in image.all_renditions())]
    assert not any("ahmet" in name for name in names)
    for name in names:
        data = open(path_of(name), "rb").read()
        assert not any(secret in data for secret in SECRETS), name
    with PILImage.open(image.file.path) as stored:
        assert not stored.getexif()

    bogus = Image(alt_text="Not a picture")
    bogus.file = ContentFile(b"<script>alert(1)</script>", name="evil.jpg")
    with pytest.raises(ValidationError):
        bogus.save()
    assert not Image.objects.filter(alt_text="Not a picture").exists()


def test_picture_files_have_unguessable_names():
    image = Image(alt_text="A picture")
    image.file = ContentFile(picture_bytes((900, 600)), name="a.jpg")
    image.save()
    placeholder = Image.objects.create_placeholder(alt_text="Placeholder", lines=["x"])
    for name in [image.file.name, placeholder.file.name, *(r.name for r in image.all_renditions())]:
        assert re.search(r"picture-[0-9a-f]{32}", name), name


def test_a_preview_link_shows_a_draft_until_it_expires_or_is_revoked(editor):
    draft = make_story("Legal check", body="Words for the lawyer.", status=Article.Status.DRAFT)
    link = PreviewLink.objects.create(article=draft, shared_with="Legal", created_by=editor,
                                      expires_at=timezone.now() + datetime.timedelta(days=1))
    assert len(link.token) >= 43
    lawyer = Client()
    response = lawyer.get(link.get_absolute_url())
    assert response.status_code == 200 and "Words for the lawyer." in response.content.decode()
    assert "Preview: not public." in response.content.decode()
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"
    assert lawyer.get(draft.get_absolute_url()).status_code == 404  # the link opens this page only
    assert lawyer.get("/preview/" + "x" * 43 + "/").status_code == 404

    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + datetime.timedelta(days=2)):
        assert lawyer.get(link.get_absolute_url()).status_code == 404
    link.revoked_at = timezone.now()
    link.save()
    expired = lawyer.get(link.get_absolute_url())
    assert expired.status_code == 404 and "Words for the lawyer." not in expired.content.decode()


def test_an_editor_makes_and_revokes_a_preview_link_in_the_story_form(editor):
    draft = make_story("Legal check", status=Article.Status.DRAFT)
    client = signed_in(editor)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    client.post(change_url(draft), edit_form(draft, **{
        "preview_links-TOTAL_FORMS": "1", "preview_links-0-shared_with": "Legal: A. Kaliyeva",
        "preview_links-0-expires_at_0": tomorrow.strftime("%Y-%m-%d"), "preview_links-0-expires_at_1": "12:00:00",
    }))
    link = PreviewLink.objects.get()
    assert link.created_by == editor
    page = client.get(change_url(draft)).content.decode()
    assert link.get_absolute_url() in page
    draft.refresh_from_db()
    client.post(change_url(draft), edit_form(draft, **{
        "preview_links-TOTAL_FORMS": "1", "preview_links-INITIAL_FORMS": "1", "preview_links-0-id": link.pk,
        "preview_links-0-article": draft.pk, "preview_links-0-shared_with": "Legal: A. Kaliyeva",
        "preview_links-0-expires_at_0": tomorrow.strftime("%Y-%m-%d"), "preview_links-0-expires_at_1": "12:00:00",
        "preview_links-0-revoke": "on",
    }))
    assert Client().get(link.get_absolute_url()).status_code == 404


# -- Moved and withdrawn stories -----------------------------------------------------------------------------------


def test_an_old_address_redirects_after_two_moves(client):
    story = make_story("Curfew", slug="curfew", publish_at=datetime.datetime(2022, 1, 16, 9, tzinfo=datetime.UTC))
    first = story.get_absolute_url()
    story.slug = "curfew-in-almaty"
    story.save()
    second = story.get_absolute_url()
    story.slug, story.publish_at = "curfew-lifted", datetime.datetime(2022, 1, 18, 9, tzinfo=datetime.UTC)
    story.save()
    for old in (first, second):
        response = client.get(old)
        assert response.status_code == 301 and response["Location"] == "/2022/01/18/curfew-lifted/", old
    assert client.get("/2022/01/18/curfew-lifted/").status_code == 200


def test_a_slug_another_story_takes_later_wins_over_the_redirect(client):
    day = datetime.datetime(2022, 1, 16, 9, tzinfo=datetime.UTC)
    moved = make_story("Moved", slug="markets", publish_at=day)
    moved.slug = "markets-reopen"
    moved.save()
    assert client.get("/2022/01/16/markets/")["Location"] == "/2022/01/16/markets-reopen/"
    make_story("A new story at the old address", slug="markets", publish_at=day)
    response = client.get("/2022/01/16/markets/")
    assert response.status_code == 200 and "A new story at the old address" in response.content.decode()


def test_an_old_address_of_a_story_that_is_not_public_reveals_nothing(client):
    draft = make_story("Draft", slug="first-slug", status=Article.Status.DRAFT)
    old = draft.get_absolute_url()
    draft.slug = "secret-new-slug"
    draft.save()
    response = client.get(old)
    assert response.status_code == 404 and "secret-new-slug" not in response.content.decode()


def test_a_story_expiring_at_its_time_leaves_every_list_and_answers_gone(client):
    at = timezone.now() + datetime.timedelta(hours=1)
    story = make_story("Offer ends tonight", expire_at=at)
    for url in ("/", "/feeds/latest/", "/sitemap.xml", story.get_absolute_url()):
        assert "Offer ends tonight" in client.get(url).content.decode() or url == "/sitemap.xml"
    with mock.patch("django.utils.timezone.now", return_value=at + datetime.timedelta(seconds=1)):
        for url in ("/", "/feeds/latest/", "/feeds/atom/", "/sitemap.xml", "/section/world/"):
            page = client.get(url).content.decode()
            assert "Offer ends tonight" not in page and story.slug not in page, url
        gone = client.get(story.get_absolute_url())
        assert gone.status_code == 410 and "This story has been taken down" in gone.content.decode()
        assert 'class="masthead"' in gone.content.decode()


def test_an_old_address_of_a_story_taken_down_answers_gone(client):
    story = make_story("Withdrawn", slug="before")
    old = story.get_absolute_url()
    story.slug = "after"
    story.save()
    story.take_down()
    assert client.get(old).status_code == 410
    assert client.get(story.get_absolute_url()).status_code == 410


def test_republishing_a_story_taken_down_moves_it_to_todays_date_and_the_old_address_follows(client):
    story = make_story("Back again", publish_at=timezone.now() - datetime.timedelta(days=30))
    old = story.get_absolute_url()
    story.take_down()
    story.publish()
    assert story.get_absolute_url() != old
    assert client.get(old)["Location"] == story.get_absolute_url()


# -- The seed story -----------------------------------------------------------------------------------------------


def test_the_seed_loader_knows_its_story_after_an_edit_a_move_or_a_deletion():
    call_command("load_seed_story")
    story = Article.objects.get()
    story.slug, story.headline = "almaty-shooting", "Shooting continues in Almaty, witnesses say"
    story.save()
    call_command("load_seed_story")
    assert Article.objects.count() == 1
    story.delete()
    call_command("load_seed_story")
    assert not Article.objects.exists()
    assert SeedStory.objects.get(key="almaty").article is None


# -- The front page -----------------------------------------------------------------------------------------------


def test_editors_choose_the_lead_and_featured_order_and_it_shows_at_once(client, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 4
    now = timezone.now()
    stories = [make_story(f"Story {n}", publish_at=now - datetime.timedelta(hours=n + 1)) for n in range(8)]
    client.get("/")  # cached, newest first
    front = FrontPage.current()
    front.lead = stories[5]
    front.save()
    front.featured.create(article=stories[7], position=0)
    front.featured.create(article=stories[6], position=1)

    page = client.get("/").content.decode()
    lead = page[page.index('aria-label="Lead story"'):page.index('id="featured-heading"')]
    assert "Story 5" in lead
    assert page.index("Story 7") < page.index("Story 6") < page.index("Story 0")
    second = client.get("/?page=2").content.decode()
    assert not any(f"Story {n}<" in second for n in (5, 6, 7))


def test_a_chosen_story_that_is_not_public_is_left_out():
    draft = make_story("Not yet", status=Article.Status.DRAFT)
    front = FrontPage.current()
    front.lead = draft
    front.save()
    make_story("Public one")
    page = Client().get("/").content.decode()
    assert "Not yet" not in page and "Public one" in page


def test_a_breaking_news_banner_links_to_its_story_until_its_end(client):
    story = make_story("Curfew lifted")
    ends = timezone.now() + datetime.timedelta(hours=1)
    front = FrontPage.current()
    front.banner_text, front.banner_story, front.banner_ends_at = "Curfew lifted in Almaty", story, ends
    front.save()
    page = client.get("/").content.decode()
    assert f'<a href="{story.get_absolute_url()}">Curfew lifted in Almaty</a>' in page
    with mock.patch("django.utils.timezone.now", return_value=ends + datetime.timedelta(seconds=1)):
        assert "Curfew lifted in Almaty" not in client.get("/").content.decode()


def test_a_curated_front_page_keeps_its_query_budget(client, django_assert_max_num_queries, settings):
    from tests.test_pages import LIST_PAGE_QUERIES, make_many_stories, rendered

    settings.NEWSROOM_STORIES_PER_PAGE = 12
    make_many_stories(30)
    front = FrontPage.current()
    stories = list(Article.objects.order_by("publish_at")[:3])
    front.lead = stories[0]
    front.banner_text, front.banner_story = "Breaking", stories[1]
    front.save()
    front.featured.create(article=stories[2])
    rendered(client, "/")
    with django_assert_max_num_queries(LIST_PAGE_QUERIES):
        page = client.get("/").content.decode()
    assert stories[0].headline in page and "Breaking" in page


def test_editors_open_the_front_page_form(editor):
    client = signed_in(editor)
    response = client.get("/admin/desk/frontpage/")
    assert response.status_code == 302
    assert client.get(response["Location"]).status_code == 200
