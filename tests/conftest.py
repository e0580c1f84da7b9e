import os
import tempfile
from urllib.parse import urlsplit, urlunsplit

import pytest


def pytest_configure(config):
    from django.conf import settings

    _redis_database_of_this_process(settings)
    # The shared caches on disk (the embedded default) in folders of this run's own, not the developer's var/.
    for name, configured in settings.CACHES.items():
        if configured["BACKEND"] == "pagecache.files.SharedFileCache":
            configured["LOCATION"] = tempfile.mkdtemp(prefix=f"newsroom-test-{name}-")

    # Tests run with DEBUG off but without collectstatic: serve static files unhashed.
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    # The test client speaks plain HTTP; production's HTTPS redirect would turn every request into a 301.
    settings.SECURE_SSL_REDIRECT = False


def _redis_database_of_this_process(settings):
    """With the suite spread over processes (pytest-xdist), each process and the servers it starts use a
    Redis database of their own: a test that empties the cache must not empty another process's."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not worker.startswith("gw") or not url:
        return
    address = urlsplit(url)
    database = (int(address.path.strip("/") or 0) - int(worker[2:])) % 16
    own = urlunsplit(address._replace(path=f"/{database}"))
    os.environ["REDIS_URL"] = own  # the gunicorn servers and workers that tests start inherit it
    for configured in settings.CACHES.values():
        if configured.get("LOCATION") == url:
            configured["LOCATION"] = own


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test uploads into its own folder, never into the developer's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings):
    """Background tasks run as they are enqueued (tests/test_tasks.py runs a real worker and queue). Changed
    pages are rendered by the next reader, not by the worker (tests/test_renew.py): run at once, its renewal
    would render pages inside the request that made the change."""
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.NEWSROOM_RENEW_PAGES = False


@pytest.fixture
def task_queue(settings, monkeypatch):
    """The database queue, as in production; calling it runs what is due now, as one pass of the worker."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # The worker drops its connection between tasks; in a test that connection holds the test's transaction.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {**settings.TASKS["default"], "BACKEND": "django_tasks_db.DatabaseBackend"}}
    return lambda: call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Cached pages and other cached state must not leak from one test into the next."""
    from django.core.cache import caches

    import pagecache
    from live import views as live_views

    for name in ("default", "pages", "search"):
        caches[name].clear()
    pagecache.forget_generation()  # with Redis, what this thread last heard is gone with the cache
    live_views._recent_answers.clear()  # this process's update-check answers, by address: tests share addresses
    yield
    for name in ("default", "pages", "search"):
        caches[name].clear()


# Staff in each group (tests/staff.py); a module may define its own.


@pytest.fixture
def editor(django_user_model):
    from tests.staff import staff

    return staff(django_user_model, "edna", "Editors")


@pytest.fixture
def reporter(django_user_model):
    from tests.staff import staff

    return staff(django_user_model, "rita", "Reporters")


@pytest.fixture
def moderator(django_user_model):
    from tests.staff import staff

    return staff(django_user_model, "moe", "Moderators")
