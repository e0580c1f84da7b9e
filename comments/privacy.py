"""What a commenter may ask for: everything stored about their email address, and its erasure;
and the daily purge of what is kept only for a while (run by the background worker)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from articles.models import absolute_url
from background import task

from . import stories
from .browser import COOKIE_MAX_AGE
from .conf import app_settings
from .models import (
    AuthorNote,
    Ban,
    Comment,
    ModerationEvent,
    RememberedAuthor,
    Subscriber,
    Subscription,
    Throttle,
    digest,
    normalize_email,
)

ANONYMOUS = "Anonymous"
EXPORT_FIELDS = [
    "id", "name", "email", "website", "body", "status", "created_at", "ip_address", "user_agent", "parent_id",
    "offensive_score", "spam_score",  # what the site inferred from the words is theirs to see too
]
REMEMBERED_FIELDS = ["name", "email", "website", "updated_at"]
BAN_FIELDS = ["email", "author_token", "reason", "created_at", "until", "lifted_at"]


def export(emails, user=None):
    """Every reply and remembered form stored under these addresses, as a JSON-ready dict.

    Asked for by a staff member (`user`), it names only the stories they may see (comments.stories);
    the operator's command names every story.
    """
    emails = sorted({normalize_email(email) for email in emails})
    replies = Comment.objects.by_emails(emails).select_related("article").order_by("created_at")
    if user is not None:
        replies = stories.with_story_shown(replies, user)
    return {
        "emails": emails,
        "exported_at": timezone.now().isoformat(),
        "replies": [
            {
                **{field: _plain(getattr(reply, field)) for field in EXPORT_FIELDS},
                **_story(reply),
            }
            for reply in replies
        ],
        "remembered_in_a_browser": [
            {field: _plain(getattr(saved, field)) for field in REMEMBERED_FIELDS}
            for saved in RememberedAuthor.objects.filter(email__in=emails).order_by("updated_at")
        ],
        "emails_about_replies": [
            {
                "story": subscription.article.headline,
                "story_url": absolute_url(subscription.article.get_absolute_url()),
                "what": subscription.get_kind_display(),
                "asked_at": _plain(subscription.created_at),
                "confirmed_at": _plain(subscription.subscriber.confirmed_at),
            }
            for subscription in Subscription.objects.filter(subscriber__email__in=emails)
            .select_related("article", "subscriber")
            .order_by("created_at", "pk")
        ],
        # Kept on erasure: a ban protects other readers (and names nobody but the address banned). Those on
        # any spelling of these mailboxes, and on the browsers their replies came from.
        "bans": [
            {field: _plain(getattr(ban, field)) for field in BAN_FIELDS}
            for ban in Ban.objects.matching(emails, tokens=[reply.author_token for reply in replies]).order_by("created_at")
        ],
    }


def erase(emails, mode):
    """Anonymise (keep the words, drop who wrote them) or delete every reply under these addresses,
    and forget them wherever else they are kept. Returns how many replies were changed.

    Answers to a deleted reply stay, as top-level replies. The moderators' record of their decisions
    stays too (who, when, what, on which story), with the author's email and IP address blanked out.
    """
    if mode not in ("anonymise", "delete"):
        raise ValueError(f"Unknown erase mode {mode!r}: use anonymise or delete.")
    emails = {normalize_email(email) for email in emails}
    with transaction.atomic():
        RememberedAuthor.objects.filter(email__in=emails).delete()
        AuthorNote.objects.filter(email__in=emails).delete()  # the moderators' notes on them
        Subscriber.objects.filter(email__in=emails).delete()  # with its subscriptions and what it was told
        Throttle.objects.filter(key__in=["email:" + digest("email", email) for email in emails]).delete()
        replies = Comment.objects.by_emails(emails)
        if mode == "anonymise":
            ips = set(replies.exclude(ip_address=None).values_list("ip_address", flat=True))
            ModerationEvent.objects.filter(comment__in=replies).forget(emails, ips)  # deleting does this itself
            stories = set(replies.values_list("article_id", flat=True))
            changed = replies.update(name=ANONYMOUS, email="", website="", ip_address=None, user_agent="", author_token="")
            Comment.public_replies_changed(stories)  # update() sends no signal; the names readers saw are gone
            return changed
        return replies.delete()[1].get(Comment._meta.label, 0)  # each deletion is seen by comments.models.replies.reply_deleted


def purge(days=None, now=None):
    """Forget what is kept only for a while; returns how many replies lost their IP address.

    IP addresses and user agents after the retention period; flood-control counts
    after an hour; remembered forms a browser has not used for as long as its
    cookie lives; addresses that asked for emails about replies and did not
    confirm within the link's life; bans by IP address or by browser that ended (lifted or
    expired) longer ago than the retention period (a ban in force keeps its address).
    """
    now = now or timezone.now()
    days = app_settings.IP_RETENTION_DAYS if days is None else days
    Throttle.objects.filter(last_post_at__lt=now - timedelta(hours=1)).delete()
    RememberedAuthor.objects.filter(updated_at__lt=now - timedelta(seconds=COOKIE_MAX_AGE)).delete()
    link_expired = now - timedelta(days=app_settings.CONFIRM_DAYS)
    Subscriber.objects.filter(confirmed_at__isnull=True).filter(
        Q(confirmation_sent_at__lt=link_expired) | Q(confirmation_sent_at__isnull=True, created_at__lt=link_expired)
    ).delete()
    long_ago = now - timedelta(days=days)
    by_address_or_browser = Q(ip_address__isnull=False) | ~Q(author_token="")
    Ban.objects.filter(by_address_or_browser).filter(Q(lifted_at__lt=long_ago) | Q(until__lt=long_ago)).delete()
    old = Comment.objects.filter(created_at__lt=now - timedelta(days=days)).exclude(ip_address__isnull=True, user_agent="")
    return old.update(ip_address=None, user_agent="")


def _story(reply):
    if not getattr(reply, "story_shown", True):
        return {"story": stories.NOT_PUBLIC, "story_url": ""}
    return {"story": reply.article.headline, "story_url": absolute_url(reply.article.get_absolute_url())}


@task()
def daily_purge():
    """The purge with the settings' retention, every day from the worker (comments/apps.py); replies purged."""
    return purge()


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
