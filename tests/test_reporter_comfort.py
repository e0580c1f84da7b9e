"""A reporter's comfort in the story form: words and reading time, the story's address as it will be, a preview at
a phone's and a desktop's width, and a draft copy of a new story kept from the first keystroke, for its writer only."""

import datetime
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, story_path
from articles.templatetags.reading_aids import WORDS_PER_MINUTE
from desk.models import EditSession
from tests.staff import signed_in, staff
from tests.stories import make_section, make_story
from tests.test_admin_articles import story_form

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")
ADD_DESK = reverse("admin:articles_article_add_desk")
ADDRESS = reverse("admin:articles_article_address")


@pytest.fixture
def reporter(django_user_model):
    return staff(django_user_model, "rita", "Reporters")


@pytest.fixture
def editor(django_user_model):
    return staff(django_user_model, "edna", "Editors")


@pytest.fixture
def moderator(django_user_model):
    return staff(django_user_model, "moe", "Moderators")


# -- Words, reading time and the address as it will be -----------------------------------------------------------


def test_the_story_form_shows_its_words_reading_time_and_address(reporter):
    story = make_story("Curfew lifted", status=Article.Status.DRAFT, body=" ".join(["word"] * 500))

    page = signed_in(reporter).get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()

    assert "500 words, 3 min read" in page
    assert f'data-words-per-minute="{WORDS_PER_MINUTE}"' in page
    assert f"http://127.0.0.1:8000{story.get_absolute_url()}</output>" in page


def test_words_are_counted_as_readers_see_them_not_as_marks_or_run_together_blocks(reporter):
    story = make_story("Curfew lifted", status=Article.Status.DRAFT, body="## Bread\n\nOne.\n\nTwo & three — four.")
    assert story.body_html.count("<") >= 6

    page = signed_in(reporter).get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()

    assert "5 words, 1 min read" in page


def test_the_address_is_made_by_the_function_the_story_uses_in_the_sites_time_zone(reporter, settings):
    settings.TIME_ZONE = "Asia/Almaty"  # 01:30 on the 16th there is still the 15th in UTC: the address says the 16th
    client = signed_in(reporter)

    reply = client.get(ADDRESS, {"slug": "curfew-lifted", "publish_at_0": "2026-01-16", "publish_at_1": "01:30:00"}).json()

    when = timezone.make_aware(datetime.datetime(2026, 1, 16, 1, 30))
    assert when.astimezone(datetime.UTC).day == 15
    assert reply["path"] == story_path("curfew-lifted", when) == "/2026/01/16/curfew-lifted/"
    assert reply["url"] == "http://127.0.0.1:8000/2026/01/16/curfew-lifted/"


def test_the_address_says_when_another_story_has_the_slug_already(reporter):
    story = make_story("Curfew lifted", slug="curfew-lifted", status=Article.Status.DRAFT)
    client = signed_in(reporter)
    when = {"publish_at_0": "2026-01-16", "publish_at_1": "10:00:00"}

    assert client.get(ADDRESS, {"slug": "curfew-lifted", **when}).json()["taken"] is True
    assert client.get(ADDRESS, {"slug": "curfew-lifted", "story": story.pk, **when}).json()["taken"] is False
    assert client.get(ADDRESS, {"slug": "curfew-eases", **when}).json()["taken"] is False


@pytest.mark.parametrize("query", [
    {"slug": "Not a slug!", "publish_at_0": "2026-01-15", "publish_at_1": "10:00"},
    {"slug": "ok", "publish_at_0": "2026-02-30", "publish_at_1": "10:00"},
    {"slug": "ok"},
    {"slug": "x" * 201, "publish_at_0": "2026-01-15", "publish_at_1": "10:00"},
    {"slug": "ok", "publish_at_0": "99999-01-01", "publish_at_1": "10:00"},
    {"slug": "ok", "publish_at_0": "2026-01-15", "publish_at_1": "10:00", "story": "99999999999999999999999"},
    {"slug": "ok", "publish_at_0": "2026-01-15", "publish_at_1": "10:00", "story": "²"},
])
def test_an_address_that_cannot_be_made_is_a_400_saying_what_to_fix(reporter, query):
    response = signed_in(reporter).get(ADDRESS, query)
    assert response.status_code == 400 and response.json()["errors"]


def test_a_moderator_gets_no_address(moderator):
    response = signed_in(moderator).get(ADDRESS, {"slug": "ok", "publish_at_0": "2026-01-15", "publish_at_1": "10:00"})
    assert response.status_code == 403


# -- The preview at a phone's width and a desktop's ---------------------------------------------------------------


def test_the_preview_shows_the_story_page_in_two_frames_at_375_and_1280_pixels(reporter):
    story = make_story("Curfew lifted", status=Article.Status.DRAFT, body="Words readers will see.")
    client = signed_in(reporter)
    frame = reverse("admin:articles_article_preview_frame", args=[story.pk])

    page = client.get(reverse("admin:articles_article_preview", args=[story.pk])).content.decode()

    assert f'src="{frame}" width="375"' in page and f'src="{frame}" width="1280"' in page
    response = client.get(frame)
    assert response.status_code == 200 and "Words readers will see." in response.content.decode()
    assert '<base target="_top">' in response.content.decode()
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert response["X-Robots-Tag"] == "noindex" and "no-store" in response["Cache-Control"]


def test_only_the_preview_may_be_framed_and_only_by_the_site(reporter):
    story = make_story("Curfew lifted")
    response = Client().get(story.get_absolute_url())
    assert response["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert '<base target="_top">' not in response.content.decode()


def test_a_moderator_sees_no_preview_of_a_story(moderator):
    story = make_story("Embargoed", publish_at=timezone.now() + datetime.timedelta(days=1))
    client = signed_in(moderator)
    for name in ("admin:articles_article_preview", "admin:articles_article_preview_frame"):
        response = client.get(reverse(name, args=[story.pk]))
        assert response.status_code == 403 and b"Embargoed" not in response.content


# -- A new story's draft copy, from the first keystroke --------------------------------------------------------------


def test_a_new_storys_words_are_kept_from_the_first_keystroke_and_offered_back_to_their_writer(reporter):
    client = signed_in(reporter)
    key = str(uuid.uuid4())

    reply = client.post(ADD_DESK, {"draft_key": key, "headline": "Curfew lifted", "body": "Words typed before the crash."})

    assert reply.status_code == 200 and "draft_saved" in reply.json()
    assert not Article.objects.exists()
    page = client.get(ADD).content.decode()
    assert "You began a story" in page and "“Curfew lifted”" in page and f"?draft={key}" in page
    restored = client.get(ADD, {"draft": key}).content.decode()
    assert "Words typed before the crash.</textarea>" in restored and f'value="{key}"' in restored
    assert "is in the form below" in restored


def test_saving_the_new_story_ends_its_draft_copy(reporter):
    client = signed_in(reporter)
    key = str(uuid.uuid4())
    client.post(ADD_DESK, {"draft_key": key, "headline": "Curfew lifted", "body": "Typed."})

    response = client.post(ADD, story_form(make_section(), draft_key=key, status="review"))

    assert response.status_code == 302 and Article.objects.get().status == Article.Status.REVIEW
    assert not EditSession.objects.filter(draft_key=key).exists()
    assert "You began a story" not in client.get(ADD).content.decode()


def test_a_new_storys_draft_copy_is_discarded_on_request(reporter):
    client = signed_in(reporter)
    key = str(uuid.uuid4())
    client.post(ADD_DESK, {"draft_key": key, "body": "Typed."})

    response = client.post(reverse("admin:articles_article_discard_new_draft"), {"draft_key": key})

    assert response.status_code == 302 and response["Location"] == ADD
    assert not EditSession.objects.exists()


def test_nobody_else_is_shown_or_given_a_writers_new_draft_copy(reporter, editor):
    key = str(uuid.uuid4())
    signed_in(editor).post(ADD_DESK, {"draft_key": key, "headline": "The editor's secret scoop", "body": "Unsaved."})

    client = signed_in(reporter)
    assert "secret scoop" not in client.get(ADD).content.decode()
    assert "secret scoop" not in client.get(ADD, {"draft": key}).content.decode()
    # Writing under someone else's key keeps a copy of one's own; theirs is untouched.
    client.post(ADD_DESK, {"draft_key": key, "headline": "Rita's words"})
    assert EditSession.objects.get(user=editor).draft["headline"] == "The editor's secret scoop"
    assert EditSession.objects.get(user=reporter).draft["headline"] == "Rita's words"


def test_the_draft_copy_keeps_only_words_so_autosave_never_publishes(reporter):
    key = str(uuid.uuid4())
    signed_in(reporter).post(ADD_DESK, {"draft_key": key, "headline": "Typed", "status": "published",
                                        "publish_at_0": "2020-01-01", "section": make_section().pk})

    assert set(EditSession.objects.get().draft) == {"headline"}
    assert not Article.objects.exists()


def test_a_writer_keeps_a_few_new_drafts_not_every_one_ever_begun(reporter):
    client = signed_in(reporter)
    keys = [str(uuid.uuid4()) for _ in range(EditSession.NEW_DRAFTS_KEPT + 2)]
    for n, key in enumerate(keys):
        client.post(ADD_DESK, {"draft_key": key, "headline": f"Draft {n}"})

    assert EditSession.new_drafts_of(reporter).count() == EditSession.NEW_DRAFTS_KEPT
    assert "“Draft 6”" in client.get(ADD).content.decode()


@pytest.mark.parametrize("key", ["", "not-a-uuid", "x" * 36, "5B0C7F0E3D4A4F7E9A512C7D3E8B1F60", "²" * 36])
def test_a_draft_key_that_is_not_a_uuid_is_a_400(reporter, key):
    response = signed_in(reporter).post(ADD_DESK, {"draft_key": key, "body": "Typed."})
    assert response.status_code == 400
    assert not EditSession.objects.exists()


def test_the_new_story_desk_takes_posts_only_and_not_from_a_moderator(reporter, moderator):
    assert signed_in(reporter).get(ADD_DESK).status_code == 405
    response = signed_in(moderator).post(ADD_DESK, {"draft_key": str(uuid.uuid4()), "body": "Typed."})
    assert response.status_code == 403 and not EditSession.objects.exists()
