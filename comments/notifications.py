"""Email the moderators about a reply waiting for them: from the worker, never from a web request.

`queue()` enqueues a task in the reply's own transaction (the queue is in the same database, so a
reply rolled back leaves nothing to send, and a reply stored always has its email coming). The worker
(`manage.py db_worker`) sends it; a mail server that is down or hangs delays the email, never a page or
a reply. A failed send is tried again after a growing pause (background.retries); each attempt, its error and
the next one's time are in the admin's list of tasks.

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
from background import task
from background.retries import retried

from .models import Comment


def queue(reply):
    """Enqueue the moderators' email about `reply` (inside its transaction)."""
    email_moderators.enqueue(reply.pk)


@task()
@retried
def email_moderators(reply_id):
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
    message.send()  # should it fail, the reply is stored and on the moderation page; the email is retried
    return f"sent to {len(recipients)}"


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
