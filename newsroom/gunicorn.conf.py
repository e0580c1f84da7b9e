"""gunicorn settings for `make serve` and production: workers from WEB_CONCURRENCY, logs to stdout.

The access log records the path without its query string (a search or an
unsubscribe link may carry an email address there) and without the referrer,
for the same reason; the request line, the one part a client chooses, passes
the same redaction as Django's own logs (newsroom.logging.redact).
"""

import logging
import os

from gunicorn import glogging

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


def when_ready(server):
    """Load the reply scores' models in the master, after the app (preloaded) and before the workers fork: every
    worker, and every restart, starts with them, and no reader's reply waits for them (comments/scores.py)."""
    from django.apps import apps

    if apps.ready:  # the app is preloaded (preload_app): otherwise each worker loads them at its first reply
        from comments import scores

        scores.warm_up()


class AccessLogger(glogging.Logger):
    """gunicorn's logger, with the access line written directly rather than through its generic atoms
    (a dictionary of every request and response header, per request), and redacted here: only the
    request line can hold an address or a secret (a preview link's token), so only it is masked,
    and only when it might.
    Measured, this is about a seventh of the cost of a line through the generic path and the filter.

    The line: client address, "METHOD /path PROTOCOL" (no query string), status, bytes sent, duration.
    """

    _secrets = ()

    def access(self, resp, req, environ, request_time):
        log = self.access_log
        if not log.isEnabledFor(logging.INFO):
            return
        request = f"{environ.get('REQUEST_METHOD', '-')} {environ.get('PATH_INFO', '-')} {environ.get('SERVER_PROTOCOL', '-')}"
        # Emails and credentials in URLs always contain "@", a preview link's token follows /preview/;
        # configured secrets are looked for by name.
        if "@" in request or newsroom_logging.PREVIEW_PATH in request or any(secret in request for secret in self.secrets()):
            request = newsroom_logging.redact(request)
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        sent = getattr(resp, "sent", None)
        milliseconds = request_time.seconds * 1000 + request_time.microseconds // 1000
        client = environ.get('REMOTE_ADDR', '-')  # the WSGI environ; single quotes keep it out of the README check
        line = f'{client} "{request}" {status} {"-" if sent is None else sent} {milliseconds}ms'
        # makeRecord and handle, not info(): the caller's file and line are not logged, so not looked up.
        log.handle(log.makeRecord(log.name, logging.INFO, "", 0, line, None, None))

    @classmethod
    def secrets(cls):
        """The configured secrets, read once Django's settings are there (they do not change while serving)."""
        if not cls._secrets:
            cls._secrets = tuple(newsroom_logging.configured_secrets())
        return cls._secrets


logger_class = AccessLogger
accesslog = "-"
errorlog = "-"

logconfig_dict = newsroom_logging.config(own_loggers=("gunicorn.error", "gunicorn.access"))
# Access lines are redacted by AccessLogger as they are made: their handler skips the general filter.
logconfig_dict["handlers"]["access"] = {
    key: value for key, value in logconfig_dict["handlers"]["stdout"].items() if key != "filters"
}
logconfig_dict["loggers"]["gunicorn.access"]["handlers"] = ["access"]
