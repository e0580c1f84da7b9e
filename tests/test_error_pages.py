"""Error pages a reader or a member of staff can meet are the site's own, and never a 500."""

import pytest
from django.test import Client

from tests.stories import make_story

pytestmark = pytest.mark.django_db


def test_a_form_sent_without_its_security_token_says_what_to_do():
    """(A reader's reply is shown again in its form instead: tests/comments/test_form.py.)"""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "chief", "password": "x"}, secure=True)
    assert response.status_code == 403
    page = response.content.decode()
    assert "That form could not be sent" in page
    assert "reload the page" in page
    assert 'class="masthead' in page  # in the site's own frame


def test_a_request_far_over_the_size_limit_is_a_400_page(client, settings):
    story = make_story("Shooting continues in Almaty")
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(f"/comments/post/{story.pk}/", {"name": "Reader", "body": "x" * 20_000})
    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()


def test_staff_without_rights_see_the_403_page(client, django_user_model):
    clerk = django_user_model.objects.create_user("clerk", password="unused-passphrase-1", is_staff=True)
    client.force_login(clerk)
    response = client.get("/admin/articles/article/")
    assert response.status_code == 403
    assert "You are not allowed to do that" in response.content.decode()
