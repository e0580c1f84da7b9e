"""What a commenter may ask for: everything stored about their email address, and its erasure."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from articles.models import absolute_url

from .models import Comment, normalize_email

ANONYMOUS = "Anonymous"
EXPORT_FIELDS = [
    "id", "name", "email", "website", "body", "status", "created_at", "ip_address", "user_agent", "parent_id",
]


def export(emails):
    """Every reply stored under these addresses, as a JSON-ready dict."""
    replies = Comment.objects.by_emails(emails).select_related("article").order_by("created_at")
    return {
        "emails": sorted({normalize_email(email) for email in emails}),
        "exported_at": timezone.now().isoformat(),
        "replies": [
            {
                **{field: _plain(getattr(reply, field)) for field in EXPORT_FIELDS},
                "story": reply.article.headline,
                "story_url": absolute_url(reply.article.get_absolute_url()),
            }
            for reply in replies
        ],
    }


def erase(emails, mode):
    """Anonymise (keep the words, drop who wrote them) or delete every reply under these addresses.

    Returns how many replies were changed. Answers to a deleted reply stay, as top-level replies.
    """
    replies = Comment.objects.by_emails(emails)
    if mode == "anonymise":
        return replies.update(name=ANONYMOUS, email="", website="", ip_address=None, user_agent="", author_token="")
    if mode == "delete":
        return replies.delete()[1].get(Comment._meta.label, 0)
    raise ValueError(f"Unknown erase mode {mode!r}: use anonymise or delete.")


def purge_ips(days=None):
    """Clear the IP address and user agent of replies older than the retention period; returns how many."""
    days = settings.NEWSROOM_COMMENTS_IP_RETENTION_DAYS if days is None else days
    cutoff = timezone.now() - timedelta(days=days)
    old = Comment.objects.filter(created_at__lt=cutoff).exclude(ip_address__isnull=True, user_agent="")
    return old.update(ip_address=None, user_agent="")


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
