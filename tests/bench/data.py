"""The benchmark's newsroom: run inside the server's environment (`manage.py shell`) on a migrated site
that holds the seed story. Prints nothing; `build()` returns the addresses the benchmark asks for."""

import time
from datetime import timedelta

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Author, Topic
from comments.browser import TOKEN_COOKIE
from comments.forms import issue_timestamp
from comments.models import Comment
from live.models import LiveUpdate
from tests.realistic_site import add_reply_threads, add_waiting_replies, build_site

SEED_HEADLINE = "Shooting continues in Almaty"
STORIES = 2_000
SEED_REPLIES = 500
BUSY_REPLIES = 20_000
SECTION = "politics"
LIVE_UPDATES = 60
TOPICS = ["Kazakhstan", "Fuel prices", "Elections", "Floods", "Central bank", "Football"]
# The mix's ordinary stories (beside the seed, the busiest and the live one): the newest after those two.
MIX_STORIES = 30
# Replies waiting for the moderator the mix rows run beside, spread over the mix's stories.
PENDING_REPLIES = 600
MODERATOR = ("bench-moderator", "bench-moderator-password")  # noqa: S105 (a throwaway site on loopback)
EDITOR = ("bench-editor", "bench-editor-password")  # noqa: S105 (the live desk's, on the same throwaway site)
COOKIE_READERS = 4


def build():
    """2,000 stories in several sections, 500 threaded replies on the seed story, 20,000 on the newest story,
    topics, replies waiting on the stories of the mix, a moderator, and readers who have posted a reply."""
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
        topics = file_under_topics(stories)
        others = stories[2 : 2 + MIX_STORIES]
        waiting = wait_for_moderation([seed, busy, *others])
        make_moderator()
        make_editor()
    if connection.vendor == "postgresql":
        # What autovacuum would do within a minute of the bulk load; done now so plans do not change mid-run.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    authors = list(Author.objects.order_by("pk"))
    return {
        "seed_story": {"id": seed.pk, "path": seed.get_absolute_url()},
        "busy_story": {"id": busy.pk, "path": busy.get_absolute_url()},
        "live_story": {"id": live.pk, "path": live.get_absolute_url(), "check": live.live_check_url,
                       "changes": live.live_updates_url, "desk": reverse("live-desk", args=[live.pk])},
        "section": reverse("articles:section", kwargs={"slug": SECTION}),
        "stories": Article.objects.published().count(),
        "replies": {"seed": seed.comments.count(), "busy": busy.comments.count()},
        "mix": {
            "stories": [story.get_absolute_url() for story in others],
            "sections": sorted({story.section.get_absolute_url() for story in stories[:50]}),
            "topics": [topic.get_absolute_url() for topic in topics],
            "authors": [author.get_absolute_url() for author in authors],
            "feeds": ["/feeds/latest/", "/feeds/atom/", reverse("articles:section-feed", kwargs={"slug": SECTION}),
                      reverse("articles:topic-feed", kwargs={"slug": topics[0].slug})],
        },
        "topic": topics[0].get_absolute_url(),
        "author": authors[0].get_absolute_url(),
        "waiting": waiting,
        "moderator": MODERATOR,
        "editor": EDITOR,
        "cookie_readers": post_as_readers([seed, busy, *others[:COOKIE_READERS - 2]]),
    }


def file_under_topics(stories):
    """Each story under two of TOPICS, as an editor would file them."""
    topics = [Topic.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})[0] for name in TOPICS]
    Filed = Article.topics.through
    Filed.objects.bulk_create(
        (Filed(article=story, topic=topics[(n + k) % len(topics)]) for n, story in enumerate(stories) for k in (0, 1)),
        batch_size=1000,
    )
    return topics


def wait_for_moderation(stories):
    """PENDING_REPLIES waiting replies, taken in turn from each story: [(id, story path, shown on the story's
    first page once approved)]. Only a top-level reply on a story with no public replies is surely on page one."""
    per_story = [add_waiting_replies(story, PENDING_REPLIES // len(stories), seed=n + 10) for n, story in enumerate(stories)]
    quiet = {story.pk for story in stories if not Comment.objects.public().filter(article=story).exists()}
    return [
        (reply.pk, reply.article.get_absolute_url(), reply.article_id in quiet and reply.parent_id is None)
        for turn in zip(*per_story, strict=True)
        for reply in turn
    ]


def make_moderator():
    user = User.objects.create_user(MODERATOR[0], password=MODERATOR[1], is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))


def make_editor():
    user = User.objects.create_user(EDITOR[0], password=EDITOR[1], is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"))


def post_as_readers(stories):
    """One reply posted on each story through the site's own reply form, each by a reader's browser of its own:
    the cookies each browser then holds (the CSRF cookie and the signed reply-author token the post gave it)."""
    jars = []
    for n, story in enumerate(stories):
        browser = Client(HTTP_HOST="127.0.0.1")
        browser.get(story.get_absolute_url())
        answer = browser.post(
            reverse("comments:post", args=[story.pk]),
            {"timestamp": issue_timestamp(story.pk, int(time.time()) - 60), "name": f"Reader {n}",
             "email": f"reader-{n}@readers.example.org", "body": f"Reader {n} has a view on this story, and said so."},
        )
        if answer.status_code != 303 or TOKEN_COOKIE not in browser.cookies:
            raise RuntimeError(f"posting a reply answered {answer.status_code} without the {TOKEN_COOKIE} cookie")
        browser.get(answer["Location"])  # the page the post leads to, which shows (and so drops) its message
        jars.append("; ".join(f"{name}={morsel.value}" for name, morsel in sorted(browser.cookies.items()) if morsel.value))
    return jars
