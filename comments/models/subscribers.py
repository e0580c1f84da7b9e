"""Readers who asked to hear of replies: their confirmed address, what they follow, what they were sent."""


from django.db import models
from django.utils import timezone

from .identity import normalize_email
from .replies import Comment


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        """Addresses that followed their confirmation link: the only ones told of replies."""
        return self.filter(confirmed_at__isnull=False)


class Subscriber(models.Model):
    """An email address that asked to hear of new replies, and whether it confirmed that it asked.

    Double opt-in: the first time an address asks, it gets a link to confirm and nothing else until
    it follows it; its subscriptions are kept meanwhile and take effect once it is confirmed.
    """

    email = models.EmailField(unique=True, help_text="Trimmed, in lower case. Never shown to the public.")
    created_at = models.DateTimeField("first asked", default=timezone.now)
    confirmation_sent_at = models.DateTimeField("confirmation link sent", null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Subscriber {self.pk}"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_confirmed(self):
        return self.confirmed_at is not None


class Subscription(models.Model):
    """What one address asked to hear of on one story: the replies to its own replies, or every new reply."""

    class Kind(models.TextChoices):
        REPLIES_TO_ME = "replies", "Replies to my replies"
        STORY = "story", "Every new reply to the story"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="subscriptions")
    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="reply_subscriptions", verbose_name="story"
    )
    kind = models.CharField(max_length=7, choices=Kind.choices)
    created_at = models.DateTimeField("asked at", default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["subscriber", "article", "kind"], name="one_subscription_per_kind")]

    def __str__(self):
        return self.get_kind_display()


class Delivery(models.Model):
    """A reply a subscriber is to hear of, and when the email telling them left (empty: it waits).

    One row per subscriber and reply, so a reply is never told twice, whichever tasks run or run again.
    """

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+", verbose_name="reply")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [models.UniqueConstraint(fields=["subscriber", "comment"], name="one_delivery_per_reply")]

    def __str__(self):
        return f"Reply {self.comment_id} for subscriber {self.subscriber_id}"
