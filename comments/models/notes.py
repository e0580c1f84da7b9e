"""Moderators' notes on a reply's author, kept by the author's email and browser token, never shown to readers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .identity import normalize_email

NOTE_LENGTH = 2000


class AuthorNoteQuerySet(models.QuerySet):
    def about(self, reply):
        """The notes on the author of `reply`: kept under its email or its browser token (either may be empty)."""
        key = Q()
        if reply.email:
            key |= Q(email=normalize_email(reply.email))
        if reply.author_token:
            key |= Q(author_token=reply.author_token)
        return self.filter(key) if key else self.none()


class AuthorNote(models.Model):
    """What one moderator tells the others about a commenter ("warned on 3 May about names of victims").

    Keyed like the author panel finds replies: by the normalised email and by the hash of the browser
    token the reply came with, so a note follows the author to replies under another address from the
    same browser. Staff who may change replies write and edit them; an erasure of the email forgets them.
    """

    email = models.EmailField(blank=True, help_text="The author's email (never shown to the public).")
    author_token = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    text = models.TextField("note", max_length=NOTE_LENGTH)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="written by"
    )
    created_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    edited_at = models.DateTimeField(null=True, blank=True)
    comment = models.ForeignKey(
        "comments.Comment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="reply",
        help_text="The reply it was written from.",
    )

    objects = AuthorNoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return f"Note by {self.created_by or 'a former moderator'}"

    @classmethod
    def write(cls, reply, text, moderator):
        """A new note on the author of `reply`, kept under its email and its browser token."""
        return cls.objects.create(
            email=normalize_email(reply.email), author_token=reply.author_token, text=text, created_by=moderator, comment=reply
        )

    def edit(self, text, moderator):
        self.text, self.edited_by, self.edited_at = text, moderator, timezone.now()
        self.save(update_fields=["text", "edited_by", "edited_at"])
