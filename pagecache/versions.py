"""Keys and their versions: what a cached page shows, and which of those things moved since it was rendered.

A key is a short name for something readers see ("site", "story-12", "replies-12", "section-3"). Each has
a version in the shared cache (`Version`), moved by `changed(*keys)`. A cached page records the version
of every key it showed; it is served while they all still hold. A worker knows the versions it has read
(`KnownVersions`) and asks the shared cache again only when told something moved: with Redis, each change
is announced on a channel naming its keys; on files, one "clock" entry moves with every change.
"""

import logging
import math
import os
import threading
import time
from typing import NamedTuple

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger("pagecache")

SITE = "site"
SCHEDULE = "schedule"  # no page shows it: its version holds the next scheduled moment, set again at every change
VERSION_PREFIX = "pages:version:"
CLOCK_KEY = "pages:clock"  # the stamp of the latest change of any key
CHANNEL = "pages:changes"

_schedules = []
_listeners = []
_memo = {}  # name: (the site's stamp, value), see per_generation()
_owed = set()  # keys this process could not move (Redis down): moved before it serves another cached page
_owed_lock = threading.Lock()
_this_thread = threading.local()  # known: this thread's KnownVersions; untold: keys changed, not yet told


class Version(NamedTuple):
    stamp: int  # when the change that set it was made (nanoseconds since the epoch): numbers only grow
    previous: int  # the stamp before that change: a page rendered then may be served for a moment (stale)
    until: float | None  # SCHEDULE only: the next scheduled moment, when "site" moves by itself (register_schedule)
    between: int = 0  # the stamp of the same change's first move: a page rendered then shows what was before it

    def follows(self, stamp):
        """Whether a page rendered at `stamp` shows what was there right before this change."""
        return stamp in (self.previous, self.between) and stamp != 0


def register_schedule(next_moment):
    """`next_moment()` gives the next time (or None) at which public pages change by themselves: the site's
    key moves then (a scheduled story, a banner ending: rare moments, so every page is rendered afresh)."""
    _schedules.append(next_moment)


def after_change(listener):
    """`listener(keys)` is called after each change commits, with the set of keys that moved ("site" too,
    also when a scheduled moment moves it); what it raises is logged, never the change's problem."""
    _listeners.append(listener)


def changed(*keys, reschedule=True):
    """Things readers can see (`keys`; none: the whole site) have changed: pages showing them are not served again.

    The keys move now and once more when the change commits: a page rendered in between, from what was
    still the old data, is not served after it. The listeners hear of it after the commit. Each move asks
    every schedule for the next scheduled moment again, unless `reschedule` is false: a change no schedule
    reads (a reply decided) cannot move one, and a moderator's decision is spared those queries.
    """
    keys = frozenset(keys or (SITE,))
    # A story scheduled, a banner given an end: the next scheduled moment may be nearer.
    moved = keys | {SCHEDULE} if reschedule else keys
    first = _move_or_owe(moved)
    _untold().update(keys)
    transaction.on_commit(lambda: _committed(moved, first))


def watch(*models, keys=None):
    """Saving or deleting any of `models` is a change of `keys(instance)` (default: the whole site)."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                lambda sender, instance, **kwargs: changed(*(keys(instance) if keys else ())),
                sender=model, weak=False, dispatch_uid=f"pagecache.watch.{model._meta.label}.{signal}",
            )


def _committed(keys, first):
    _move_or_owe(keys, first)
    # The first of a transaction's changes to commit tells the listeners of all of them, once: a story
    # saved with its bylines and topics is one purge, not five. (A change undone with its savepoint is
    # told with the next: a purge too many, never one too few.)
    told, _this_thread.untold = _untold(), set()
    if told:
        _tell(told)


def _untold():
    """The keys this thread changed that the listeners have not heard of yet."""
    if not hasattr(_this_thread, "untold"):
        _this_thread.untold = set()
    return _this_thread.untold


def _tell(keys):
    for listener in _listeners:
        try:
            listener(set(keys))
        except Exception:
            logger.exception("A listener to page changes failed for %s", sorted(keys))


def _move_or_owe(keys, carried=None):
    try:
        return _move(keys, carried)
    except Exception as error:
        with _owed_lock:
            _owed.update(keys)
        logger.error("Could not mark cached pages as out of date: %s: %s", type(error).__name__, error)
        return None


_last_stamp = [0]


def _move(keys, carried=None):
    """New versions for `keys`; `carried` (the first move of the same change) keeps their previous stamps,
    so the page from before the change may be served stale for a moment, as may one rendered between the
    change's two moves (`between`: still from the data before it). Returns (stamp, {key: previous})."""
    shared = caches[DEFAULT_CACHE_ALIAS]
    names = {key: VERSION_PREFIX + key for key in keys}
    found = shared.get_many(names.values())
    stamp = _last_stamp[0] = max(time.time_ns(), _last_stamp[0] + 1)
    until = _next_moment() if SCHEDULE in keys else None
    versions, previous = {}, {}
    for key, name in names.items():
        was = found.get(name)
        previous[key], between = (was.stamp if was else 0), 0
        if carried and was and was.stamp == carried[0]:  # the commit of a change: before it is before its first move
            previous[key], between = carried[1].get(key, previous[key]), carried[0]
        versions[name] = Version(stamp, previous[key], until if key == SCHEDULE else None, between)
    shared.set_many(versions, timeout=None)
    shared.set(CLOCK_KEY, stamp, timeout=None)
    _known().announce(keys)
    return stamp, previous


def _next_moment():
    moments = [moment for moment in (schedule() for schedule in _schedules) if moment is not None]
    return min(moments).timestamp() if moments else None


def current(keys):
    """{key: Version} now, from what this thread knows or, for what moved, from the shared cache.
    Raises when the shared cache cannot be reached (then nothing is cached)."""
    with _owed_lock:
        owed = set(_owed)
    if owed:
        _move(owed)
        with _owed_lock:
            _owed.difference_update(owed)
    known = _known()
    known.refresh()
    versions = known.get({*keys, SCHEDULE})
    if versions[SCHEDULE].until is not None and timezone.now().timestamp() >= versions[SCHEDULE].until:
        _move({SITE, SCHEDULE})  # a scheduled moment has come (a story goes public, a banner ends); the next one
        _tell({SITE})
        versions = known.get({*keys, SCHEDULE})
    return {key: versions[key] for key in keys}


def generation():
    """The stamp of the latest change of any key, or None when the shared cache cannot be reached."""
    try:
        return caches[DEFAULT_CACHE_ALIAS].get(CLOCK_KEY)
    except Exception:
        return None


def per_generation(name, compute, keys=(SITE,)):
    """`compute()`, remembered in this process while `keys` do not move (e.g. the sections list: the site)."""
    try:
        stamps = tuple(version.stamp for version in current(keys).values())
    except Exception:
        return compute()
    remembered = _memo.get(name)
    if remembered is None or remembered[0] != stamps:
        remembered = _memo[name] = (stamps, compute())
    return remembered[1]


def forget_generation():
    """This thread reads every version afresh at its next request, as after a lost connection to Redis
    (the tests empty the cache between tests, and roll back what they changed, untold)."""
    if known := getattr(_this_thread, "known", None):
        known.forget()
    _this_thread.untold = set()


def _known():
    shared = caches[DEFAULT_CACHE_ALIAS]
    known = getattr(_this_thread, "known", None)
    if known is None or known.pid != os.getpid() or known.cache is not shared:  # forked, or the tests' settings
        known = _this_thread.known = (HeardVersions if isinstance(shared, RedisCache) else ClockedVersions)(shared)
    return known


class KnownVersions:
    """The versions this thread has read; `refresh()`, once a request, forgets those that may have moved."""

    def __init__(self, shared):
        self.cache, self.pid, self.known = shared, os.getpid(), {}

    def get(self, keys):
        for _ in range(2):  # a second time for those given a version the first time
            missing = [key for key in keys if key not in self.known]
            if not missing:
                break
            found = self.cache.get_many([VERSION_PREFIX + key for key in missing])
            self.known.update({key: found[VERSION_PREFIX + key] for key in missing if VERSION_PREFIX + key in found})
            for key in missing:
                if VERSION_PREFIX + key not in found:  # never moved, or dropped by the cache: given one (the first wins),
                    # unlike any before, yet older than any page rendering now (Entry.is_current)
                    version = Version(-time.time_ns(), 0, _next_moment() if key == SCHEDULE else None)
                    self.cache.add(VERSION_PREFIX + key, version, None)
        return {key: self.known[key] for key in keys}

    def forget(self):
        self.known = {}

    def refresh(self):
        raise NotImplementedError

    def announce(self, keys):
        """`keys` moved (their versions already stored): this thread reads them again; others hear of it."""
        for key in keys:
            self.known.pop(key, None)


class ClockedVersions(KnownVersions):
    """On files (one machine): one read of the clock a request says whether anything moved since."""

    def __init__(self, shared):
        super().__init__(shared)
        self.clock = None

    def refresh(self):
        clock = self.cache.get(CLOCK_KEY)
        if clock is None or clock != self.clock:
            self.known, self.clock = {}, clock

    def forget(self):
        super().forget()
        self.clock = None


class HeardVersions(KnownVersions):
    """With Redis: each change is announced with its keys, so a page from the cache costs no round trip.

    Each worker thread listens on a connection of its own: a request only looks, without waiting,
    whether anything came, and forgets the keys named. A subscription's confirmation counts as news
    too (everything is forgotten), so nothing announced before it is missed. Everything is also
    forgotten at least once a second, and on every request while listening fails (Redis down: then
    nothing is cached anyway); listening is tried again every few seconds. A lost connection is
    noticed at the next request (its socket reads as closed).
    """

    RECHECK_SECONDS = 1.0
    RETRY_SECONDS = 5.0

    def __init__(self, shared):
        super().__init__(shared)
        self.channel = shared.make_key(CHANNEL)
        # The cache's own server and timeouts; no retries: a lost connection must be seen, not hidden.
        configured = settings.CACHES[DEFAULT_CACHE_ALIAS]
        self.client = redis.Redis.from_url(
            configured["LOCATION"], retry=Retry(NoBackoff(), 0),
            **{name: value for name, value in configured.get("OPTIONS", {}).items() if name.startswith("socket_")},
        )
        self.listening = None  # the PubSub, once subscribed
        self.read_at, self.retry_at = -math.inf, 0.0

    def refresh(self):
        now = time.monotonic()
        if self.listening is None and now >= self.retry_at:
            self._listen(now)
        if self.listening is not None:
            try:
                while (message := self.listening.get_message(timeout=0)) is not None:
                    if message["type"] == "message":
                        for key in message["data"].decode().split():
                            self.known.pop(key, None)
                    else:
                        self.known = {}
            except Exception:
                self.listening, self.retry_at = None, now + self.RETRY_SECONDS
        if self.listening is None or now - self.read_at >= self.RECHECK_SECONDS:
            self.known, self.read_at = {}, now

    def announce(self, keys):
        super().announce(keys)
        self.client.publish(self.channel, " ".join(sorted(keys)))

    def _listen(self, now):
        try:
            listening = self.client.pubsub()
            listening.subscribe(self.channel)
        except Exception:
            self.retry_at = now + self.RETRY_SECONDS
            return
        self.listening, self.known = listening, {}
