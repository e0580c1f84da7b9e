"""Bans and suspensions, by email (its mailbox: identity.canonical_email), IP address (an IPv6 address's
whole /64) or browser, and the record of every change to them."""


from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

import clientip

from .events import ModerationEvent
from .identity import canonical_email, normalize_email
from .replies import Comment


class BanQuerySet(models.QuerySet):
    def active(self, now=None):
        """Bans in force: not lifted, and either until lifted or not yet expired."""
        now = now or timezone.now()
        return self.filter(lifted_at__isnull=True).filter(Q(until__isnull=True) | Q(until__gt=now))

    def matching(self, emails=(), ips=(), tokens=()):
        """Bans on any of these emails (any spelling of the same mailbox: canonical_email), IP addresses (an
        IPv6 address: on its /64, see Ban.ip_address) or browsers (their tokens' hashes, as Comment keeps them)."""
        emails = {canonical_email(email) for email in emails if email} - {""}
        ips = {clientip.network(ip) for ip in ips} - {""}
        tokens = {token for token in tokens if token}
        if not (emails or ips or tokens):
            return self.none()
        return self.filter(Q(email_key__in=emails) | Q(ip_address__in=ips) | Q(author_token__in=tokens))


class Ban(models.Model):
    """A commenter banned (until lifted) or suspended (until a time), by email, by IP address or by browser.

    Their new replies are taken like any other and go to spam, with the ban as the verdict: the
    answer they get is exactly a held reply's, so no response tells anyone that an email or an address
    is banned, or has written here. Their earlier replies stay unless a moderator removes them.
    """

    email = models.EmailField(
        blank=True, help_text="The commenter's email address. It covers the same mailbox's other spellings "
        "(any case; Gmail's dots; +tags where the provider ignores them)."
    )
    # The mailbox the email stands for (identity.canonical_email): what replies are matched on, by an index.
    email_key = models.CharField(max_length=254, blank=True, editable=False, db_index=True)
    # Stored as clientip.network() gives it: an IPv6 address bans its whole /64 (one subscriber's
    # network), or a banned reader would only have to take the next address.
    ip_address = models.GenericIPAddressField(
        "IP address", null=True, blank=True, help_text="An IPv6 address bans its whole /64 network."
    )
    # The hash of the browser's token (Comment.author_token): a reader who changes email and network is still
    # the same browser. Set from a reply only; nobody types a token.
    author_token = models.CharField("browser", max_length=64, blank=True, editable=False, db_index=True)
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
                condition=(Q(email="") & Q(author_token="") & Q(ip_address__isnull=False))
                | (~Q(email="") & Q(author_token="") & Q(ip_address__isnull=True))
                | (Q(email="") & ~Q(author_token="") & Q(ip_address__isnull=True)),
                name="ban_by_email_address_or_browser",
                violation_error_message="Give an email or an IP address: one ban each.",
            )
        ]

    def __str__(self):
        # Never the email or the address: this names the ban in page titles and in the admin's log.
        return self.describe_target()

    def save(self, *args, **kwargs):
        """Store the email normalised with its mailbox beside it, an address as its network; a new ban's
        setting is the first line of its history (BanChange)."""
        adding = self._state.adding
        self.email = normalize_email(self.email)
        self.email_key = canonical_email(self.email)
        self.ip_address = clientip.network(self.ip_address) or None
        super().save(*args, **kwargs)
        if adding:
            BanChange.objects.create(ban=self, by=self.created_by, at=self.created_at, what=BanChange.What.SET, after=self.describe())

    def clean(self):
        self.email, self.ip_address = normalize_email(self.email), clientip.network(self.ip_address) or None
        if [bool(self.email), bool(self.ip_address), bool(self.author_token)].count(True) != 1:
            raise ValidationError("Give an email or an IP address: one ban each (set two to ban both).")

    def describe_target(self):
        """"Ban by email", "Suspension by IP address": what the history says, never the email itself."""
        return f"{self.kind} by {'email' if self.email else 'browser' if self.author_token else 'IP address'}"

    @property
    def target(self):
        """The email, the IPv4 address, the IPv6 network ("2001:db8:1:2::/64") or the browser banned."""
        if self.ip_address and ":" in self.ip_address:
            return f"{self.ip_address}/{clientip.IPV6_PREFIX}"
        if self.author_token:
            return f"browser {self.author_token[:10]}"
        return self.email or self.ip_address

    @property
    def kind(self):
        return "Suspension" if self.until else "Ban"

    def covers(self, reply):
        """Whether this ban is on the reply's mailbox, on its address's network (an IPv6 address: its /64) or on
        the browser it came from."""
        if self.email:
            return self.email_key == canonical_email(reply.email)
        if self.author_token:
            return self.author_token == reply.author_token
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
        """End the ban now, recording who lifted it, in its history (and, when it was set from a reply, in that
        reply's)."""
        if self.lifted_at:
            return False
        self.lifted_at, self.lifted_by = timezone.now(), moderator
        self.save(update_fields=["lifted_at", "lifted_by"])
        BanChange.objects.create(
            ban=self, by=moderator, at=self.lifted_at, what=BanChange.What.LIFTED, before=self.describe(), after="lifted"
        )
        if self.comment_id:
            ModerationEvent.objects.create(
                comment=self.comment, moderator=moderator, action=ModerationEvent.Action.LIFT,
                from_status=self.comment.status, to_status=self.comment.status, note=f"{self.describe_target()} lifted",
            )
        return True

    def record_changes(self, moderator, before):
        """Record in the ban's history a change a moderator made to its end or its reason; `before` holds the
        changed fields' earlier values."""
        shown = {"until": lambda until: Ban(until=until).describe(), "reason": str}
        BanChange.objects.bulk_create(
            BanChange(
                ban=self, by=moderator, what=BanChange.What(field),
                before=shown[field](before[field])[:300], after=shown[field](getattr(self, field))[:300],
            )
            for field in shown
            if field in before
        )


class BanChange(models.Model):
    """One line of a ban's history: set, its end changed, its reason changed, lifted; by whom and when.

    Never deleted with the record it explains: bans are lifted, not deleted. Holds no email nor address."""

    class What(models.TextChoices):
        SET = "set", "Set"
        UNTIL = "until", "End changed"
        REASON = "reason", "Reason changed"
        LIFTED = "lifted", "Lifted"

    ban = models.ForeignKey(Ban, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    what = models.CharField(max_length=6, choices=What.choices)
    before = models.CharField(max_length=300, blank=True)
    after = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "change to a ban"

    def __str__(self):
        return self.get_what_display()
