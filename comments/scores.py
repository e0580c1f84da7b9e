"""Scores on arrival: how likely a reply is offensive, and how likely it is spam, worked out on this server.

Offensive language: alt-profanity-check's own trained model (shipped inside the package), loaded once per
process at its first reply (gunicorn's master loads it before forking its workers: warm_up()). Spam: a scikit-learn classifier trained on this site's own decisions (replies a
moderator approved or removed are not spam; those marked spam are), retrained by the background worker when
moderators have decided since the last version (`retrain_spam_classifier`, a periodic job every
NEWSROOM_COMMENTS_SPAM_RETRAIN_SECONDS), stored in the database (models.SpamClassifier, signed) and picked up
by every web worker at its next reply. Until the site has MIN_EACH decisions of each kind, the spam score is
a neutral guess from the links a reply carries, never above COLD_START_MOST: it holds nothing.

No reader's words leave the server, and none is logged. What a score does to a reply (it may hold it, never
mark it spam) is comments.moderation's; the thresholds are the moderators' (DiscussionSettings).
"""

import functools
import logging
import re
from typing import NamedTuple

from django.db.models import Exists, Max, OuterRef

from background import task

from .models import Comment, ModerationEvent, SpamClassifier

logger = logging.getLogger(__name__)

LINK = re.compile(r"https?://|www\.|<a\s", re.IGNORECASE)
MIN_EACH = 5  # decided replies of each kind (spam, not spam) before a classifier is trained
MOST_DECISIONS = 20_000  # the newest decided replies a version learns from
COLD_START_MOST = 0.45  # the cold start's spam score stays below every threshold moderators may set (0.5 to 1)
COLD_START_PER_LINK = 0.15


class Scores(NamedTuple):
    offensive: float
    spam: float


def score(reply):
    """The reply's Scores, each from 0 to 1: its words (the offensive score), and its name, website and words
    (the spam score: spammers advertise in all three). A few milliseconds; never its email or address."""
    return Scores(offensive_score(reply.body), spam_score(spam_text(reply.name, reply.website, reply.body)))


@functools.cache
def _profanity():
    from profanity_check import predict_prob  # loads the package's model: once per process, at the first reply

    return predict_prob


def warm_up():
    """Load the offensive-language model and the classifier's library now rather than at the first reply (the
    web server's master calls it before forking its workers); the stored classifier is read at the first reply."""
    _profanity()([""])  # a first prediction, too: its own first-call set-up is then done
    new_classifier()


def offensive_score(text):
    return round(float(_profanity()([text])[0]), 3)


def spam_text(name, website, body):
    return "\n".join([name, website, body])


def spam_score(text):
    classifier = current_classifier()
    if classifier is None:
        return min(COLD_START_MOST, COLD_START_PER_LINK * len(LINK.findall(text)))
    return round(float(classifier.predict_proba([text])[0][1]), 3)


# The classifier: words, and a few signals beside them.


def signals(texts):
    """Per text: its links, length, share of capitals and of digits, each scaled to about 0 to 1."""
    import numpy

    rows = []
    for text in texts:
        letters = sum(character.isalpha() for character in text) or 1
        rows.append([
            min(len(LINK.findall(text)), 10) / 10,
            min(len(text), 2000) / 2000,
            sum(character.isupper() for character in text) / letters,
            sum(character.isdigit() for character in text) / (len(text) or 1),
        ])
    return numpy.array(rows, dtype=float).reshape(len(rows), 4)


def new_classifier():
    """Hashed words and word pairs (no vocabulary to keep) and signals(), into a logistic regression
    weighted for the few spam replies among many."""
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(
        make_union(
            HashingVectorizer(ngram_range=(1, 2), n_features=2**17, alternate_sign=False),
            FunctionTransformer(signals),
        ),
        LogisticRegression(class_weight="balanced", C=4.0, solver="liblinear"),
    )


def library_version():
    from sklearn import __version__

    return __version__


# In each process: the version in use ((id, signature), classifier), reloaded when a newer one is stored.
_loaded = (None, None)


def current_classifier():
    """The newest version this process may use, or None (cold start): one small query, and the version's
    bytes only when it is new to this process. A version this site did not sign is never loaded."""
    global _loaded
    newest = SpamClassifier.objects.usable(library_version()).values_list("pk", "signature").first()
    if newest is None:
        return None
    if newest != _loaded[0]:
        row = SpamClassifier.objects.filter(pk=newest[0]).first()
        if row is None:  # replaced by a newer version a moment ago: the next reply loads that one
            return _loaded[1]
        _loaded = (newest, _load(row))
    return _loaded[1]


def _load(row):
    """The stored version's classifier, or None when it cannot be used: not signed by this site, or stored by
    code that has since changed (a function it names moved). The worker then trains a new one."""
    try:
        classifier = row.load()
    except Exception:
        classifier = None
    if classifier is None:
        logger.warning("Spam classifier v%s cannot be used: the cold start goes on until a new version", row.pk)
    return classifier


# Training, in the background.


def last_decision():
    """The id of the last moderator's decision on a reply's status (or its undo): what a version learned up to."""
    decisions = ModerationEvent.objects.filter(
        moderator__isnull=False, action__in=[ModerationEvent.Action.STATUS, ModerationEvent.Action.UNDO]
    )
    return decisions.aggregate(last=Max("pk"))["last"] or 0


def decided_replies():
    """Replies a moderator approved, removed or marked spam (not those published or held by the rules alone)."""
    by_a_moderator = ModerationEvent.objects.filter(
        comment=OuterRef("pk"), moderator__isnull=False, action=ModerationEvent.Action.STATUS
    )
    statuses = [Comment.Status.APPROVED, Comment.Status.REMOVED, Comment.Status.SPAM]
    return Comment.objects.filter(Exists(by_a_moderator), status__in=statuses)


def train():
    """A new version from the newest MOST_DECISIONS decided replies, stored for every worker; None while
    there are fewer than MIN_EACH of either kind."""
    up_to = last_decision()
    rows = decided_replies().order_by("-pk").values_list("name", "website", "body", "status")[:MOST_DECISIONS]
    texts, labels = [], []
    for name, website, body, status in rows:
        texts.append(spam_text(name, website, body))
        labels.append(int(status == Comment.Status.SPAM))
    spam = sum(labels)
    if min(spam, len(labels) - spam) < MIN_EACH:
        return None
    classifier = new_classifier().fit(texts, labels)
    return SpamClassifier.store(
        classifier, library_version=library_version(), decisions_up_to=up_to, spam=spam, not_spam=len(labels) - spam
    )


@task()
def retrain_spam_classifier():
    """The periodic job: a new version when moderators have decided since the newest usable one (or none is)."""
    newest = SpamClassifier.objects.usable(library_version()).first()
    if newest and _load(newest) is not None and newest.decisions_up_to >= last_decision():
        return "no decision since the newest version"
    row = train()
    return str(row) if row else f"fewer than {MIN_EACH} decided replies of each kind: the cold start goes on"

