"""Bans and suspensions, by email or IP address (an IPv6 address's whole /64)."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

import clientip

from .events import ModerationEvent
from .identity import normalize_email
from .replies import Comment


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bans in force: not lifted, and either until lifted or not yet expired."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=now))

    def matching(self, emails=(), ips=()):
        """Bans on any of these emails or IP addresses (an IPv6 address: on its /64, see Ban.ip_address)."""
        emails = {normalize_email(email) for email in emails if email}
        ips = {clientip.network(ip) for ip in ips} - {""}
        return self.filter(Q(email__in=emails) | Q(ip_address__in=ips)) if emails or ips else self.none()


class Ban(models.Model):
    """A commenter banned (until lifted) or suspended (until a time), by email or by IP address.

    Their new replies are taken like any other and go to spam, with the ban as the verdict: the
    answer they get is exactly a held reply's, so no response tells anyone that an email or an address
    is banned, or has written here. Their earlier replies stay unless a moderator removes them.
    """

    email = models.EmailField(blank=True, help_text="The commenter's email address (compared trimmed, in lower case).")
    # Stored as clientip.network() gives it: an IPv6 address bans its whole /64 (one subscriber's
    # network), or a banned reader would only have to take the next address.
    ip_address = models.GenericIPAddressField(
        "IP address", null=True, blank=True, help_text="An IPv6 address bans its whole /64 network."
    )
    reason = models.CharField(max_length=300, help_text="Why, for the other moderators.")
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: banned until a moderator lifts it.")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="set by"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="bans",
        verbose_name="reply", help_text="The reply it was set from, if any.",
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = BanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(email="") & Q(ip_address__isnull=False)) | (~Q(email="") & Q(ip_address__isnull=True)),
                name="ban_by_email_or_by_address",
                violation_error_message="Give an email or an IP address: one ban each.",
            )
        ]

    def __str__(self):
        # Never the email or the address: this names the ban in page titles and in the admin's log.
        return self.describe_target()

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        self.ip_address = clientip.network(self.ip_address) or None
        super().save(*args, **kwargs)

    def clean(self):
        self.email, self.ip_address = normalize_email(self.email), clientip.network(self.ip_address) or None
        if bool(self.email) == bool(self.ip_address):
            raise ValidationError("Give an email or an IP address: one ban each (set two to ban both).")

    def describe_target(self):
        """"Ban by email", "Suspension by IP address": what the history says, never the email itself."""
        return f"{self.kind} by {'email' if self.email else 'IP address'}"

    @property
    def target(self):
        """The email, the IPv4 address, or the IPv6 network ("2001:db8:1:2::/64") banned."""
        if self.ip_address and ":" in self.ip_address:
            return f"{self.ip_address}/{clientip.IPV6_PREFIX}"
        return self.email or self.ip_address

    @property
    def kind(self):
        return "Suspension" if self.until else "Ban"

    def covers(self, reply):
        """Whether this ban is on the reply's email or on its address's network (an IPv6 address: its /64)."""
        if self.email:
            return self.email == normalize_email(reply.email)
        return self.ip_address == clientip.network(reply.ip_address)

    def is_active(self, now=None):
        now = now or timezone.now()
        return self.lifted_at is None and (self.until is None or self.until > now)

    def describe(self):
        """"Banned until lifted" or "Suspended until 3 March 2026, 14:00", for badges and the history."""
        if self.until is None:
            return "banned until lifted"
        return f"suspended until {date_format(timezone.localtime(self.until), 'j F Y, H:i')}"

    def lift(self, moderator):
        """End the ban now, recording who lifted it (and, when it was set from a reply, in that reply's history)."""
        if self.lifted_at:
            return False
        self.lifted_at, self.lifted_by = timezone.now(), moderator
        self.save(update_fields=["lifted_at", "lifted_by"])
        if self.comment_id:
            ModerationEvent.objects.create(
                comment=self.comment, moderator=moderator, action=ModerationEvent.Action.LIFT,
                from_status=self.comment.status, to_status=self.comment.status, note=f"{self.describe_target()} lifted",
            )
        return True
