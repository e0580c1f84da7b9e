"""Log records as single lines with no email address or secret in them.

Every log line goes to stdout, where a platform may ship it to places with
wider access than the database. So the redaction happens in one filter on
the handler, after the message is formatted and including tracebacks, and
nothing a view logs can leak a reader's email or a credential. A preview
link's token is a credential too: whoever holds /preview/<token>/ reads the
unpublished story, so every logged path keeps /preview/ and loses the token.
"""

import logging
import re
from urllib.parse import urlsplit

EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
# user:password@ in a URL such as a DATABASE_URL or REDIS_URL.
URL_CREDENTIALS = re.compile(r"(?<=://)[^/@\s:]*:[^/@\s]*@")
# The token of a preview link (articles' /preview/<token>/) wherever a path is logged; PREVIEW_PATH says one may be there.
PREVIEW_PATH = "/preview/"
PREVIEW_TOKEN = re.compile(rf"(?<={re.escape(PREVIEW_PATH)})[^/\s?#\"']+")
EMAIL_MASK = "[email]"
SECRET_MASK = "[secret]"  # noqa: S105 (the placeholder, not a secret)
LINE_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def config(level="INFO", own_loggers=("django",)):
    """The dictConfig for Django's LOGGING and gunicorn's logconfig_dict: one line per event on stdout, redacted.

    `own_loggers` get the handler directly instead of propagating (Django's would otherwise mail ADMINS).
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "newsroom.logging.RedactFilter"}},
        "formatters": {"line": {"()": "newsroom.logging.OneLineFormatter", "format": LINE_FORMAT}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["redact"],
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {name: {"handlers": ["stdout"], "level": level, "propagate": False} for name in own_loggers},
    }


def configured_secrets():
    """The secret values in settings: the key, passwords, and credentials inside service URLs."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.SECRET_KEY  # noqa: B018 (a process without Django settings has no secrets to mask)
    except ImproperlyConfigured:
        return []
    values = [
        getattr(settings, "SECRET_KEY", ""),
        *getattr(settings, "SECRET_KEY_FALLBACKS", []),
        getattr(settings, "EMAIL_HOST_PASSWORD", ""),
        getattr(settings, "AWS_SECRET_ACCESS_KEY", ""),
        *(db.get("PASSWORD", "") for db in getattr(settings, "DATABASES", {}).values()),
    ]
    for cache in getattr(settings, "CACHES", {}).values():
        location = cache.get("LOCATION", "")
        if isinstance(location, str) and "://" in location:
            values.append(urlsplit(location).password or "")
    # Short values would mask ordinary words; real secrets are long.
    return sorted({v for v in values if isinstance(v, str) and len(v) >= 8}, key=len, reverse=True)


def redact(text):
    """`text` with email addresses, configured secrets and preview links' tokens replaced by placeholders."""
    for secret in configured_secrets():
        text = text.replace(secret, SECRET_MASK)
    text = URL_CREDENTIALS.sub(f"{SECRET_MASK}@", text)
    text = PREVIEW_TOKEN.sub(SECRET_MASK, text)
    return EMAIL.sub(EMAIL_MASK, text)


class RedactFilter(logging.Filter):
    """Masks emails and secrets in a record's message and traceback."""

    _formatter = logging.Formatter()

    def filter(self, record):
        record.msg = redact(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """Keeps a record with its traceback on one line, so each event is one line in the log stream."""

    def format(self, record):
        return one_line(super().format(record))


def one_line(text):
    return text.replace("\r", "").replace("\n", " \\n ")
