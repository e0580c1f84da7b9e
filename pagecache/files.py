"""The shared cache of a site without Redis: Django's cache in files under DATA_DIR, with an add() that holds
across processes."""

import fcntl
import os

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache


class SharedFileCache(FileBasedCache):
    """Django's FileBasedCache, whose add() looks for the key, then writes it: two workers adding the same key at
    the same instant may both succeed. The page cache relies on add() to let one request render a changed page
    (store.once) and to give a key its first version once (versions.py). Here add() looks and writes while it
    holds an exclusive lock on a file in the cache's folder, so one process wins; a Redis cache's add() is one
    command, and needs none."""

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._createdir()
        with open(os.path.join(self._dir, "add.lock"), "a") as lock:  # not a .djcache file: clear() leaves it
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            return super().add(key, value, timeout, version)
