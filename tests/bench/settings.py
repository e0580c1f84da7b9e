"""Production settings plus the benchmark's minimal view and its query counter; nothing else differs."""

import os

from newsroom.settings import *  # noqa: F403
from newsroom.settings import CACHES, MIDDLEWARE

ROOT_URLCONF = "tests.bench.urls"

MIDDLEWARE = ["tests.bench.middleware.QueryCountMiddleware", *MIDDLEWARE]

# A shared Redis may hold other data: the run's keys get their own prefix, which the benchmark deletes afterwards.
if prefix := os.environ.get("BENCH_CACHE_KEY_PREFIX"):
    CACHES = {**CACHES, "default": {**CACHES["default"], "KEY_PREFIX": prefix}}
