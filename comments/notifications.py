"""Email the moderators about a reply waiting for them: from the worker, never from a web request.

`queue()` enqueues a task in the reply's own transaction (the queue is in the same database, so a
reply rolled back leaves nothing to send, and a reply stored always has its email coming). The worker
(`manage.py db_worker`) sends it; a mail server that is down or hangs delays the email, never a page or
a reply. A failed send is logged and enqueued again after a growing pause; each attempt, its error and
the next one's time are in the admin's list of tasks.

`site_email()` is how every email of the site looks: in its name, plain text and HTML, and a Reply-To
only where a reply reaches someone.
"""

import logging
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import absolute_url
from background import task

from .models import Comment

logger = logging.getLogger(__name__)

# Pauses before the 1st, 2nd, ... retry; the last repeats until MAX_ATTEMPTS.
RETRY_AFTER = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2)]
MAX_ATTEMPTS = 12


def queue(reply):
    """Enqueue the moderators' email about `reply` (inside its transaction)."""
    email_moderators.enqueue(reply.pk)


@task()
def email_moderators(reply_id, attempt=1):
    """A short note with the reply and a link to it in the admin, unless a moderator has decided meanwhile."""
    reply = Comment.objects.filter(pk=reply_id, status=Comment.Status.PENDING).select_related("article").first()
    if reply is None:
        return "no longer waiting"
    recipients = moderator_emails()
    if not recipients:
        return "no moderator has an email address"
    message = site_email(
        "Reply awaiting moderation",
        "comments/email/reply_waiting",
        {"reply": reply, "link": absolute_url(reverse("admin:comments_comment_change", args=[reply.pk]))},
        to=recipients,  # a reply to it reaches nobody: no Reply-To
    )
    try:
        message.send()
    except Exception as error:  # any backend failure: the reply is stored, the moderation page shows it
        retry_later(reply_id, attempt, error)
        raise  # the attempt is recorded as failed, with its error
    return f"sent to {len(recipients)}"


def retry_later(reply_id, attempt, error):
    if attempt >= MAX_ATTEMPTS or not email_moderators.get_backend().supports_defer:
        logger.error("Gave up emailing moderators about pending reply %s after %s attempts: %s", reply_id, attempt, error)
        return
    pause = RETRY_AFTER[min(attempt, len(RETRY_AFTER)) - 1]
    email_moderators.using(run_after=timezone.now() + pause).enqueue(reply_id, attempt + 1)
    logger.warning(
        "Could not email moderators about pending reply %s (attempt %s, next in %s): %s", reply_id, attempt, pause, error
    )


def moderator_emails():
    """Active users who may change replies (the Moderators group, or directly) and superusers, with an email."""
    perm = Permission.objects.filter(codename="change_comment", content_type__app_label="comments").first()
    who = Q(is_superuser=True)
    if perm:
        who |= Q(groups__permissions=perm) | Q(user_permissions=perm)
    users = get_user_model().objects.filter(who, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def site_email(subject, template, context, to, reply_to=(), headers=None):
    """An email from the site, in its name: `template`.txt and `template`.html rendered with `context`.

    Give `reply_to` only where a reply reaches someone; otherwise a reply goes to the sender address,
    and automatic answers are told not to bother (Auto-Submitted).
    """
    site_name = settings.NEWSROOM_SITE_NAME
    context = {"site_name": site_name, "site_url": absolute_url("/"), **context}
    message = EmailMultiAlternatives(
        subject=f"[{site_name}] {subject}",
        body=render_to_string(f"{template}.txt", context),
        from_email=formataddr((site_name, parseaddr(settings.DEFAULT_FROM_EMAIL)[1])),
        to=to,
        reply_to=list(reply_to),
        headers={"Auto-Submitted": "auto-generated", **(headers or {})},
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    return message
