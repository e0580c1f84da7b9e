import pytest

from tests.comments.support import relax_limits
from tests.stories import make_story


@pytest.fixture(autouse=True)
def limits(settings):
    relax_limits(settings)


@pytest.fixture
def story(db):
    return make_story("Shooting continues in Almaty")
