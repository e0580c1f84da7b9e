"""Email the moderators about a new pending reply, once the reply is safely stored."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

logger = logging.getLogger(__name__)


def moderator_emails():
    """Active users who may change replies (the Moderators group, or directly) and superusers, with an email."""
    perm = Permission.objects.filter(codename="change_comment", content_type__app_label="comments").first()
    who = Q(is_superuser=True)
    if perm:
        who |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    users = get_user_model().objects.filter(who, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def notify_moderators(comment):
    """Send the moderators a short note with a link to the queue; a failure is logged, the reply is kept."""
    recipients = moderator_emails()
    if not recipients:
        return
    queue = settings.NEWSROOM_SITE_URL.rstrip("/") + reverse("admin:comments_comment_change", args=[comment.pk])
    body = (
        f"A new reply is waiting for moderation on “{comment.article.headline}”.\n\n"
        f"From: {comment.name}\n\n{comment.body[:1000]}\n\nApprove, mark as spam or remove it here:\n{queue}\n"
    )
    try:
        send_mail(f"[{settings.NEWSROOM_SITE_NAME}] Reply awaiting moderation", body, None, recipients)
    except Exception:  # any backend failure: the reply is stored, the queue still shows it
        logger.exception("Could not email moderators about pending reply %s", comment.pk)
