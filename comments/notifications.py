"""Email the moderators about the replies waiting for them: from the worker, never from a web request.

`queue()` notes a reply in its own transaction (the queue is in the same database, so a reply rolled back
leaves nothing to send, and a reply stored always has its email coming) and enqueues the moderators' email
only when none is waiting (background.batches): one email lists every reply since the last one went out.
The worker (`manage.py db_worker`) sends it; a mail server that is down or hangs delays the email, never a
page or a reply, and while it is down one task is tried again after a growing pause (background.retries),
however many replies arrive; each attempt, its error and the next one's time are in the admin's list of tasks.

`site_email()` is how every email of the site looks: in its name, plain text and HTML, and a Reply-To
only where a reply reaches someone.
"""

from email.utils import formataddr, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse

from articles.models import absolute_url
from background import batches, task
from background.retries import retried

from .models import Comment

# One batch: however many replies wait, one task is queued for them, and one email tells of them all.
BATCH = "comments.moderators_email"
# Replies listed in one email; past this, the email says how many more wait on the moderation page.
LISTED = 50


def queue(reply):
    """Inside `reply`'s transaction: it goes into the moderators' next email, whose task is enqueued unless one waits."""
    batches.note(BATCH, email_moderators, reply.pk)


def waiting_replies():
    """Replies still waiting for a moderator: one decided meanwhile is in no email."""
    return Comment.objects.filter(status=Comment.Status.PENDING)


@task()
@retried
def email_moderators():
    """One email to the moderators about every reply that started waiting since the last email went out,
    with a link to each in the admin; should the send fail, the same replies (and any newer) go next time."""
    replies = list(batches.waiting(BATCH, waiting_replies()).select_related("article").order_by("pk"))
    recipients = moderator_emails() if replies else []
    if recipients:
        moderators_email(replies, recipients).send()  # fails: nothing is marked told; this task is retried
    batches.covered(BATCH, email_moderators, [reply.pk for reply in replies], waiting_replies())
    if not replies:
        return "no reply waiting"
    return f"{len(replies)} replies, sent to {len(recipients)}" if recipients else "no moderator has an email address"


def moderators_email(replies, recipients):
    """The email about `replies` to `recipients` (moderators only: a reply to it reaches nobody, no Reply-To)."""
    count = len(replies)
    context = {
        "replies": [
            {"reply": reply, "link": absolute_url(reverse("admin:comments_comment_change", args=[reply.pk]))}
            for reply in replies[:LISTED]
        ],
        "more": max(count - LISTED, 0),
        "queue_link": absolute_url(reverse("admin:comments_comment_changelist")),
    }
    subject = "Reply awaiting moderation" if count == 1 else f"{count} replies awaiting moderation"
    return site_email(subject, "comments/email/reply_waiting", context, to=recipients)


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
