"""What is public: the status and the publish time decide, and nothing has to run for a scheduled story to appear."""

import datetime
from unittest import mock

import pytest
from django.utils import timezone

from articles.models import Article
from tests.stories import make_story

pytestmark = pytest.mark.django_db


def test_draft_is_invisible_everywhere_readers_look(client):
    draft = make_story("A draft nobody may read yet", status=Article.Status.DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404
    for address in ["/", "/section/world/", "/feeds/latest/", "/feeds/atom/", "/sitemap.xml"]:
        response = client.get(address)
        assert response.status_code == 200, address
        assert "A draft nobody may read yet" not in response.content.decode(), address
        assert draft.slug not in response.content.decode(), address


def test_scheduled_story_appears_at_its_time_without_any_job_running(client):
    publish_at = timezone.now() + datetime.timedelta(hours=2)
    story = make_story("Polls close at eight", publish_at=publish_at)

    assert client.get(story.get_absolute_url()).status_code == 404
    assert "Polls close at eight" not in client.get("/").content.decode()

    later = publish_at + datetime.timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert client.get(story.get_absolute_url()).status_code == 200
        assert "Polls close at eight" in client.get("/").content.decode()
        assert "Polls close at eight" in client.get("/feeds/latest/").content.decode()


def test_updated_stamp_appears_only_after_a_public_storys_text_changes(client):
    story = make_story("Talks resume in Geneva")
    story.save()  # saving without a change is not an update
    assert "Updated" not in client.get(story.get_absolute_url()).content.decode()

    story.body += "\n\nA new paragraph with the latest from the talks."
    story.save()

    page = client.get(story.get_absolute_url()).content.decode()
    assert "Updated <time" in page
    assert "A new paragraph with the latest from the talks." in page


def test_changing_a_draft_is_not_an_update():
    draft = make_story("Still being written", status=Article.Status.DRAFT)
    draft.body = "A different first paragraph."
    draft.save()

    draft.refresh_from_db()
    assert draft.updated_at is None
