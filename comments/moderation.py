"""The one owner of a reply's life: whether a story takes replies, whether a post is admitted, what
becomes of the reply, and who is told.

Shaped like django-contrib-comments' CommentModerator: `allow()` says whether a
story takes replies now, `moderate()` gives the verdict, `notify()` tells the
moderators. `receive()` runs a post through all of it in one transaction; the
post view calls it and otherwise only speaks HTTP.

No answer may tell a stranger whether an email address has written here, so
nothing about an email is ever refused: a repeated reply is recognised only
from the same browser, and many replies from one email are held, not turned away.
"""

import re
from datetime import timedelta
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from articles.models import Article

from . import notifications
from .conf import app_settings
from .models import Comment, DiscussionSettings, ModerationEvent, Throttle, digest

LINK = re.compile(r"https?://|www\.|<a\s", re.IGNORECASE)

THANKS = {
    Comment.Status.APPROVED: "Thank you. Your reply is published.",
    # Spam is told exactly like a pending reply: there is nothing to learn from the answer.
    Comment.Status.PENDING: "Thank you. Your reply is awaiting moderation.",
    Comment.Status.SPAM: "Thank you. Your reply is awaiting moderation.",
}
FORM_USED = "This form has already been used to post a reply. Your text is kept below: please post it again."


class Refusal(NamedTuple):
    """Why a post was turned away, for the reader; its HTTP status and, for a limit, when to try again."""

    message: str
    status: int = 429
    retry_after: int = 0


class Verdict(NamedTuple):
    """The status a new reply gets, and why (recorded in its history for the moderators)."""

    status: str
    reason: str


class Received(NamedTuple):
    """What became of a post: the reply it made or merged into, or the refusal."""

    reply: Comment | None = None
    refusal: Refusal | None = None

    @property
    def thanks(self):
        return THANKS[self.reply.status]


class ReplyModerator:
    enable_field = "comments_enabled"
    auto_close_field = "comments_close_at"

    # Opening and closing.

    def closes_at(self, article):
        """When the story stops taking replies: its own date, else some days after publication, else never."""
        if override := getattr(article, self.auto_close_field):
            return override
        if days := app_settings.CLOSE_AFTER_DAYS:
            return article.publish_at + timedelta(days=days)
        return None

    def allow(self, article):
        """Whether `article` takes replies now: public, switched on, and not past its closing time.

        A draft or an embargoed story seen in an editor's preview takes none: its form would post nowhere.
        """
        closes_at = self.closes_at(article)
        return (
            article.is_published()
            and bool(getattr(article, self.enable_field))
            and (closes_at is None or timezone.now() < closes_at)
        )

    def next_closing(self):
        """The next moment a public story stops taking replies by itself, or None: its page changes then."""
        now = timezone.now()
        open_stories = Article.objects.published().filter(**{self.enable_field: True})
        moments = [
            open_stories.filter(**{f"{self.auto_close_field}__gt": now})
            .aggregate(soonest=Min(self.auto_close_field))["soonest"]
        ]
        if days := app_settings.CLOSE_AFTER_DAYS:
            oldest_open = (
                open_stories.filter(**{f"{self.auto_close_field}__isnull": True}, publish_at__gt=now - timedelta(days=days))
                .aggregate(oldest=Min("publish_at"))["oldest"]
            )
            moments.append(oldest_open and oldest_open + timedelta(days=days))
        return min((moment for moment in moments if moment), default=None)

    # A reply's arrival.

    def receive(self, reply, author_token, form_nonce):
        """Admit, judge and store a new reply in one transaction; tell the moderators once it is stored.

        `reply` is unsaved; `author_token` is the random token of the author's browser,
        `form_nonce` the random part of the form it came from.
        """
        reply.author_token = Comment.hash_token(author_token)
        try:
            with transaction.atomic():
                if same := self._repeated_from_this_browser(reply):
                    return Received(reply=same)  # a second press of the button: quietly the same reply
                if Comment.objects.filter(form_nonce=form_nonce).exists():
                    return Received(refusal=Refusal(FORM_USED, status=200))
                if refusal := self._over_the_limits(reply):
                    return Received(refusal=refusal)
                verdict = self.moderate(reply, email_is_flooding=self._email_is_flooding(reply))
                reply.status, reply.form_nonce, reply.created_at = verdict.status, form_nonce, timezone.now()
                reply.save()
                ModerationEvent.objects.create(
                    comment=reply, at=reply.created_at, from_status="", to_status=verdict.status, note=verdict.reason
                )
                if reply.status == Comment.Status.PENDING:
                    self.notify(reply)
        except IntegrityError:
            # The same form posted twice at the same moment: the other post took it.
            return Received(refusal=Refusal(FORM_USED, status=200))
        return Received(reply=reply)

    @staticmethod
    def _repeated_from_this_browser(reply):
        return (
            Comment.objects.filter(article=reply.article, author_token=reply.author_token, body=reply.body)
            .exclude(status=Comment.Status.REMOVED)
            .first()
        )

    # Flood control: per address, refused (the sender's own address tells nothing about anyone else).

    def _over_the_limits(self, reply):
        """Count this post against its address's limits; a Refusal when one is exceeded, else None."""
        throttle = Throttle.locked("ip:" + digest("ip", reply.ip_address or "unknown"))
        now = timezone.now()  # once the lock is ours: an earlier post may have just counted
        if throttle.posts_in_the_hour(now) >= app_settings.HOURLY_CAP:
            retry_after = 3600 - int((now - throttle.hour_started_at).total_seconds())
            return Refusal("You have posted a lot of replies in the last hour. Please try again later.", 429, retry_after)
        flood_seconds = app_settings.FLOOD_SECONDS
        if flood_seconds and throttle.seconds_since_last_post(now) < flood_seconds:
            return Refusal(
                f"You are posting replies too quickly. Please wait {flood_seconds} seconds and try again.",
                429,
                flood_seconds,
            )
        throttle.count_post(now)
        return None

    def _email_is_flooding(self, reply):
        """Whether this email posted a moment ago, from anywhere: such a reply is held, never refused."""
        throttle = Throttle.locked("email:" + digest("email", reply.email))
        now = timezone.now()
        flood_seconds = app_settings.FLOOD_SECONDS
        flooding = bool(flood_seconds) and throttle.seconds_since_last_post(now) < flood_seconds
        throttle.count_post(now)
        return flooding

    # The verdict.

    def moderate(self, reply, email_is_flooding=False):
        """Pending, approved or spam for a reply not yet saved, in the order WordPress checks them."""
        rules = DiscussionSettings.current()
        if key := self._match(reply, rules.keys(rules.disallowed_keys)):
            return Verdict(Comment.Status.SPAM, f"contains “{key}” from the disallowed words")
        links = len(LINK.findall(reply.body))
        if links > rules.max_links:
            return Verdict(Comment.Status.PENDING, f"{links} links (more than {rules.max_links})")
        if key := self._match(reply, rules.keys(rules.moderation_keys)):
            return Verdict(Comment.Status.PENDING, f"contains “{key}” from the moderation words")
        if email_is_flooding:
            return Verdict(
                Comment.Status.PENDING,
                f"another reply from the same email less than {app_settings.FLOOD_SECONDS} seconds before",
            )
        if rules.hold_all:
            return Verdict(Comment.Status.PENDING, "every reply waits for a moderator")
        if not self.is_returning_author(reply):
            return Verdict(Comment.Status.PENDING, "no earlier approved reply from this browser and email")
        return Verdict(Comment.Status.APPROVED, "returning author: an earlier reply from this browser and email was approved")

    @staticmethod
    def is_returning_author(reply):
        """An approved reply came from this browser (its token) under this email: never name and email alone."""
        return (
            bool(reply.author_token)
            and Comment.objects.public().filter(author_token=reply.author_token, email=reply.email).exists()
        )

    @staticmethod
    def _match(reply, keys):
        """The first key that is a word in the name, email, website or body, or is the IP address."""
        text = "\n".join([reply.name, reply.email, reply.website, reply.body]).casefold()
        return next((key for key in keys if key.casefold() in text or key == reply.ip_address), None)

    # Telling the moderators.

    def notify(self, reply):
        """Queue an email to the moderators, sent once the reader has had the answer."""
        notifications.queue(reply)


moderator = ReplyModerator()
