"""Where rendered pages live: shared by every worker, with a small memory in front, and rendered once a change.

Pages are kept in a cache every worker shares (Redis when configured, files under DATA_DIR
otherwise), each with the versions of the keys it shows (`Entry`). A worker keeps the pages it
served last in its own memory in front of it (`MemoryInFront`, caches["pages"]), so a hot page
costs no file read nor round trip while its keys hold. When a key moves, one request renders the page again (it holds
a lock, `cache.add`), or the background worker does (it claimed the lock when the change committed, renew.py);
the others are answered meanwhile with the page from right before the change, for a couple of seconds at
most, or wait for the new one (on files too: files.SharedFileCache).
"""

import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone

from .page import CachedPage
from .versions import current

FRESH, STALE, OLD = "fresh", "stale", "old"
# A render that takes longer than this lets another request render too; waiting requests wait no longer.
RENDER_LOCK_SECONDS = 10
READER, WORKER = "reader", "worker"  # who holds a page's render lock
POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Entry:
    address: str  # the page's path and its query's digest
    page: CachedPage
    versions: dict  # {key: stamp} of every key the page shows, when it was rendered
    expires: float  # the moment (a timestamp) it is not served from (MAX_AGE, or when it changes by itself)
    rendered: int  # when its rendering began (time.time_ns(), as the versions' stamps)

    def is_current(self):
        """Whether nothing it shows moved while it rendered (else it may show what was there before)."""
        return max(self.versions.values()) < self.rendered


class Memory:
    """The pages this process served last, newest last, at most `size` of them."""

    def __init__(self, size):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, entry):
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def pop(self, key):
        with self.lock:
            self.entries.pop(key, None)

    def clear(self):
        with self.lock:
            self.entries.clear()


_memories = {}  # LOCATION: Memory, one per process (Django makes a cache object per thread)


class MemoryInFront(BaseCache):
    """A cache backend: this process's memory (MAX_ENTRIES pages) in front of the cache every worker
    shares (OPTIONS["BEHIND"], a cache's alias). What it keeps is never wrong by being old: each
    page says which versions it shows, and is served only while they hold (`state()`)."""

    def __init__(self, location, params):
        super().__init__(params)
        self.behind_alias = params["OPTIONS"]["BEHIND"]
        self.memory = _memories.setdefault(location, Memory(self._max_entries))

    @property
    def behind(self):
        return caches[self.behind_alias]

    def get(self, key, default=None, version=None):
        found = self.memory.get(key)
        return self.get_behind(key, default) if found is None else found

    def get_behind(self, key, default=None):
        """What the shared cache holds now (another worker may have rendered the page since)."""
        found = self.behind.get(key)
        if found is not None:
            self.memory.put(key, found)
        return default if found is None else found

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.memory.put(key, value)
        self.behind.set(key, value, timeout)

    def delete(self, key, version=None):
        self.memory.pop(key)
        return self.behind.delete(key)

    def clear(self):
        self.memory.clear()
        behind = self.behind
        if isinstance(behind, RedisCache):  # its clear() empties the whole database: the versions too
            client = behind._cache.get_client(write=True)
            keys = list(client.scan_iter(match=behind.make_key("*")))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
        else:
            behind.clear()

    def held(self):
        """{address: Entry} of the pages in this process's memory (for the tests and a curious operator)."""
        with self.memory.lock:
            return {entry.address: entry for entry in self.memory.entries.values()}


def state(entry):
    """FRESH: every key it shows holds. STALE: one change moved some of them, from the versions the page
    has, less than NEWSROOM_PAGE_STALE_SECONDS ago: it may be served while the new page renders. OLD: else."""
    if timezone.now().timestamp() >= entry.expires:
        return OLD
    now = current(entry.versions)
    moved = {key: version for key, version in now.items() if version.stamp != entry.versions[key]}
    if not moved:
        return FRESH
    stamps = {version.stamp for version in moved.values()}
    one_change_ago = len(stamps) == 1 and all(version.follows(entry.versions[key]) for key, version in moved.items())
    if one_change_ago and time.time_ns() - stamps.pop() <= settings.NEWSROOM_PAGE_STALE_SECONDS * 1e9:
        return STALE
    return OLD


def find(cache_name, address):
    """(the newest entry this process can see for the page, its state), or (None, OLD)."""
    pages, key = caches[cache_name], _key(address)
    entry = pages.get(key)
    if entry is None:
        return None, OLD
    if (found := state(entry)) != FRESH and hasattr(pages, "get_behind"):
        shared = pages.get_behind(key)
        if shared is not None and shared.rendered > entry.rendered:
            entry, found = shared, state(shared)
    return entry, found


def keep(cache_name, address, entry, seconds):
    caches[cache_name].set(_key(address), entry, seconds)


def claim(address):
    """The background worker is to render this page again (renew.py): until it has, or for at most
    NEWSROOM_PAGE_STALE_SECONDS, readers get the page from right before the change as while a reader renders."""
    caches[DEFAULT_CACHE_ALIAS].add(_lock(address), WORKER, settings.NEWSROOM_PAGE_STALE_SECONDS)


def once(cache_name, address, render, renewing=False):
    """(entry or response, state): the page as found, or rendered by this request, or by another one
    (single flight). `render()` gives the new Entry, or a response that is not for the cache.
    `renewing`: the background worker asks, to render the page it claimed."""
    entry, found = find(cache_name, address)
    if found == FRESH:
        return entry, FRESH
    lock, shared = _lock(address), caches[DEFAULT_CACHE_ALIAS]
    if renewing:
        return _renew(render, entry, lock), FRESH
    if not shared.add(lock, READER, RENDER_LOCK_SECONDS):
        if found == STALE:
            return entry, STALE
        if shared.get(lock) == WORKER:  # a page from before two changes: not worth waiting for the worker
            return render(), FRESH
        deadline = time.monotonic() + RENDER_LOCK_SECONDS
        while time.monotonic() < deadline:
            time.sleep(POLL_SECONDS)
            rendering = shared.get(lock) is not None  # asked before looking: a page kept as the lock went is seen
            entry, found = find(cache_name, address)
            if found == FRESH:
                return entry, FRESH
            if not rendering:
                break
        return render(), FRESH  # the renderer gave up, or rendered a page that was already out of date
    try:
        return render(), FRESH
    finally:
        shared.delete(lock)


def _renew(render, entry, lock):
    shared = caches[DEFAULT_CACHE_ALIAS]
    if shared.get(lock) == READER:  # a reader is rendering it already
        return entry
    try:
        return render()  # not a page to keep (taken down): the next reader renders it, no stand-in meanwhile
    finally:
        shared.delete(lock)


def _lock(address):
    return "pages:rendering:" + _key(address)


def _key(address):
    """A short key any backend takes, whatever a reader typed into the address."""
    return "page:" + hashlib.sha256(address.encode("utf-8", "surrogatepass")).hexdigest()[:40]
