"""The rules that decide whether a story takes replies and what becomes of each one.

Shaped like django-contrib-comments' CommentModerator: a declarative class whose
attributes read like settings (they are the NEWSROOM_COMMENTS_* settings, read
when used, so a test or deployment can change them). Every verdict about a reply,
pending, approved or spam, is reached here and nowhere else.
"""

import re
from datetime import timedelta
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .models import Comment, normalize_email

LINK = re.compile(r"https?://|www\.|<a\s", re.IGNORECASE)


class Refusal(NamedTuple):
    """Why a post was turned away, for the reader, and how many seconds until it may try again."""

    message: str
    retry_after: int


class Setting:
    """A class attribute that reads a Django setting each time it is used."""

    def __init__(self, name):
        self.name = name

    def __get__(self, instance, owner):
        return getattr(settings, self.name)


class ReplyModerator:
    enable_field = "comments_enabled"
    auto_close_field = "comments_close_at"
    close_after_days = Setting("NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS")
    hold_all = Setting("NEWSROOM_COMMENTS_HOLD_ALL")
    max_links = Setting("NEWSROOM_COMMENTS_MAX_LINKS")
    moderation_keys = Setting("NEWSROOM_COMMENTS_MODERATION_KEYS")
    disallowed_keys = Setting("NEWSROOM_COMMENTS_DISALLOWED_KEYS")
    flood_seconds = Setting("NEWSROOM_COMMENTS_FLOOD_SECONDS")
    hourly_cap = Setting("NEWSROOM_COMMENTS_HOURLY_CAP")

    # Opening and closing.

    def closes_at(self, article):
        """When the story stops taking replies: its own date, else some days after publication, else never."""
        if override := getattr(article, self.auto_close_field):
            return override
        if self.close_after_days:
            return article.publish_at + timedelta(days=self.close_after_days)
        return None

    def is_open(self, article):
        closes_at = self.closes_at(article)
        return bool(getattr(article, self.enable_field)) and (closes_at is None or timezone.now() < closes_at)

    # The verdict.

    def verdict(self, comment, returning_author=False):
        """Pending, approved or spam for a reply not yet saved, in the order WordPress checks them."""
        if self._matches(comment, self.disallowed_keys):
            return Comment.Status.SPAM
        if len(LINK.findall(comment.body)) > self.max_links:
            return Comment.Status.PENDING
        if self._matches(comment, self.moderation_keys):
            return Comment.Status.PENDING
        if self.hold_all or not returning_author:
            return Comment.Status.PENDING
        return Comment.Status.APPROVED

    def is_returning_author(self, author_token):
        """True when this browser's token belongs to a reply a moderator approved: never name and email alone."""
        if not author_token:
            return False
        return Comment.objects.approved().filter(author_token=Comment.hash_token(author_token)).exists()

    @staticmethod
    def _matches(comment, keys):
        """A key matches a word in the name, email, website or body, or is the IP address."""
        text = "\n".join([comment.name, comment.email, comment.website, comment.body]).casefold()
        return any(key.casefold() in text or key == comment.ip_address for key in keys if key)

    # Flood control.

    def rate_limit(self, ip_address, email):
        """Count this post against the limits; a Refusal when one is exceeded, else None.

        The flood keys are set atomically with cache.add, so two posts at once cannot both slip through.
        """
        email_key = Comment.hash_token(normalize_email(email))
        hour_key = f"comments:hour:{ip_address}"
        cache.add(hour_key, 0, 3600)
        try:
            posted_this_hour = cache.incr(hour_key)
        except ValueError:  # the key expired between add and incr
            posted_this_hour = 1
        if posted_this_hour > self.hourly_cap:
            return Refusal("You have posted a lot of replies in the last hour. Please try again later.", 3600)
        if self.flood_seconds and not all(
            [
                cache.add(f"comments:flood:ip:{ip_address}", 1, self.flood_seconds),
                cache.add(f"comments:flood:email:{email_key}", 1, self.flood_seconds),
            ]
        ):
            return Refusal(
                f"You are posting replies too quickly. Please wait {self.flood_seconds} seconds and try again.",
                self.flood_seconds,
            )
        return None


moderator = ReplyModerator()
