"""The comments app's settings, each with its default here, so the app works in a project that sets none.

A project overrides one with a Django setting named NEWSROOM_COMMENTS_<NAME>.
Values may be given as text (as environment variables are) and are read as
the type of their default: "0" or "off" for a flag, "15" for a number,
"casino, viagra" for a list. The moderation words and hold rules are only the
initial values of the moderators' discussion settings, edited in the admin.
"""

from django.conf import settings

PREFIX = "NEWSROOM_COMMENTS_"
DEFAULTS = {
    # Close replies this many days after publication (a story's own close date wins); 0 never closes,
    # as in WordPress: a fresh site's seed story dates from 2022.
    "CLOSE_AFTER_DAYS": 0,
    "FLOOD_SECONDS": 15,  # one reply per this many seconds from one address (one email: held)
    "HOURLY_CAP": 20,  # replies per address per hour
    "MAX_LENGTH": 5000,  # characters in a reply
    "MIN_SECONDS": 3,  # a form sent faster than this after it was shown is a bot's
    "FORM_MAX_AGE": 2 * 3600,  # seconds a form stays valid
    "MAX_DEPTH": 4,  # levels of replies to replies
    "PER_PAGE": 50,  # top-level threads per page under a story
    "IP_RETENTION_DAYS": 30,  # IP addresses and user agents are purged after this
    "REPORT_FLOOD_SECONDS": 5,  # one report per this many seconds from one address
    "REPORTS_HOURLY_CAP": 30,  # reports per address per hour
    # Subscribers hear of new replies this many seconds after the first is approved, all in one email.
    "DIGEST_SECONDS": 300,
    "CONFIRM_DAYS": 7,  # a subscription's confirmation link works this long; unconfirmed ones are then forgotten
    # The spam classifier is trained again this often when moderators have decided since (comments/scores.py).
    "SPAM_RETRAIN_SECONDS": 120,
    # Initial values of DiscussionSettings (moderators edit them in the admin afterwards).
    "HOLD_ALL": True,
    "MAX_LINKS": 2,
    "MODERATION_KEYS": [],
    "DISALLOWED_KEYS": [],
}
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def _read(text, default):
    """A setting given as text, read as the type of its default; ValueError when it cannot be."""
    text = text.strip()
    if isinstance(default, bool):
        if text.lower() not in TRUE_WORDS | FALSE_WORDS:
            raise ValueError(f"expected on or off, got {text!r}")
        return text.lower() in TRUE_WORDS
    if isinstance(default, int):
        value = int(text)
        if value < 0:
            raise ValueError(f"expected a number of 0 or more, got {text!r}")
        return value
    return [item.strip() for item in text.split(",") if item.strip()]


class AppSettings:
    """`app_settings.FLOOD_SECONDS`: the project's NEWSROOM_COMMENTS_FLOOD_SECONDS, or the app's default.

    Read at each use, so a test or a reloaded configuration takes effect at once.
    """

    def __getattr__(self, name):
        if name not in DEFAULTS:
            raise AttributeError(name)
        value = getattr(settings, PREFIX + name, DEFAULTS[name])
        return _read(value, DEFAULTS[name]) if isinstance(value, str) else value

    def problems(self):
        """(setting name, what is wrong) for every value that cannot be read, for the system check."""
        found = []
        for name, default in DEFAULTS.items():
            value = getattr(settings, PREFIX + name, default)
            try:
                if isinstance(value, str):
                    _read(value, default)
            except ValueError as error:
                found.append((PREFIX + name, str(error)))
        return found


app_settings = AppSettings()
