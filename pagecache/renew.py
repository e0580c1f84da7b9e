"""Changed pages rendered again by the background worker, so that no reader waits on a render.

When a page is kept, the store notes its address under each key it shows (`remember()`). When a change
commits, the pages noted under the keys that moved are claimed (store.claim: readers get the page from right
before the change, as while a reader renders it) and the worker asks the site for each, as a reader with no
cookie would, and keeps the new page (`renew`). A claim lasts NEWSROOM_PAGE_STALE_SECONDS at most: a page the
worker has not reached by then is rendered by the next reader, as without it; so is a page never noted. Then
the proxies in front are told (proxy.py), and fetch a page that is ready. A moderator approving replies on a
breaking story so costs readers no render.

A change of the whole site ("site") is not renewed: every page at once is more than a worker renders in
that window; readers render those, one request per page. The notes are kept in the default cache as a
small dict per key, read and written whole: two workers keeping pages at the same instant may lose one
note, and that page is then rendered by a reader. NEWSROOM_RENEW_PAGES turns it off.
"""

import functools
import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.handlers.base import BaseHandler
from django.test import RequestFactory

from background import READERS_QUEUE, task

from .proxy import purge_changed
from .store import claim
from .versions import SITE

logger = logging.getLogger("pagecache")

NOTES_PREFIX = "pages:showing:"
# The pages noted under one key: the most recently kept. (A story's pages of replies, a section's pages.)
PAGES_PER_KEY = 20
# A renewal goes before the purges (50), which then find the new page, and before the emails.
PRIORITY = 60
# What tells the page cache that the worker asks (store.once): a request's META, which no header can set.
RENEWING = "newsroom.renewing"


def is_on():
    return settings.NEWSROOM_RENEW_PAGES


def remember(address, kept_as, keys, kept_for):
    """The page at `address` (its path and canonical query; in the store: `kept_as`) was kept, showing `keys`,
    for `kept_for` seconds."""
    names = [NOTES_PREFIX + key for key in keys if key != SITE]
    if not is_on() or not names:
        return
    notes = caches[DEFAULT_CACHE_ALIAS]
    found, now = notes.get_many(names), time.time()
    updated = {}
    for name in names:
        pages = {page: noted for page, noted in found.get(name, {}).items() if noted[1] > now and page != address}
        pages[address] = (kept_as, now + kept_for)
        updated[name] = dict(sorted(pages.items(), key=lambda page: page[1][1])[-PAGES_PER_KEY:])
    notes.set_many(updated, timeout=max(kept_for, 1))


def showing(keys):
    """{address: its address in the store} of the pages kept that show any of `keys`: those showing most of them
    first (the story changed before the lists it is on), then those kept longest."""
    notes = caches[DEFAULT_CACHE_ALIAS].get_many([NOTES_PREFIX + key for key in keys if key != SITE])
    now, pages, order = time.time(), {}, {}
    for noted in notes.values():
        for page, (kept_as, until) in noted.items():
            if until > now:
                pages[page] = kept_as
                shown, latest = order.get(page, (0, 0))
                order[page] = (shown + 1, max(until, latest))
    return {page: pages[page] for page in sorted(pages, key=order.get, reverse=True)}


def renew_changed(keys):
    """The listener to every change (after_change): the pages showing `keys` are claimed for the worker, which
    renders them again and then tells the proxies; or only the proxies are told, when there is nothing to render."""
    try:
        pages = showing(keys) if is_on() and SITE not in keys else {}
        for kept_as in pages.values():
            claim(kept_as)
    except Exception as error:  # the shared cache is down: readers render pages uncached, the proxies still hear
        logger.warning("Changed pages left to readers: %s: %s", type(error).__name__, error)
        pages = {}
    if pages:
        renew.enqueue(sorted(keys))
    else:
        purge_changed(keys)


@task(priority=PRIORITY, queue_name=READERS_QUEUE)
def renew(keys):
    """Render the pages showing `keys` again, as a reader would ask for them; then tell the proxies in front."""
    try:
        for address in showing(keys):
            try:
                ask(address)
            except Exception:
                logger.exception("Could not render %s again after a change", address)
    finally:
        purge_changed(set(keys))


def ask(address):
    """The site's answer to a reader with no cookie asking for `address`, through every middleware, at the
    site's own host (NEWSROOM_SITE_URL), over https as the proxy in front says it where readers come by https."""
    site = urlsplit(settings.NEWSROOM_SITE_URL)
    secure = site.scheme == "https" or settings.SECURE_SSL_REDIRECT
    meta = {"HTTP_HOST": site.netloc, "REMOTE_ADDR": "127.0.0.1", RENEWING: True}
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        meta[header] = value
    response = _handler().get_response(RequestFactory().get(address, secure=secure, **meta))
    if response.status_code != 200:
        logger.warning("Rendering %s again answered %s", address, response.status_code)
    return response


@functools.cache
def _handler():
    handler = BaseHandler()
    handler.load_middleware()
    return handler
