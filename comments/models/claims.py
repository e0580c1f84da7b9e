"""A moderator's short-lived claim on the reply they have open, so a colleague working the same queue moves on."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from ..conf import app_settings
from .replies import Comment


class ClaimQuerySet(models.QuerySet):
    def live(self, now=None):
        return self.filter(until__gt=now or timezone.now())

    def held_by_others(self, replies, moderator):
        """{reply id: the claim} for the live claims of other moderators on these replies."""
        claims = self.live().filter(comment__in=replies).exclude(moderator=moderator).select_related("moderator")
        return {claim.comment_id: claim for claim in claims}

    def holders(self, replies, moderator):
        """{reply id as text: who holds it} for the other moderators' live claims, as the page's script reads them."""
        return {str(pk): claim.holder for pk, claim in self.held_by_others(replies, moderator).items()}


class Claim(models.Model):
    """"Anna is looking at this": the reply a moderator has open on the moderation page, until `until`.

    In the database rather than in one process's memory, so every worker sees it (and the local-memory
    cache of the embedded default would not be shared); it expires on its own, so a closed tab holds
    nothing for long. A claim only warns: the decision itself is guarded by moderation.decide().
    """

    comment = models.OneToOneField(Comment, primary_key=True, on_delete=models.CASCADE, related_name="claim")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    until = models.DateTimeField(db_index=True)

    objects = ClaimQuerySet.as_manager()

    def __str__(self):
        return f"{self.holder} is looking at this"

    @property
    def holder(self):
        return self.moderator.get_full_name() or self.moderator.get_username()

    @classmethod
    def take(cls, reply, moderator):
        """Claim `reply` for `moderator` (letting go of their other claims), unless a colleague holds it.

        Returns the claim in force, the moderator's own or the colleague's; None in the rare case where
        the colleague's claim ended each time between two looks (they decided the reply, or moved on).
        """
        for _ in range(3):
            now = timezone.now()
            until = now + timedelta(seconds=app_settings.CLAIM_SECONDS)
            with transaction.atomic():
                cls.objects.filter(moderator=moderator).exclude(comment=reply).delete()
                cls.objects.filter(comment=reply, until__lte=now).delete()
                if not cls.objects.filter(comment=reply, moderator=moderator).update(until=until):
                    try:
                        with transaction.atomic():
                            cls.objects.create(comment=reply, moderator=moderator, until=until)
                    except IntegrityError:
                        pass  # a colleague's live claim, or theirs made this instant
            held = cls.objects.select_related("moderator").filter(comment=reply).first()
            if held:
                return held
        return None

    @classmethod
    def take_first(cls, replies, moderator, most=5):
        """Claim for `moderator` the first of `replies` (in their order) that no colleague has open: the reply
        to move on to after a decision, handed out here so that two moderators deciding at the same moment
        move on to different replies. Its id, or None."""
        free = replies.exclude(pk__in=cls.objects.live().exclude(moderator=moderator).values("comment"))
        for pk in free.values_list("pk", flat=True)[:most]:
            held = cls.take(Comment(pk=pk), moderator)
            if held and held.moderator_id == moderator.pk:
                return pk
        return None

    @classmethod
    def let_go(cls, reply):
        """The reply is decided: nobody is looking at it any more."""
        cls.objects.filter(comment=reply).delete()
