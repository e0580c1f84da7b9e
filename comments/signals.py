"""After a pending reply is committed, tell the moderators."""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import Comment
from .notifications import notify_moderators


@receiver(post_save, sender=Comment, dispatch_uid="comments.notify_moderators")
def pending_reply_saved(sender, instance, created, **kwargs):
    if created and instance.status == Comment.Status.PENDING:
        transaction.on_commit(lambda: notify_moderators(instance))
