"""Production settings plus the benchmark's minimal view and its query counter; nothing else differs."""

import os

from newsroom.settings import *  # noqa: F403
from newsroom.settings import CACHES, MIDDLEWARE

ROOT_URLCONF = "tests.bench.urls"

MIDDLEWARE = ["tests.bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

# A shared Redis may hold other data: every cache kept in it (the default one, and any the page cache keeps
# there) gets the run's own prefix in front of its own, and the benchmark deletes the prefix's keys afterwards.
if prefix := os.environ.get("BENCH_CACHE_KEY_PREFIX"):
    CACHES = {
        name: {**config, "KEY_PREFIX": ":".join(filter(None, [prefix, config.get("KEY_PREFIX", "")]))}
        if config["BACKEND"].endswith("RedisCache") else config
        for name, config in CACHES.items()
    }
