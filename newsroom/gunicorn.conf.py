"""gunicorn settings for `make serve` and production: workers from WEB_CONCURRENCY, logs to stdout.

The access log records the path without its query string (a search or an
unsubscribe link may carry an email address there) and without the referrer,
for the same reason; every line then passes the same redaction filter as
Django's own logs.
"""

import os

from newsroom import logging as newsroom_logging

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:" + os.environ.get("PORT", "8000"))
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Load Django once in the master and fork the workers from it: a worker starts (and restarts) in
# milliseconds instead of importing everything again. Safe with the database because Django opens
# its connections lazily, on a worker's first query; pre_fork below makes sure none is inherited.
# The code is the master's: deploying a new release takes a restart, not a HUP.
preload_app = True
# Recycle workers now and then so a slow leak never takes the site down: at a few thousand requests
# a second that is about once a minute, at a busy story's rate once in hours. The jitter keeps two
# workers from restarting at once.
max_requests = 100_000
max_requests_jitter = 10_000
# The proxy in front terminates TLS; only it may tell us the scheme.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# The runtime control socket lives at one path per user, which two servers on a machine would share.
control_socket_disable = True


def pre_fork(server, worker):
    """A worker must not share the master's database connection: close any the master holds (normally none)."""
    from django.apps import apps

    if apps.ready:
        from django.db import connections

        connections.close_all()


accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

logconfig_dict = newsroom_logging.config(own_loggers=("gunicorn.error", "gunicorn.access"))
