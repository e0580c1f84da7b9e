"""Flood limits and the little the server remembers for a reader's browser."""

from datetime import timedelta

from django.db import models
from django.utils import timezone


class Throttle(models.Model):
    """How recently, and how often this hour, one address or one email has posted a reply.

    Kept in the database so every worker process counts the same posts; a row is
    locked while a post is decided, so two posts at once cannot both slip through.
    Keys are keyed hashes, never the address itself.
    """

    key = models.CharField(max_length=80, unique=True)
    last_post_at = models.DateTimeField()
    hour_started_at = models.DateTimeField()
    posts_this_hour = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.key

    @classmethod
    def locked(cls, key):
        """The row for `key`, locked until the transaction ends (made if new).

        The same two queries whether or not the key has posted before: how long a post
        takes must not tell whether an email has written here.
        """
        far_past = timezone.now() - timedelta(days=1)
        cls.objects.bulk_create([cls(key=key, last_post_at=far_past, hour_started_at=far_past)], ignore_conflicts=True)
        return cls.objects.select_for_update().get(key=key)

    def seconds_since_last_post(self, now):
        return (now - self.last_post_at).total_seconds()

    def posts_in_the_hour(self, now):
        return self.posts_this_hour if now - self.hour_started_at < timedelta(hours=1) else 0

    def count_post(self, now):
        if now - self.hour_started_at >= timedelta(hours=1):
            self.hour_started_at, self.posts_this_hour = now, 0
        self.posts_this_hour += 1
        self.last_post_at = now
        self.save(update_fields=["last_post_at", "hour_started_at", "posts_this_hour"])


class RememberedAuthor(models.Model):
    """Name, email and website a reader asked their browser to remember, kept here behind its random token.

    The browser holds only the token; the email never travels in a cookie.
    """

    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=80)
    email = models.EmailField()
    website = models.URLField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.name
