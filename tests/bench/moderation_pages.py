"""How fast the moderators' pages open on a big site: the replies' admin list and the moderation page.

Run `.venv/bin/python tests/bench/moderation_pages.py` (SQLite), or with DATABASE_URL set for PostgreSQL.
It makes a throwaway test database (as the tests do, dropped afterwards), fills it with 2,000 stories
(a few of them not public) and 20,500 replies in every state, then asks each page as a moderator and
as a superuser through Django's test client: the median of five runs after one warm-up, the number of
queries, and the slowest query (`-v` prints its SQL; words after the command keep only the pages whose
label holds one, e.g. `moderation`). A measurement, not a test: the figures go in the README.
"""

import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

STORIES = 2_000
REPLIES = 20_500
RUNS = 5
LIST = "/admin/comments/comment/"
PAGE = "/admin/comments/comment/moderate/"


def build():
    """The site, and the addresses to ask: (label, path, query)."""
    from articles.models import Article
    from comments.models import Comment
    from tests.realistic_site import add_moderation_backlog, build_site

    stories = build_site(STORIES, pictures=0)
    Article.objects.filter(pk__in=[story.pk for story in stories[::40]]).update(status=Article.Status.DRAFT)
    made = add_moderation_backlog(stories, REPLIES)
    busy = Comment.objects.filter(status=Comment.Status.PENDING).values_list("article", flat=True).first()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{connection.vendor}: {STORIES} stories, {sum(made.values())} replies {made}")
    return [
        ("list", LIST, {}),
        ("list, waiting", LIST, {"status__exact": "pending"}),
        ("list, search", LIST, {"q": "author0-17@"}),
        ("list, one story", LIST, {"article__id__exact": busy}),
        ("list, page 2", LIST, {"p": 2}),
        ("list, by author", LIST, {"o": "2"}),
        *[(f"moderation, {queue}", PAGE, {"queue": queue}) for queue in ("new", "reported", "featured", "spam", "removed", "all")],
        ("moderation, one story", PAGE, {"story": busy}),
        ("moderation, page 2", PAGE, {"page": 2}),
    ]


def measure(client, path, query):
    """(median milliseconds, queries, slowest query in milliseconds, its SQL)."""
    warm_up = client.get(path, query)
    assert warm_up.status_code == 200, (path, query, warm_up.status_code)
    times = []
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(path, query)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (path, query, response.status_code)
    slowest = max(queries.captured_queries, key=lambda query: float(query["time"]))
    return statistics.median(times), len(queries), float(slowest["time"]) * 1000, slowest["sql"]


def main():
    # As tests/conftest.py: plain HTTP, static files unhashed, the shared cache in a folder of this run's own.
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    if settings.CACHES["default"]["BACKEND"] == "pagecache.files.SharedFileCache":
        settings.CACHES["default"]["LOCATION"] = tempfile.mkdtemp(prefix="newsroom-bench-cache-")
    logging.disable(logging.WARNING)
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        pages = build()
        moderator = User.objects.create_user("mona", is_staff=True)
        moderator.groups.add(Group.objects.get(name="Moderators"))
        chief = User.objects.create_superuser("chief")
        verbose = "-v" in sys.argv
        only = [word for word in sys.argv[1:] if not word.startswith("-")]  # e.g. "moderation": those pages only
        for user in (moderator, chief):
            client = Client()
            client.force_login(user)
            print(f"\n{'as a superuser' if user.is_superuser else 'as a moderator'}:")
            for label, path, query in pages:
                if only and not any(word in label for word in only):
                    continue
                median, count, slowest, sql = measure(client, path, query)
                print(f"  {label:<26} {median:7.0f} ms  {count:3} queries  slowest {slowest:6.1f} ms")
                if verbose:
                    print(f"      {sql[:600]}")
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)


if __name__ == "__main__":
    main()
