"""The editors' desk: what an editor can do in the admin, and what a user without rights cannot."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage

from articles.models import Article, Author, Section
from pictures.models import Image

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(django_user_model):
    user = django_user_model.objects.create_user("editor", password="unused-in-tests", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def world():
    return Section.objects.create(name="World", slug="world")


def small_picture(caption="Smoke over the square"):
    out = io.BytesIO()
    PILImage.new("RGB", (320, 200), (90, 90, 90)).save(out, "JPEG")
    image = Image(alt_text="Smoke rising over a city square", caption=caption)
    image.file = ContentFile(out.getvalue(), name="square.jpg")
    image.save()
    return image


def story_form(section, **fields):
    now = timezone.localtime()
    return {
        "section": section.pk,
        "kicker": "Kazakhstan",
        "headline": "Shooting continues in Almaty",
        "slug": "shooting-continues-in-almaty",
        "standfirst": "",
        "body": "<p>First paragraph.</p><h2>Russian troops sent to the country</h2><p>More.</p>",
        "lead_image": "",
        "status": "draft",
        "publish_at_0": now.strftime("%Y-%m-%d"),
        "publish_at_1": now.strftime("%H:%M:%S"),
        "comments_enabled": "on",
        "comments_close_at_0": "",
        "comments_close_at_1": "",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
        "bylines-MIN_NUM_FORMS": "0",
        "bylines-MAX_NUM_FORMS": "1000",
        "preview_links-TOTAL_FORMS": "0",
        "preview_links-INITIAL_FORMS": "0",
        "preview_links-MIN_NUM_FORMS": "0",
        "preview_links-MAX_NUM_FORMS": "1000",
        "corrections-TOTAL_FORMS": "0",
        "corrections-INITIAL_FORMS": "0",
        "corrections-MIN_NUM_FORMS": "0",
        "corrections-MAX_NUM_FORMS": "1000",
        **fields,
    }


def test_editors_group_has_story_and_picture_rights_but_no_comment_rights():
    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert {"add_article", "change_article", "delete_article", "view_article", "preview_article"} <= codenames
    assert {"add_image", "change_image", "add_section", "change_author", "change_byline"} <= codenames
    assert not any("rendition" in codename for codename in codenames)  # Renditions are part of an Image now.
    assert not any("comment" in codename for codename in codenames)


def test_an_editor_publishes_a_story_with_picture_and_byline_from_the_add_form(editor_client, world):
    picture = small_picture()
    writer = Author.objects.create(name="Ana Reporter", slug="ana-reporter")
    form = story_form(
        world,
        status="published",
        lead_image=picture.pk,
        **{"bylines-TOTAL_FORMS": "1", "bylines-0-position": "0", "bylines-0-author": writer.pk},
    )
    response = editor_client.post(reverse("admin:articles_article_add"), form)
    assert response.status_code == 302
    story = Article.objects.get()
    assert story.is_published()
    assert story.lead_image == picture
    assert story.byline == [writer]
    assert "<h2>Russian troops sent to the country</h2>" in story.body_html
    assert story in Article.objects.published()


def test_a_refused_story_keeps_what_the_editor_typed(editor_client, world):
    response = editor_client.post(reverse("admin:articles_article_add"), story_form(world, headline=""))
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert "Russian troops sent to the country" in response.content.decode()
    assert Article.objects.count() == 0


def test_publish_now_makes_drafts_and_scheduled_stories_public(editor_client, world):
    draft = Article.objects.create(section=world, headline="A draft", body="Text.")
    scheduled = Article.objects.create(
        section=world, headline="Tomorrow's story", body="Text.", status="published",
        publish_at=timezone.now() + timedelta(days=1),
    )
    long_public = Article.objects.create(
        section=world, headline="Old story", body="Text.", status="published",
        publish_at=timezone.now() - timedelta(days=30),
    )
    old_time = long_public.publish_at
    response = editor_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish_now", "_selected_action": [draft.pk, scheduled.pk, long_public.pk]},
    )
    assert response.status_code == 302
    assert set(Article.objects.published()) == {draft, scheduled, long_public}
    long_public.refresh_from_db()
    assert long_public.publish_at == old_time  # Its address does not move.


def test_take_down_withdraws_a_story_and_its_address_answers_gone(editor_client, world):
    story = Article.objects.create(section=world, headline="Public", body="Text.", status="published")
    address = story.get_absolute_url()
    editor_client.post(
        reverse("admin:articles_article_changelist"), {"action": "take_down", "_selected_action": [story.pk]}
    )
    story.refresh_from_db()
    assert story.status == Article.Status.TAKEN_DOWN
    assert not Article.objects.published().exists()
    reader = Client()
    assert reader.get(address).status_code == 410
    assert "This story has been taken down" in reader.get(address).content.decode()


def test_a_draft_change_form_offers_a_preview_and_the_chosen_picture(editor_client, world):
    picture = small_picture()
    story = Article.objects.create(section=world, headline="Draft with picture", body="Text.", lead_image=picture)
    html = editor_client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert f'href="{story.get_absolute_url()}"' in html
    assert ">Preview<" in html
    assert picture.sources("jpeg")[0].url in html  # The thumbnail of the chosen lead picture.
    assert "View on site" in html


def test_a_public_story_has_no_preview_link(editor_client, world):
    story = Article.objects.create(section=world, headline="Already out", body="Text.", status="published")
    html = editor_client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert ">Preview<" not in html


def test_staff_without_rights_cannot_add_or_publish(client, django_user_model, world):
    story = Article.objects.create(section=world, headline="A draft", body="Text.")
    clerk = django_user_model.objects.create_user("clerk", password="unused-in-tests", is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:articles_article_add")).status_code == 403
    assert client.post(reverse("admin:articles_article_add"), story_form(world)).status_code == 403
    response = client.post(
        reverse("admin:articles_article_changelist"), {"action": "publish_now", "_selected_action": [story.pk]}
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.status == Article.Status.DRAFT


def test_a_reader_is_sent_to_the_admin_login(client, django_user_model, world):
    reader = django_user_model.objects.create_user("reader", password="unused-in-tests")
    client.force_login(reader)
    response = client.get(reverse("admin:articles_article_add"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("url_name", ["admin:articles_article_changelist", "admin:pictures_image_changelist"])
def test_list_pages_take_the_same_queries_however_many_stories(
    editor_client, world, url_name, django_assert_max_num_queries
):
    def add_stories(count):
        for _ in range(count):
            Article.objects.create(
                section=world, headline=f"Story {Article.objects.count()}", body="Text.", lead_image=small_picture()
            )

    add_stories(2)
    with django_assert_max_num_queries(12) as few:
        assert editor_client.get(reverse(url_name)).status_code == 200
    add_stories(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = editor_client.get(reverse(url_name))
    assert response.status_code == 200
    assert response.content.decode().count("<img ") >= 8


@pytest.mark.parametrize("model", ["articles_article", "pictures_image", "articles_section", "articles_author"])
def test_an_editor_can_open_every_desk_page(editor_client, world, model):
    assert editor_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert editor_client.get(reverse(f"admin:{model}_add")).status_code == 200


@pytest.mark.parametrize(
    "old, new",
    [
        ("/admin/articles/image/", "/admin/pictures/image/"),
        ("/admin/articles/image/7/change/?_popup=1", "/admin/pictures/image/7/change/?_popup=1"),
        ("/admin/articles/liveupdate/3/history/", "/admin/live/liveupdate/3/history/"),
        ("/admin/articles/frontpage/", "/admin/desk/frontpage/"),
        ("/admin/articles/previewlink/", "/admin/desk/previewlink/"),
    ],
)
def test_admin_pages_of_models_that_moved_app_lead_to_where_they_are_now(editor_client, old, new):
    response = editor_client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_the_admin_pages_of_stories_stay_where_they_were(editor_client):
    assert editor_client.get("/admin/articles/article/").status_code == 200


def test_an_editor_adds_an_author_without_seeing_user_accounts(editor_client):
    response = editor_client.post(reverse("admin:articles_author_add"), {"name": "Ana Reporter", "slug": "ana-reporter", "role": ""})
    assert response.status_code == 302
    assert Author.objects.get().user is None


def test_view_on_site_leads_to_the_story_address(editor_client, world):
    from django.contrib.contenttypes.models import ContentType

    story = Article.objects.create(section=world, headline="Out now", body="Text.", status="published")
    content_type = ContentType.objects.get_for_model(Article)
    response = editor_client.get(reverse("admin:view_on_site", args=[content_type.pk, story.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(story.get_absolute_url())


def test_admin_pages_name_the_site_icon(client):
    """Without it every admin page makes browsers ask for /favicon.ico and log a 404."""
    page = client.get("/admin/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in page


def test_the_admin_names_the_site_not_django(editor_client):
    page = editor_client.get("/admin/").content.decode()
    assert "Django administration" not in page and "Django site admin" not in page
    assert re.search(r"<title>[^<]*Newsroom admin</title>", page)
    assert re.search(r'<div id="site-name"><a href="/admin/">Newsroom</a></div>', page)


def test_the_close_comments_help_says_comments_stay_open_by_default(editor_client, world):
    page = editor_client.get("/admin/articles/article/add/").content.decode()
    assert "Leave empty to keep comments open" in page
    assert "some days after publication" not in page


def test_story_live_update_and_page_forms_open_in_the_rich_text_editor_from_static_files(editor_client, world):
    """The editor comes as files the CSP allows ('self'): a module script, no inline import map or style."""
    from pages.models import Page

    for address, pictures in [(reverse("admin:articles_article_add"), True),
                              (reverse("admin:live_liveupdate_add"), False),
                              (reverse("admin:pages_page_change", args=[Page.objects.first().pk]), False)]:
        page = editor_client.get(address).content.decode()
        assert 'data-story-editor="' in page, address
        assert re.search(r'<script src="/static/js/story-editor\.js" type="module"></script>', page)
        assert "importmap" not in page and "<style" not in page
        assert ("/admin/pictures/image/choose/" in page) is pictures, address


def test_a_reporter_reads_a_public_story_in_the_admin_as_readers_do(client, django_user_model, world):
    from tests.stories import make_story

    reporter = django_user_model.objects.create_user("rita", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporters"))
    client.force_login(reporter)
    story = make_story("Out already", section=world, body="<p>Words.</p><h2>A sub-heading</h2><p>More.</p>",
                       standfirst="<p>A <em>calm</em> day.</p>")
    page = client.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert "<h2>A sub-heading</h2>" in page and "&lt;h2&gt;" not in page
    assert "<p>A <em>calm</em> day.</p>" in page and "&lt;em&gt;" not in page
    assert 'name="body"' not in page  # nothing to send: the story is the editors' now
