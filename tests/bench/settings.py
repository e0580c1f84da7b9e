"""Production settings plus one minimal view, the benchmark's yardstick."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
