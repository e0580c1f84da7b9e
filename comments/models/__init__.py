"""Readers' replies and what moderators decide on them, one module per noun; every model is importable from here.

replies.py (a reply), querysets.py (its queries) and threads.py (a page of threads) first; the nouns that build on a
reply import it, never the other way round: events.py (decisions), reports.py, bans.py,
discussions.py (a story's discussion and the site's settings), scores.py (the spam classifier's
versions), limits.py (flood limits, a browser's remembered author), subscribers.py (readers told of replies),
notes.py (moderators' notes on an author), claims.py (the reply a moderator has open); identity.py
(normalised email, the mailbox an address reaches, digests).
"""

from .bans import Ban, BanChange
from .claims import Claim
from .discussions import DiscussionChange, DiscussionSettings, StoryDiscussion
from .events import UNDO_SECONDS, ModerationEvent, without_contact
from .identity import canonical_email, digest, normalize_email
from .limits import RememberedAuthor, Throttle
from .notes import AuthorNote
from .querysets import QUEUES
from .replies import Comment, replies_changed
from .reports import Report
from .scores import SpamClassifier
from .subscribers import Delivery, Subscriber, Subscription
from .threads import SORTS, ThreadPage

__all__ = [
    "QUEUES",
    "SORTS",
    "UNDO_SECONDS",
    "AuthorNote",
    "Ban",
    "BanChange",
    "Claim",
    "Comment",
    "Delivery",
    "DiscussionChange",
    "DiscussionSettings",
    "ModerationEvent",
    "RememberedAuthor",
    "Report",
    "SpamClassifier",
    "StoryDiscussion",
    "Subscriber",
    "Subscription",
    "ThreadPage",
    "Throttle",
    "digest",
    "normalize_email",
    "replies_changed",
    "canonical_email",
    "without_contact",
]
