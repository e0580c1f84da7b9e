"""The site the authorization matrix walks: stories in every state, replies in every state, one of every
other object an address can name, and a signed-in client for each role.

Everything that must not leak carries an unmistakable marker (MARKERS), so a test can say "this page
shows no draft" by looking for a string. Built once per module (it takes a second), inside a
transaction the module rolls back.
"""

import datetime
from types import SimpleNamespace

import pytest
import reversion
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Author, Byline, Correction, Section, Topic
from comments import browser
from comments.models import Ban, Comment, DiscussionChange, DiscussionSettings, Report
from comments.moderation import moderator
from desk.models import EditSession, FrontPage, PreviewLink
from live.models import LiveUpdate
from pages.models import Page
from pictures.models import Image
from tests.comments.support import relax_limits

# What each non-public thing is called, and who may read it. A page that shows a marker to any other role leaks.
STORY_STATES = ["draft", "review", "scheduled", "public", "taken_down", "deleted"]
REPLY_STATES = ["pending", "approved", "spam", "removed", "featured"]

MARKERS = {
    # Stories that are not public: their headline, slug and body text.
    "draft": ["DRAFT-HEADLINE-3K", "draft-slug-3k", "DRAFT-BODY-3K"],
    "review": ["REVIEW-HEADLINE-4M", "review-slug-4m", "REVIEW-BODY-4M"],
    "scheduled": ["EMBARGOED-HEADLINE-7Q", "embargoed-slug-7q", "EMBARGOED-BODY-7Q", "EMBARGOED-TOPIC-7Q"],
    "taken_down": ["TAKENDOWN-HEADLINE-5P", "takendown-slug-5p", "TAKENDOWN-BODY-5P"],
    "deleted": ["DELETED-HEADLINE-9Z", "deleted-slug-9z", "DELETED-BODY-9Z"],
    # Replies readers do not see, and every commenter's email address.
    "pending": ["PENDING-REPLY-6R"],
    "spam": ["SPAM-REPLY-2C"],
    "removed": ["REMOVED-REPLY-4D"],
    "email": ["secret-commenter-"],
    # An update not yet due on a live story, a draft one, one deleted, and an editor's unsaved draft copy.
    "scheduled_update": ["SCHEDULED-UPDATE-2W"],
    "draft_update": ["DRAFT-UPDATE-4V"],
    "deleted_update": ["DELETED-UPDATE-8D"],
    "draft_copy": ["DRAFT-COPY-6J"],
}

ROLES = ["anonymous", "reader", "reporter", "editor", "moderator", "staff_view_replies", "staff_view_stories", "superuser"]

READER_TOKEN = "reader-who-posted-token"  # noqa: S105 (a reply author's random token, not a secret)


def _may(perm):
    return {role for role, perms in ROLE_PERMISSIONS.items() if perm in perms or role == "superuser"}


# Filled in by build(): each role's permissions as the groups the migrations make give them.
ROLE_PERMISSIONS = {}


def readers_of(marker_kind):
    """The roles allowed to see a marker kind anywhere."""
    stories = _may("articles.view_article")
    return {
        "draft": stories, "review": stories, "scheduled": stories, "taken_down": stories,
        # A deleted story lives on only in its revisions: the superuser may read them, nobody else.
        "deleted": {"superuser"},
        "pending": _may("comments.view_comment") | {"reader"},  # the reader who wrote it sees it awaiting moderation
        "spam": _may("comments.view_comment"),
        "removed": _may("comments.view_comment"),
        "email": _may("comments.change_comment"),
        "scheduled_update": _may("articles.change_article"),  # writers see what is to come, as they see embargoed stories
        "draft_update": _may("articles.change_article"),  # the desk's, as a story being written is
        "deleted_update": {"editor", "superuser"},
        "draft_copy": {"editor"},  # the editor's own unsaved words, nobody else's
    }[marker_kind]


def _user(username, *, groups=(), permissions=(), superuser=False):
    user = User.objects.create_user(username, f"{username}@newsroom.example", None, is_staff=True,
                                    is_superuser=superuser)
    user.groups.add(*Group.objects.filter(name__in=groups))
    for perm in permissions:
        app_label, codename = perm.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user


def _picture():
    from io import BytesIO

    from PIL import Image as PILImage

    out = BytesIO()
    PILImage.new("RGB", (40, 20), (200, 30, 30)).save(out, "JPEG")
    image = Image(alt_text="A red square", caption="A public caption")
    image.file = ContentFile(out.getvalue(), name="red.jpg")
    image.save()
    return image


def build():
    """Make the world and return it as a namespace (stories, replies, versions, users, clients by role)."""
    now = timezone.now()
    hour = datetime.timedelta(hours=1)
    w = SimpleNamespace(stories={}, replies={})

    w.users = {
        "reporter": _user("rita", groups=["Reporters"]),
        "editor": _user("edna", groups=["Editors"]),
        "moderator": _user("moe", groups=["Moderators"]),
        "staff_view_replies": _user("vera", permissions=["comments.view_comment"]),
        "staff_view_stories": _user("victor", permissions=["articles.view_article"]),
        "superuser": _user("root", superuser=True),
    }
    for role, user in w.users.items():
        ROLE_PERMISSIONS[role] = User.objects.get(pk=user.pk).get_all_permissions()
    ROLE_PERMISSIONS["anonymous"] = ROLE_PERMISSIONS["reader"] = set()

    w.section = Section.objects.create(name="World", slug="world")
    w.author = Author.objects.create(name="Aidos Writer", slug="aidos-writer")
    w.topics = {
        "public": Topic.objects.create(name="Almaty", slug="almaty"),
        "embargoed": Topic.objects.create(name="EMBARGOED-TOPIC-7Q", slug="embargoed-topic-7q"),
    }
    w.image = _picture()

    def story(state, marker, status, publish_at, **fields):
        headline, slug, body = MARKERS[marker][:3] if marker else ("PUBLIC-HEADLINE-1A", "public-slug-1a", "PUBLIC-BODY-1A")
        with reversion.create_revision():
            reversion.set_user(w.users["editor"])
            article = Article.objects.create(section=w.section, headline=headline, slug=slug, body=body,
                                             status=status, publish_at=publish_at, lead_image=w.image, **fields)
            Byline.objects.create(article=article, author=w.author)
        w.stories[state] = article
        w.addresses[state] = article.get_absolute_url()
        return article

    w.addresses = {}
    S = Article.Status
    story("draft", "draft", S.DRAFT, now - hour)
    story("review", "review", S.REVIEW, now - hour)
    story("scheduled", "scheduled", S.PUBLISHED, now + 24 * hour).topics.add(w.topics["embargoed"])
    story("public", None, S.PUBLISHED, now - 2 * hour, live_from=now - 2 * hour).topics.add(w.topics["public"])
    story("taken_down", "taken_down", S.TAKEN_DOWN, now - 3 * hour)
    story("deleted", "deleted", S.DRAFT, now - hour)
    w.deleted_story_id = w.stories["deleted"].pk
    w.story_versions = {state: Version.objects.get_for_object(article).first().pk for state, article in w.stories.items()}
    w.stories.pop("deleted").delete()
    public = w.stories["public"]

    Correction.objects.create(article=public, text="A public correction.", published_at=now - hour)
    w.preview_links = {
        "valid": PreviewLink.objects.create(article=w.stories["review"], shared_with="A lawyer",
                                            expires_at=now + 24 * hour, created_by=w.users["editor"]),
        "revoked": PreviewLink.objects.create(article=w.stories["draft"], shared_with="A source", revoked_at=now - hour,
                                              expires_at=now + 24 * hour, created_by=w.users["editor"]),
    }
    EditSession.objects.create(article=w.stories["review"], user=w.users["editor"],
                               draft={"body": "DRAFT-COPY-6J"}, draft_version=1, draft_saved_at=now)
    # And the copy of a story the editor began and never saved, offered back on their "Add story" page only.
    w.new_draft_key = "0d9e8f7a-6b5c-4d3e-8f1a-2b3c4d5e6f70"
    EditSession.objects.create(article=None, user=w.users["editor"], draft_key=w.new_draft_key,
                               draft={"headline": "DRAFT-COPY-6J", "body": "DRAFT-COPY-6J"}, draft_saved_at=now)
    FrontPage.current()

    def update(body, publish_at, draft=False):
        with reversion.create_revision():
            return LiveUpdate.objects.create(article=public, body=body, publish_at=publish_at, draft=draft,
                                             created_by=w.users["editor"])

    w.live_update = update("A public update.", now - hour)
    w.scheduled_update = update("SCHEDULED-UPDATE-2W", now + 24 * hour)
    deleted_update = update("DELETED-UPDATE-8D", now - hour)
    w.updates = {"published": w.live_update, "scheduled": w.scheduled_update,
                 "draft": update("DRAFT-UPDATE-4V", now - 2 * hour, draft=True)}
    w.recoverable = {
        "deleted update": Version.objects.get_for_object(deleted_update).first().pk,
        "deleted story": w.story_versions["deleted"],
    }
    deleted_update.delete()
    w.revisions = {
        "update's version": (w.live_update.pk, Version.objects.get_for_object(w.live_update).first().pk),
        "story's version": (public.pk, w.story_versions["public"]),
    }

    def reply(state, status, body, number, article=public, **fields):
        made = Comment(article=article, name=f"Commenter {number}", email=f"secret-commenter-{number}@example.org",
                       body=body, status=status, ip_address=f"198.51.100.{number}", **fields)
        made.attach_to(None)
        made.save()
        w.replies[state] = made
        return made

    C = Comment.Status
    reply("pending", C.PENDING, "PENDING-REPLY-6R", 1, author_token=Comment.hash_token(READER_TOKEN))
    reply("approved", C.APPROVED, "A public reply.", 2)
    reply("spam", C.SPAM, "SPAM-REPLY-2C", 3)
    reply("removed", C.PENDING, "REMOVED-REPLY-4D", 4)
    reply("featured", C.APPROVED, "A featured reply.", 5, is_featured=True)
    w.takendown_reply = Comment(article=w.stories["taken_down"], name="Commenter 6", body="A reply to a withdrawn story.",
                                email="secret-commenter-6@example.org", status=C.APPROVED)
    w.takendown_reply.attach_to(None)
    w.takendown_reply.save()
    w.event = moderator.decide(w.replies["removed"], "remove", w.users["moderator"])
    Report.objects.create(comment=w.replies["approved"], reason="abusive", reporter=Comment.hash_token("someone"))
    w.ban = Ban.objects.create(email="secret-commenter-7@example.org", reason="Spam", created_by=w.users["moderator"])
    w.discussion_settings = DiscussionSettings.current()
    w.discussion_change = DiscussionChange.objects.create(article=public, by=w.users["moderator"], what="closed")
    w.page = Page.objects.order_by("pk").first()
    w.group = Group.objects.get(name="Reporters")
    w.article_type = ContentType.objects.get_for_model(Article).pk
    w.autocomplete = {
        "topics": "?app_label=articles&model_name=article&field_name=topics&term=7Q",
        "stories": "?app_label=desk&model_name=frontpage&field_name=lead&term=HEADLINE",
    }
    w.reply_data = lambda state: _reply_data(w, state)

    _access_logs(w)
    _background_work(w, public)
    return w


def _background_work(w, story):
    """A reader who asked for emails about replies (and the signed links sent to them), a task in the queue
    and a periodic job's row."""
    from django_tasks_db.models import DBTaskResult

    from background.models import ScheduledJob
    from comments import subscriptions
    from comments.models import Subscriber, Subscription

    w.subscriber = Subscriber.objects.create(email="secret-commenter-8@example.org", confirmation_sent_at=timezone.now())
    Subscription.objects.create(subscriber=w.subscriber, article=story, kind=Subscription.Kind.STORY)
    w.subscription_tokens = {
        "confirm": subscriptions.confirm_token(w.subscriber),
        "stop": subscriptions.unsubscribe_token(w.subscriber, story),
    }
    w.task_result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="comments.notifications.email_moderators",
        backend_name="default", run_after=timezone.now(),
    )
    w.scheduled_job = ScheduledJob.objects.create(name="a periodic job", next_run_at=timezone.now())


def _access_logs(w):
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    seen = {"user_agent": "Test", "ip_address": "192.0.2.1", "username": "rita", "http_accept": "*/*",
            "path_info": "/admin/login/"}
    w.access_attempt = AccessAttempt.objects.create(failures_since_start=1, get_data="", post_data="", **seen)
    w.access_log = AccessLog.objects.create(**seen)
    w.access_failure = AccessFailureLog.objects.create(locked_out=False, **seen)


def _reply_data(w, state):
    """What the reply form sends after a reader spent a minute writing, for the story in `state`."""
    import time

    from comments.forms import issue_timestamp

    story_id = w.stories[state].pk if state in w.stories else w.deleted_story_id
    return {"name": "A Reader", "email": "new-reader@example.org", "website": "", "body": "A new reply.",
            "timestamp": issue_timestamp(story_id, time.time() - 60), "homepage": "", "parent": ""}


def session_for(w, role):
    """The cookies a role's browser carries: a signed-in session, or the reply author's token, or none."""
    client = Client()
    if role in w.users:
        client.force_login(w.users[role])
    elif role == "reader":
        client.cookies[browser.TOKEN_COOKIE] = signing.dumps(READER_TOKEN, salt=browser.TOKEN_COOKIE)
    return {name: morsel.value for name, morsel in client.cookies.items()}


def client(w, role):
    """A fresh test client with the role's cookies (a POST that signs out must not sign out the next cell)."""
    fresh = Client()
    for name, value in w.sessions[role].items():
        fresh.cookies[name] = value
    return fresh


# The world, built once for the module inside a transaction rolled back at its end; each cell runs in a
# savepoint rolled back after it, so a POST that went through leaves nothing for the next cell.


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    media, settings.MEDIA_ROOT = settings.MEDIA_ROOT, tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            w = build()
            w.media = settings.MEDIA_ROOT
            w.sessions = {role: session_for(w, role) for role in ROLES}
            yield w
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            settings.MEDIA_ROOT = media


@pytest.fixture
def media_root(world, settings):
    """The world's pictures stay where it stored them (the suite's own fixture gives each test a new folder)."""
    settings.MEDIA_ROOT = world.media
    return world.media


@pytest.fixture
def in_savepoint(world, db, settings):
    """The cell's own savepoint (the db fixture's, rolled back after it), with no flood limits between posts."""
    relax_limits(settings)
