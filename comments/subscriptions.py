"""Readers told when someone answers them: who asked for which emails (double opt-in), which approved
replies each subscriber is to hear of, the email that tells them, and the signed links that confirm
and stop it.

The work runs in the background as tasks of Django's tasks API (the `@task` functions below). No answer here
differs by whether an address has asked before, confirmed, or is unknown, and no email names any
reader's address: only names and text.
"""

from datetime import timedelta
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, absolute_url
from background import task
from background.retries import retried

from .conf import app_settings
from .models import Comment, Delivery, ModerationEvent, Subscriber, Subscription, normalize_email
from .notifications import site_email

CONFIRM_SALT = "comments.subscription-confirm"
UNSUBSCRIBE_SALT = "comments.unsubscribe"
# An address that has not confirmed is sent a new link at most this often: the form cannot flood an inbox.
CONFIRMATION_RESENT_AFTER = timedelta(days=1)


# Asking, confirming, stopping.


def subscribe(email, article, kinds, now=None):
    """`email` asks for `kinds` (Subscription.Kind) of email about `article`.

    An address that has not confirmed is sent a link to do so, once the asking is committed (and at
    most once a day); nothing else reaches it until it is followed. The same four queries whatever the
    address had asked before, and the same answer to the reader.
    """
    if not kinds or not email:
        return
    now = now or timezone.now()
    email = normalize_email(email)
    with transaction.atomic():
        Subscriber.objects.bulk_create([Subscriber(email=email, created_at=now)], ignore_conflicts=True)
        subscriber = Subscriber.objects.get(email=email)
        Subscription.objects.bulk_create(
            [Subscription(subscriber=subscriber, article=article, kind=kind, created_at=now) for kind in kinds],
            ignore_conflicts=True,  # asked before: the first asking stands
        )
        due = Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=now - CONFIRMATION_RESENT_AFTER)
        if Subscriber.objects.filter(due, pk=subscriber.pk, confirmed_at__isnull=True).update(confirmation_sent_at=now):
            transaction.on_commit(partial(send_confirmation.enqueue, subscriber.pk))


def confirm_token(subscriber):
    return signing.dumps(subscriber.pk, salt=CONFIRM_SALT)


def confirmation_asked(token):
    """Whether `token` is a confirmation link this site sent in the last CONFIRM_DAYS (its subscriber's id), else None."""
    try:
        return int(signing.loads(token, salt=CONFIRM_SALT, max_age=timedelta(days=app_settings.CONFIRM_DAYS)))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def confirm(subscriber_id):
    """The address followed its link: its subscriptions take effect (confirming twice changes nothing)."""
    Subscriber.objects.filter(pk=subscriber_id, confirmed_at__isnull=True).update(confirmed_at=timezone.now())


def unsubscribe_token(subscriber, article=None):
    """The signed part of a link that stops the emails about `article`, or every email (None)."""
    return signing.dumps([subscriber.pk, article.pk if article else 0], salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(subscriber, article=None):
    return absolute_url(reverse("comments:unsubscribe", args=[unsubscribe_token(subscriber, article)]))


def stop_asked(token):
    """(subscriber id, story id or 0 for all) from a link this site sent, or None for anything else."""
    try:
        subscriber_id, article_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return int(subscriber_id), int(article_id)
    except (signing.BadSignature, TypeError, ValueError):
        return None


def unsubscribe(subscriber_id, article_id=0):
    """Stop the emails about one story (or all, for 0), and what waited to be sent with them. An address
    left with no subscription is forgotten altogether: asking again starts with a confirmation link."""
    with transaction.atomic():
        subscriptions = Subscription.objects.filter(subscriber_id=subscriber_id)
        waiting = Delivery.objects.filter(subscriber_id=subscriber_id, sent_at__isnull=True)
        if article_id:
            subscriptions = subscriptions.filter(article_id=article_id)
            waiting = waiting.filter(comment__article_id=article_id)
        subscriptions.delete()
        waiting.delete()
        if not Subscription.objects.filter(subscriber_id=subscriber_id).exists():
            Subscriber.objects.filter(pk=subscriber_id).delete()


# Telling subscribers.


def replies_published(article_ids, **kwargs):
    """Told wherever what readers see of these stories' replies changes (Comment.public_replies_changed sends
    replies_changed): once committed, a task finds who is to hear of the replies newly approved."""
    article_ids = sorted(set(article_ids))
    if article_ids:
        transaction.on_commit(partial(tell_subscribers.enqueue, article_ids))


def untold(article_ids):
    """(subscriber id, reply id) for each public reply on these stories that a confirmed subscriber is to
    hear of and has not: approved since they asked, never their own, and for "replies to me" only the
    answers to their replies. One query, however many subscribers."""
    subscription = "article__reply_subscriptions__"
    return (
        Comment.objects.public()
        .filter(article_id__in=article_ids)
        .annotate(subscriber=F(subscription + "subscriber"))
        .alias(
            subscriber_email=F(subscription + "subscriber__email"),
            asked_at=F(subscription + "created_at"),
            kind=F(subscription + "kind"),
        )
        .filter(subscriber__in=Subscriber.objects.confirmed())
        .exclude(email=F("subscriber_email"))
        .filter(Q(kind=Subscription.Kind.STORY) | Q(parent__email=F("subscriber_email")))
        .filter(Exists(ModerationEvent.objects.filter(
            comment=OuterRef("pk"), to_status=Comment.PUBLIC_STATUS, at__gte=OuterRef("asked_at")
        )))
        .exclude(Exists(Delivery.objects.filter(subscriber=OuterRef("subscriber"), comment=OuterRef("pk"))))
        .order_by()
        .values_list("subscriber", "pk")
    )


@task()
def tell_subscribers(article_ids):
    """Note, for every confirmed subscriber of these stories, the replies they are to hear of, and queue
    one email per subscriber and story, DIGEST_SECONDS later: replies approved meanwhile go in the same one."""
    Delivery.objects.bulk_create(
        [Delivery(subscriber_id=subscriber_id, comment_id=reply_id) for subscriber_id, reply_id in set(untold(article_ids))],
        ignore_conflicts=True,  # found at the same moment by another task: one row each
    )
    waiting = (
        Delivery.objects.filter(sent_at__isnull=True, comment__article_id__in=article_ids)
        .values_list("subscriber_id", "comment__article_id")
        .distinct()
    )
    send = _after_the_digest_delay(send_replies)
    for subscriber_id, article_id in waiting:
        send.enqueue(subscriber_id, article_id)


def _after_the_digest_delay(task):
    """`task` to run DIGEST_SECONDS from now, where the task backend can wait (the immediate one runs it now)."""
    if app_settings.DIGEST_SECONDS and task.get_backend().supports_defer:
        return task.using(run_after=timezone.now() + timedelta(seconds=app_settings.DIGEST_SECONDS))
    return task


@task()
@retried
def send_replies(subscriber_id, article_id):
    """One email to a confirmed subscriber with every reply to the story that waits for them; how many.

    The replies are marked told in the same transaction: a task run twice, or two at once, sends one
    email. Should sending fail, nothing is marked, and the task is tried again after a pause.
    Replies no longer public, or on a story no longer public, are dropped unsaid.
    """
    with transaction.atomic():
        subscriber = Subscriber.objects.confirmed().select_for_update().filter(pk=subscriber_id).first()
        if subscriber is None:
            return 0
        waiting = Delivery.objects.filter(subscriber=subscriber, comment__article_id=article_id, sent_at__isnull=True)
        replies = list(
            Comment.objects.public()
            .filter(pk__in=waiting.values("comment_id"), article__in=Article.objects.published())
            .select_related("article", "parent")
            .order_by("created_at", "pk")
        )
        Delivery.objects.filter(pk__in=list(waiting.values_list("pk", flat=True))).update(sent_at=timezone.now())
        if replies:
            replies_email(subscriber, replies).send()
    return len(replies)


@task()
@retried
def send_confirmation(subscriber_id):
    """The confirmation link, to an address that has not confirmed yet (and nothing else)."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id, confirmed_at__isnull=True).first()
    if subscriber is None:
        return 0
    link = absolute_url(reverse("comments:confirm_subscription", args=[confirm_token(subscriber)]))
    stories = Article.objects.filter(pk__in=subscriber.subscriptions.values("article_id"))
    context = {"link": link, "stories": stories, "days": app_settings.CONFIRM_DAYS}
    subject = f"Confirm your email for replies on {settings.NEWSROOM_SITE_NAME}"
    return email(subscriber.email, subject, "comments/email/confirm", context).send()


# The emails.


def replies_email(subscriber, replies):
    """The email that tells `subscriber` of new `replies` to one story: names and text, a link to each,
    and links (and RFC 8058 headers) that stop the emails about this story or all of them."""
    article = replies[0].article
    stop_story = unsubscribe_url(subscriber, article)
    context = {
        "story": article,
        "story_url": absolute_url(article.get_absolute_url()),
        "replies": [
            {
                "reply": reply,
                "url": absolute_url(reverse("comments:permalink", args=[reply.pk])),
                "answers_you": reply.parent is not None and reply.parent.email == subscriber.email,
            }
            for reply in replies
        ],
        "stop_story_url": stop_story,
        "stop_all_url": unsubscribe_url(subscriber),
    }
    count = len(replies)
    subject = f"{'A new reply' if count == 1 else f'{count} new replies'} to “{article.headline}”"
    headers = {"List-Unsubscribe": f"<{stop_story}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    return email(subscriber.email, subject, "comments/email/replies", context, headers=headers)


def email(to, subject, template, context, headers=None):
    """An email of the site's (notifications.site_email) to one reader; a Reply-To only when the site's
    contact address is not the sender's, so that a reply reaches someone."""
    contact = settings.NEWSROOM_CONTACT_EMAIL
    reply_to = [contact] if contact and contact != parseaddr(settings.DEFAULT_FROM_EMAIL)[1] else []
    return site_email(subject, template, context, [to], reply_to=reply_to, headers=headers)
