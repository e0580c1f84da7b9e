"""The benchmark's newsroom: run inside the server's environment (`manage.py shell`) on a migrated site
that holds the seed story. Prints nothing; `build()` returns the addresses the benchmark asks for."""

from datetime import timedelta

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from live.models import LiveUpdate
from tests.realistic_site import add_reply_threads, build_site

SEED_HEADLINE = "Shooting continues in Almaty"
STORIES = 2_000
SEED_REPLIES = 500
BUSY_REPLIES = 20_000
SECTION = "politics"
LIVE_UPDATES = 60


def build():
    """2,000 stories in several sections, 500 threaded replies on the seed story, 20,000 on the newest story."""
    with transaction.atomic():
        seed = Article.objects.get(headline=SEED_HEADLINE)
        stories = build_site(STORIES, pictures=3)
        add_reply_threads(seed, SEED_REPLIES, seed=1)
        busy = stories[0]
        add_reply_threads(busy, BUSY_REPLIES, seed=2)
        live = stories[1]
        live.go_live(timezone.now() - timedelta(hours=3))
        LiveUpdate.objects.bulk_create(
            LiveUpdate(article=live, headline="" if n % 3 else f"Update {n}", body=f"Update {n}: what we know now.",
                       body_html=f"<p>Update {n}: what we know now.</p>", is_key_event=n % 10 == 0,
                       publish_at=timezone.now() - timedelta(minutes=3 * (LIVE_UPDATES - n)))
            for n in range(LIVE_UPDATES)
        )
    if connection.vendor == "postgresql":
        # What autovacuum would do within a minute of the bulk load; done now so plans do not change mid-run.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "seed_story": {"id": seed.pk, "path": seed.get_absolute_url()},
        "busy_story": {"id": busy.pk, "path": busy.get_absolute_url()},
        "live_story": {"id": live.pk, "path": live.get_absolute_url(), "check": live.live_check_url},
        "section": reverse("articles:section", kwargs={"slug": SECTION}),
        "stories": Article.objects.published().count(),
        "replies": {"seed": seed.comments.count(), "busy": busy.comments.count()},
    }
