"""Email the moderators about replies waiting for them, after the reader has had the answer.

A notification is a row stored in the same transaction as its reply
(ModeratorNotification), so nothing is lost when the mail server is down. It is
sent once the response has gone back to the reader (Django's request_finished
signal, which WSGI servers fire after the last byte), never while the reader
waits. A failed send is logged and tried again later, with growing pauses, by
the next response that has mail to send or by `manage.py send_moderator_emails`.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.core.signals import request_finished
from django.db.models import Q
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone

from .models import ModeratorNotification

logger = logging.getLogger(__name__)

# Pauses before the 1st, 2nd, ... retry; the last repeats until MAX_ATTEMPTS.
RETRY_AFTER = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
MAX_ATTEMPTS = 12
# A send that has not finished after this long died with its process: another may take it.
ABANDONED_AFTER = timedelta(minutes=10)
BATCH = 20

_this_thread = threading.local()


def queue(reply):
    """Store a notification about `reply` (inside its transaction); it is sent after this response.

    Should the transaction roll back, there is simply nothing to send.
    """
    ModeratorNotification.objects.create(comment=reply)
    _this_thread.mail_waiting = True


@receiver(request_finished, dispatch_uid="comments.send_after_response")
def send_after_response(**kwargs):
    if getattr(_this_thread, "mail_waiting", False):
        _this_thread.mail_waiting = False
        send_due()


def send_due(now=None):
    """Send the notifications that are due (new ones, and failed ones whose pause is over); (sent, failed)."""
    now = now or timezone.now()
    due = ModeratorNotification.objects.filter(
        Q(sending_since__isnull=True) | Q(sending_since__lt=now - ABANDONED_AFTER),
        sent_at__isnull=True,
        next_attempt_at__lte=now,
        attempts__lt=MAX_ATTEMPTS,
    ).select_related("comment__article")[:BATCH]
    sent = failed = 0
    for notification in due:
        # Take it, unless another process took it first.
        claimed = ModeratorNotification.objects.filter(
            pk=notification.pk, sending_since=notification.sending_since, sent_at__isnull=True
        ).update(sending_since=now)
        if not claimed:
            continue
        try:
            _send(notification)
        except Exception as error:  # any backend failure: the reply is stored, the queue still shows it
            failed += 1
            _failed(notification, error, now)
        else:
            sent += 1
            ModeratorNotification.objects.filter(pk=notification.pk).update(sent_at=timezone.now())
    return sent, failed


def _failed(notification, error, now):
    attempts = notification.attempts + 1
    pause = RETRY_AFTER[min(attempts, len(RETRY_AFTER)) - 1]
    ModeratorNotification.objects.filter(pk=notification.pk).update(
        attempts=attempts, next_attempt_at=now + pause, sending_since=None, last_error=str(error)[:300]
    )
    if attempts < MAX_ATTEMPTS:
        logger.warning(
            "Could not email moderators about pending reply %s (attempt %s, next in %s): %s",
            notification.comment_id, attempts, pause, error,
        )
    else:
        logger.error(
            "Gave up emailing moderators about pending reply %s after %s attempts: %s",
            notification.comment_id, attempts, error,
        )


def moderator_emails():
    """Active users who may change replies (the Moderators group, or directly) and superusers, with an email."""
    perm = Permission.objects.filter(codename="change_comment", content_type__app_label="comments").first()
    who = Q(is_superuser=True)
    if perm:
        who |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    users = get_user_model().objects.filter(who, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _send(notification):
    """A short note with a link to the reply in the moderation queue."""
    recipients = moderator_emails()
    if not recipients:
        return
    reply = notification.comment
    link = settings.NEWSROOM_SITE_URL.rstrip("/") + reverse("admin:comments_comment_change", args=[reply.pk])
    body = (
        f"A new reply is waiting for moderation on “{reply.article.headline}”.\n\n"
        f"From: {reply.name}\n\n{reply.body[:1000]}\n\nApprove, mark as spam or remove it here:\n{link}\n"
    )
    send_mail(f"[{settings.NEWSROOM_SITE_NAME}] Reply awaiting moderation", body, None, recipients)
