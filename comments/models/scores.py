"""The spam classifier this site trained on its own moderators' decisions, one row per version.

Every web worker scores replies with the newest row it may trust (comments/scores.py): the database is what
they all see. A row holds a pickle, and unpickling runs code, so a row is loaded only if its signature is
the site's own (an HMAC of the bytes under the secret key) and it was made by the scikit-learn installed
now: a row written by anyone else, or by an older library, is never unpickled.
"""

import pickle

from django.core.signing import constant_time_compare
from django.db import models
from django.utils.crypto import salted_hmac

SALT = "comments.spam-classifier"
KEPT = 3  # versions kept: the newest, and two before it for a worker still reading one


class SpamClassifierQuerySet(models.QuerySet):
    def usable(self, library_version):
        """The versions made by this scikit-learn, newest first."""
        return self.filter(library_version=library_version).order_by("-pk")


class SpamClassifier(models.Model):
    """One trained version of the spam classifier: its bytes, who may trust them, and what it learned from."""

    trained_at = models.DateTimeField(auto_now_add=True)
    library_version = models.CharField("scikit-learn version", max_length=20)
    decisions_up_to = models.BigIntegerField(
        "decisions up to", help_text="The last moderator's decision (its event's id) it learned from."
    )
    spam = models.PositiveIntegerField("spam replies learned from")
    not_spam = models.PositiveIntegerField("other decided replies learned from")
    pickled = models.BinaryField(editable=False)
    signature = models.CharField(max_length=64, editable=False)

    objects = SpamClassifierQuerySet.as_manager()

    class Meta:
        verbose_name = "spam classifier version"

    def __str__(self):
        return f"Spam classifier v{self.pk} ({self.spam} spam, {self.not_spam} other)"

    @staticmethod
    def sign(data):
        return salted_hmac(SALT, bytes(data), algorithm="sha256").hexdigest()

    @classmethod
    def store(cls, classifier, **fields):
        """Save `classifier` as the newest version, signed; older ones beyond KEPT are deleted."""
        data = pickle.dumps(classifier, protocol=pickle.HIGHEST_PROTOCOL)
        row = cls.objects.create(pickled=data, signature=cls.sign(data), **fields)
        old = cls.objects.order_by("-pk").values_list("pk", flat=True)[KEPT:]
        cls.objects.filter(pk__in=list(old)).delete()
        return row

    def is_signed(self):
        """Whether this site signed these bytes (with its secret key)."""
        return constant_time_compare(self.sign(self.pickled), self.signature)

    def load(self):
        """The classifier, if this site signed its bytes; None otherwise (never unpickled)."""
        if not self.is_signed():
            return None
        return pickle.loads(bytes(self.pickled))  # noqa: S301 - signed with this site's secret key, checked above
