"""
Settings for Newsroom, read once from the environment (twelve-factor style).

Every default is the safe one for production: DEBUG off, only local hosts
allowed, secure cookies whenever DEBUG is off. `make run` sets what local
development needs; README.md lists every variable.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from newsroom import logging as newsroom_logging
from sanitize.embeds import FRAME_SOURCES as EMBED_FRAME_SOURCES

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name, default=""):
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

# Where the embedded defaults keep their state: SQLite database, uploaded
# media and the generated secret key. Only its owner may enter it: the
# database holds every commenter's email and IP address.
DATA_DIR = Path(env("DJANGO_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
DATA_DIR.chmod(0o700)


def _secret_key():
    """DJANGO_SECRET_KEY, or a random key generated once and kept in DATA_DIR.

    Keeping it on disk (readable only by its owner) makes every process on
    the machine agree on it, and no key is ever shared through the repository.
    """
    if key := env("DJANGO_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if not key:
            raise ImproperlyConfigured(f"{path} is empty: delete it or set DJANGO_SECRET_KEY.") from None
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "newsroom.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "reversion",
    "django_prose_editor",  # the rich-text editor's static files (sanitize/editor.py)
    # Background work (DESIGN.md): Django's tasks API, the backport on 5.2, with the queue in the database.
    # "background" comes before django_tasks_db: its db_worker (the same worker, with the periodic jobs) wins.
    "background",
    "django_tasks",
    "django_tasks_db",
    "newsroom",  # project-wide management commands
    "pictures",
    "articles",
    "live",
    "desk",
    "comments",
    "pages",
]

MIDDLEWARE = [
    "newsroom.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "newsroom.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages rendered for one request; cached pages arrive compressed (pagecache/).
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.middleware.AdminBadInputMiddleware",
    # Last, as django-axes requires: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login against the lockout before Django's own backend runs.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
                "pages.context_processors.footer",
            ],
        },
    },
]

WSGI_APPLICATION = "newsroom.wsgi.application"

# Database: SQLite in WAL mode unless DATABASE_URL points elsewhere.
if env("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL"), conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers
                # wait for it (up to the timeout) instead of failing mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory: tests of concurrent posts then meet SQLite's real (WAL) locking.
            # One per test run (removed at its end), so two runs never share it.
            "TEST": {"NAME": DATA_DIR / f"test-{os.getpid()}.sqlite3"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Caches, every one shared by all worker processes: Redis when REDIS_URL is set, otherwise files in
# DATA_DIR (one machine). "default" holds the versions of what pages show and other shared state; a
# short timeout keeps a Redis outage from stalling pages, which are then served uncached. "pages"
# holds whole rendered pages, each rendered once for all workers (pagecache/; each worker also keeps
# its hottest pages in memory). Search results pages are kept apart in "search": their addresses are
# whatever readers type, and must not push out the pages readers need.
if env("REDIS_URL"):
    CACHES = {
        name: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
        for name, prefix in (("default", ""), ("pages-shared", "pages"), ("search-shared", "search"))
    }
else:
    CACHES = {
        name: {
            "BACKEND": "pagecache.files.SharedFileCache",
            "LOCATION": DATA_DIR / folder,
            "OPTIONS": {"MAX_ENTRIES": entries},  # past it, a third of the files go (Django culls at random)
        }
        for name, folder, entries in (("default", "cache", 100_000), ("pages-shared", "pages", 5_000), ("search-shared", "search", 1_000))
    }
# Each worker keeps the pages it served last in its memory, in front of the shared store.
for name, entries in (("pages", 300), ("search", 100)):
    CACHES[name] = {"BACKEND": "pagecache.store.MemoryInFront", "LOCATION": name, "OPTIONS": {"BEHIND": f"{name}-shared", "MAX_ENTRIES": entries}}
# Sessions (only staff sign in) stay in the database: a Redis outage signs nobody out.

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("DJANGO_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", str(DATA_DIR / "media")))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Media on S3-compatible object storage when a bucket is named; boto3 reads
# AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment itself.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
    AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME") or None
    AWS_S3_CUSTOM_DOMAIN = env("AWS_S3_CUSTOM_DOMAIN") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            # Public pictures at stable addresses: no signed, expiring query strings in pages and feeds.
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    # Where the pictures' URLs point, for the Content-Security-Policy: the CDN domain,
    # or the bucket on its endpoint in path or virtual-host style.
    if AWS_S3_CUSTOM_DOMAIN:
        media_sources = [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    elif AWS_S3_ENDPOINT_URL:
        media_sources = [f"{AWS_S3_ENDPOINT_URL.rstrip('/')}/{AWS_STORAGE_BUCKET_NAME}/"]
    else:
        s3_hosts = ["s3.amazonaws.com", *([f"s3.{AWS_S3_REGION_NAME}.amazonaws.com"] if AWS_S3_REGION_NAME else [])]
        media_sources = [f"https://{host}/{AWS_STORAGE_BUCKET_NAME}/" for host in s3_hosts]
        media_sources += [f"https://{AWS_STORAGE_BUCKET_NAME}.{host}" for host in s3_hosts]
    NEWSROOM_MEDIA_SOURCES = env_list("NEWSROOM_MEDIA_SOURCES") or media_sources
else:
    NEWSROOM_MEDIA_SOURCES = env_list("NEWSROOM_MEDIA_SOURCES")
# Let Django itself serve MEDIA_ROOT (files on disk) for a single-machine install
# whose proxy does not; the reference layout leaves media to the proxy or S3.
NEWSROOM_SERVE_MEDIA = env_bool("NEWSROOM_SERVE_MEDIA") and not AWS_STORAGE_BUCKET_NAME

# Uploads larger than this are refused before Django reads them into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Uploaded pictures and their folders belong to the site's user alone (an embargoed story's
# picture is not public yet); a proxy serving media from disk runs as that user (README).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: console by default, SMTP when EMAIL_HOST is set.
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if env("EMAIL_HOST") else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Newsroom <newsroom@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background work (email, purges) waits in the database's own queue for `manage.py db_worker`:
# nothing new to run, and nothing lost when a worker stops.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "pages"]}}
# Finished tasks (and their errors) stay visible in the admin this many days.
NEWSROOM_TASKS_KEEP_DAYS = env_int("NEWSROOM_TASKS_KEEP_DAYS", 14)

# Security: everything on unless DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
# Preloading is a promise about the whole domain that is slow to take back: the
# operator makes it with DJANGO_SECURE_HSTS_PRELOAD=1, so its reminder is silenced until then.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Trust X-Forwarded-Proto only behind a proxy that sets it.
if env_bool("DJANGO_TRUST_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): scripts and styles only from our own
# static files, nowhere 'unsafe-inline', the admin included. Frames only from the
# embed providers' hosts (sanitize/embeds.py), loaded when a reader asks for one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *NEWSROOM_MEDIA_SOURCES],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "frame-src": ["'self'", *EMBED_FRAME_SOURCES],  # the site's own (the editors' side-by-side preview), embeds
    },
}
NEWSROOM_PERMISSIONS_POLICY_OFF = [
    "accelerometer", "autoplay", "camera", "display-capture", "geolocation", "gyroscope", "interest-cohort",
    "magnetometer", "microphone", "midi", "payment", "usb", "browsing-topics",
]

# Admin logins (django-axes): after AXES_FAILURE_LIMIT failures, further attempts are
# refused until the cool-off has passed (which failures count: AXES_LOCKOUT_PARAMETERS).
# Attempts live in the database, shared by every worker whatever the cache, and
# superusers see them (and can lift a lock) under "Axes" in the admin.
AXES_FAILURE_LIMIT = env_int("NEWSROOM_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NEWSROOM_LOGIN_COOLOFF_MINUTES", 15))
# A username is locked only together with the address the failures came from, so nobody can
# lock an editor out from elsewhere; an address that fails for any usernames is locked too.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "newsroom.views.login_lockout"
AXES_USERNAME_CALLABLE = "newsroom.views.login_username"
# Failures count per client: an IPv4 address, or an IPv6 address's whole /64 (clientip.network).
AXES_CLIENT_IP_CALLABLE = "clientip.client_network"
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# Log lockouts, not a banner at every start nor each attempt's user agent.
AXES_VERBOSE = False

# Newsroom's own settings.
NEWSROOM_SITE_NAME = env("NEWSROOM_SITE_NAME", "Newsroom")
# The public address for absolute links (emails, canonical links, feeds); by default the
# local address that `make run` and `make serve` listen on, so PORT=8080 moves it too.
NEWSROOM_SITE_URL = env("NEWSROOM_SITE_URL") or "http://127.0.0.1:" + env("PORT", "8000")
NEWSROOM_STORIES_PER_PAGE = env_int("NEWSROOM_STORIES_PER_PAGE", 12)
# The publisher's logo in search engines' structured data: a static file's path, or a full URL.
NEWSROOM_PUBLISHER_LOGO = env("NEWSROOM_PUBLISHER_LOGO", "img/publisher-logo.png")
# Where a story shows its corrections: "foot" (after the story) or "top" (before it).
NEWSROOM_CORRECTIONS_AT = env("NEWSROOM_CORRECTIONS_AT", "foot").strip().lower()
if NEWSROOM_CORRECTIONS_AT not in ("foot", "top"):
    raise ImproperlyConfigured(f'NEWSROOM_CORRECTIONS_AT must be "foot" or "top", not {NEWSROOM_CORRECTIONS_AT!r}.')
# The address readers write to (contact page, privacy requests); by default the sender of the site's emails.
NEWSROOM_CONTACT_EMAIL = env("NEWSROOM_CONTACT_EMAIL") or DEFAULT_FROM_EMAIL.rpartition("<")[2].rstrip(">").strip()
# How long proxies and CDNs in front may keep a public page that is the same for everyone.
NEWSROOM_SHARED_CACHE_SECONDS = env_int("NEWSROOM_SHARED_CACHE_SECONDS", 30)
# ...and how long past that they may still serve it while they fetch it again (stale-while-revalidate).
NEWSROOM_SHARED_CACHE_STALE_SECONDS = env_int("NEWSROOM_SHARED_CACHE_STALE_SECONDS", 15)
# After a change, the page from right before it is served for at most this long while one request renders
# the new one (pagecache/store.py); later readers wait for the new page instead.
NEWSROOM_PAGE_STALE_SECONDS = env_int("NEWSROOM_PAGE_STALE_SECONDS", 2)
# The background worker renders changed pages again itself, readers being given the page from right before the
# change meanwhile (pagecache/renew.py); off, the first reader after a change renders it.
NEWSROOM_RENEW_PAGES = env_bool("NEWSROOM_RENEW_PAGES", True)
# Lists (front, section, topic, author pages) show each story's reply count: they are rendered again at least
# this often, as a reply decided on a story moves only that story's page.
NEWSROOM_LIST_COUNTS_SECONDS = env_int("NEWSROOM_LIST_COUNTS_SECONDS", 60)
# Live coverage: an open page asks whether there are new updates every POLL seconds; each worker reuses its
# answer for CHECK_MEMO seconds, and browsers and proxies may keep it CHECK_MAX_AGE seconds. Together they
# must stay under 15 seconds, the longest a new update may take to reach every open page.
NEWSROOM_LIVE_POLL_SECONDS = env_int("NEWSROOM_LIVE_POLL_SECONDS", 10)
NEWSROOM_LIVE_CHECK_MEMO_SECONDS = env_int("NEWSROOM_LIVE_CHECK_MEMO_SECONDS", 1)
NEWSROOM_LIVE_CHECK_MAX_AGE = env_int("NEWSROOM_LIVE_CHECK_MAX_AGE", 3)
if (
    NEWSROOM_LIVE_POLL_SECONDS < 1
    or min(NEWSROOM_LIVE_CHECK_MEMO_SECONDS, NEWSROOM_LIVE_CHECK_MAX_AGE) < 0
    or NEWSROOM_LIVE_POLL_SECONDS + NEWSROOM_LIVE_CHECK_MEMO_SECONDS + NEWSROOM_LIVE_CHECK_MAX_AGE >= 15
):
    raise ImproperlyConfigured(
        "NEWSROOM_LIVE_POLL_SECONDS + NEWSROOM_LIVE_CHECK_MEMO_SECONDS + NEWSROOM_LIVE_CHECK_MAX_AGE must stay under 15 seconds."
    )
NEWSROOM_LIVE_UPDATES_PER_PAGE = env_int("NEWSROOM_LIVE_UPDATES_PER_PAGE", 20)
# Picture uploads beyond these limits are refused (the pixel limit stops decompression bombs).
NEWSROOM_IMAGE_MAX_BYTES = env_int("NEWSROOM_IMAGE_MAX_BYTES", 20 * 1024 * 1024)
NEWSROOM_IMAGE_MAX_PIXELS = env_int("NEWSROOM_IMAGE_MAX_PIXELS", 50_000_000)
# The client IP comes from X-Forwarded-For only when a trusted proxy sets it.
NEWSROOM_TRUST_PROXY = env_bool("DJANGO_TRUST_PROXY")
# The caching proxies in front (Varnish with deploy/varnish/newsroom.vcl) that the background worker tells
# which pages changed, one PURGE each (pagecache/proxy.py); none: nothing to tell.
NEWSROOM_PURGE_URLS = env_list("NEWSROOM_PURGE_URLS")
if any(urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname for url in NEWSROOM_PURGE_URLS):
    raise ImproperlyConfigured(f"NEWSROOM_PURGE_URLS takes http:// or https:// addresses (http://127.0.0.1:6081/), not {NEWSROOM_PURGE_URLS!r}.")

# Replies: the comments app carries its own defaults (comments/conf.py); each NEWSROOM_COMMENTS_*
# variable in the environment overrides one. The hold rule and the moderation and disallowed
# words are only the first values of the discussion settings that moderators edit in the admin.
globals().update({name: value for name, value in os.environ.items() if name.startswith("NEWSROOM_COMMENTS_")})

# One line per event on stdout, with email addresses and secrets masked (newsroom/logging.py).
LOGGING = newsroom_logging.config(env("DJANGO_LOG_LEVEL", "INFO"))
