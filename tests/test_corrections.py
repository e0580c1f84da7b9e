"""Corrections: dated notes on a story, where the newsroom chooses, in its structured data, and on one page."""

import datetime
import json
import re

import pytest
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Correction
from tests.stories import make_story
from tests.test_admin_articles import editor, editor_client, story_form, world  # noqa: F401 (fixtures)
from tests.test_feeds import json_ld

pytestmark = pytest.mark.django_db

JANUARY_17 = datetime.datetime(2022, 1, 17, 10, 30, tzinfo=datetime.UTC)


def html(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def story():
    return make_story(
        "Shooting continues in Almaty",
        publish_at=datetime.datetime(2022, 1, 16, 9, 0, tzinfo=datetime.UTC),
        body="The curfew starts at 11 pm.\n\nMore text.",
    )


def test_a_correction_is_shown_dated_at_the_foot_of_the_story(client, story):
    Correction.objects.create(
        article=story, published_at=JANUARY_17,
        text='<p>An earlier version gave the wrong time for the <em>curfew</em>.</p><script>alert(1)</script>',
    )

    page = html(client.get(story.get_absolute_url()))

    note = (
        '<strong>Correction, <time datetime="2022-01-17T10:30:00+00:00">17 January 2022</time>:</strong></p> '
        "<p>An earlier version gave the wrong time for the <em>curfew</em>.</p>"
    )
    assert "<script>alert" not in page
    assert note in page
    assert page.index("The curfew starts at 11 pm.") < page.index(note) < page.index("Leave a Reply")


def test_the_newsroom_can_show_corrections_at_the_top_instead(client, story, settings):
    settings.NEWSROOM_CORRECTIONS_AT = "top"
    Correction.objects.create(article=story, published_at=JANUARY_17, kind=Correction.Kind.CLARIFICATION, text="To be clear.")

    page = html(client.get(story.get_absolute_url()))

    main = page[page.index("<main") :]
    assert main.count("To be clear.") == 1
    assert main.index('<h1 class="story__headline">') < main.index("Clarification, <time") < main.index("The curfew starts")


def test_a_correction_moves_the_stories_modified_time_everywhere_and_goes_into_its_structured_data(client, story):
    Correction.objects.create(article=story, published_at=JANUARY_17, text="The curfew starts at 10 pm, not 11 pm.")
    story.refresh_from_db()

    assert story.updated_at == JANUARY_17 and story.last_modified == JANUARY_17
    page = html(client.get(story.get_absolute_url()))
    data = json.loads(json_ld(page))
    assert data["dateModified"] == "2022-01-17T10:30:00+00:00"
    assert data["correction"] == [
        {"@type": "CorrectionComment", "text": "The curfew starts at 10 pm, not 11 pm.", "datePublished": "2022-01-17T10:30:00+00:00"}
    ]
    assert '<meta property="article:modified_time" content="2022-01-17T10:30:00+00:00">' in page
    assert "<lastmod>2022-01-17</lastmod>" in html(client.get("/sitemap.xml"))
    assert "<updated>2022-01-17T10:30:00+00:00</updated>" in html(client.get("/feeds/atom/"))


def test_an_older_correction_does_not_move_the_modified_time_back(story):
    later = JANUARY_17 + datetime.timedelta(days=3)
    Correction.objects.create(article=story, published_at=later, text="Second.")
    Correction.objects.create(article=story, published_at=JANUARY_17, text="First, entered late.")
    story.refresh_from_db()
    assert story.updated_at == later


def test_a_correction_on_a_draft_does_not_mark_it_updated(client):
    draft = make_story("Unpublished", status=Article.Status.DRAFT)
    Correction.objects.create(article=draft, text="Fixed before publication.")
    draft.refresh_from_db()
    assert draft.updated_at is None


def test_a_correction_cannot_be_dated_in_the_future(story):
    correction = Correction(article=story, text="From tomorrow.", published_at=timezone.now() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="cannot be dated in the future"):
        correction.full_clean()


def test_an_editor_adds_a_correction_from_the_story_form_and_readers_see_it_at_once(client, editor_client, world):  # noqa: F811
    story = make_story("Shooting continues in Almaty", section=world, slug="shooting-continues-in-almaty")
    assert "Correction," not in html(client.get(story.get_absolute_url()))
    form = story_form(
        world,
        status="published",
        publish_at_0=timezone.localtime(story.publish_at).strftime("%Y-%m-%d"),
        publish_at_1=timezone.localtime(story.publish_at).strftime("%H:%M:%S"),
        **{
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-published_at_0": "2022-01-17",
            "corrections-0-published_at_1": "10:30:00",
            "corrections-0-text": "The curfew starts at 10 pm.",
        },
    )

    response = editor_client.post(reverse("admin:articles_article_change", args=[story.pk]), form)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert "The curfew starts at 10 pm." in html(client.get(story.get_absolute_url()))


def test_the_corrections_page_lists_the_latest_across_the_site_with_their_stories(client, story, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 1  # two corrections a page
    other = make_story("Markets reopen")
    draft = make_story("Unpublished", status=Article.Status.DRAFT)
    Correction.objects.create(article=story, published_at=JANUARY_17, text="<p>Oldest.</p>")
    Correction.objects.create(article=other, published_at=JANUARY_17 + datetime.timedelta(days=1), text="<p>Middle.</p>")
    Correction.objects.create(article=story, published_at=JANUARY_17 + datetime.timedelta(days=2), text="<p>Newest.</p>")
    Correction.objects.create(article=draft, text="On a draft: not public.")

    first, second = html(client.get("/corrections/")), html(client.get("/corrections/?page=2"))

    assert re.findall(r"<p>(Oldest|Middle|Newest)\.</p>", first) == ["Newest", "Middle"]
    assert re.findall(r"<p>(Oldest|Middle|Newest)\.</p>", second) == ["Oldest"]
    assert f'<a href="{other.get_absolute_url()}">Markets reopen</a>' in first
    assert "On a draft" not in first + second
    assert client.get("/corrections/?page=3").status_code == 404
    assert 'href="/corrections/"' in html(client.get("/"))  # reachable from the front page's footer


def test_the_corrections_page_takes_one_query(client, django_assert_max_num_queries, story):
    for n in range(30):
        Correction.objects.create(article=make_story(), text=f"Correction {n}.")
    client.get("/corrections/")
    caches["pages"].clear()
    with django_assert_max_num_queries(1):
        assert "Correction 29." in html(client.get("/corrections/"))
