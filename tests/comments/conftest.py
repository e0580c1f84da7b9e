import pytest
from django.test import Client

from tests.comments.support import make_staff, relax_limits
from tests.stories import make_story


@pytest.fixture(autouse=True)
def limits(settings):
    relax_limits(settings)


@pytest.fixture
def story(db):
    return make_story("Shooting continues in Almaty")


@pytest.fixture
def mona(django_user_model):
    return make_staff(django_user_model, "mona", "Moderators")


@pytest.fixture
def desk(mona):
    """A moderator signed in to the admin."""
    client = Client()
    client.force_login(mona)
    return client
