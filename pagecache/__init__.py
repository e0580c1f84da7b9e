"""Whole pages for readers, cached, shared by every worker and any proxy, and never wrong.

A page that is the same for every reader (front, section and story pages, feeds,
sitemaps) is rendered once and then served until something it shows changes:

- Each page says what it shows while it renders (`shows(request, *keys)`): short
  keys such as "story-12", "replies-12", "section-3", "topic-7", "author-2",
  "latest" (the site-wide lists), and always "site". Each app says which keys a
  change moves (`changed(*keys)`, `watch(model, keys=...)`, in its apps.py): a
  reply decided moves its story's "replies-<id>" only (and asks no schedule:
  `reschedule=False`, no scheduled moment depends on replies); a story saved moves the
  story and the lists it is in; sections, the front page's curation, the site's
  pages and scheduled moments (`register_schedule()`) move "site", which every
  page shows. A page is served while every key it shows holds the version it
  was rendered with (versions.py): a change shows on the very next request,
  whichever worker answers, and costs no round trip to Redis when nothing moved.
- Pages are kept where every worker finds them (`caches["pages"]`: Redis, or
  files under DATA_DIR), with the hottest in each worker's memory (store.py).
  After a change the background worker renders the pages noted under its keys
  (renew.py), and one reader renders any it has not reached; meanwhile readers
  get the page from right before the change for a couple of seconds at most.
- A page readers may share carries `Cache-Control: public, s-maxage` and a
  `Surrogate-Key` naming its keys, so a proxy (Varnish with xkey) keeps it and
  purges it by key: `after_change(listener)` hears each change's keys after commit.
- A request that carries anything personal (a signed-in session, messages
  waiting: `PERSONAL_COOKIES`) is never served from the cache nor stored in it;
  its answer is private. So is one that a view or a template tag marks with
  `personal()` while rendering (a moderator's buttons). A reply author's token
  is not personal: what is theirs comes from a request of its own (below).
- Only canonical pages are kept (`cached_for_readers(query=...)`, addresses.py),
  so made-up addresses cannot fill the cache and push the front page out.
- A cached page is the same bytes for every reader: a page that sets a cookie or
  carries a CSRF token (one reader's) is not kept. What is a reader's own comes
  from a request of its own (comments: /comments/for-me/).

When the shared cache is down, pages are rendered as if nothing were cached.
It imports no app: each app tells it what changes and what it shows.
"""

import hashlib
import logging
import math
import time
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from . import renew, store, versions
from .addresses import NotAnAddress, canonical_query, choice, number, page_address, shown, text, word  # noqa: F401 (part of the API)
from .page import CachedPage
from .versions import (  # noqa: F401 (part of the API)
    SITE,
    after_change,
    changed,
    current,
    generation,
    per_generation,
    register_schedule,
    watch,
)

logger = logging.getLogger(__name__)

# Cookies that make a request personal; apps add theirs (comments: the reply author's token).
PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}
# A cached page never outlives this, whatever else happens (a belt to the versions' braces).
MAX_AGE = 600
CSRF_FIELD = b'name="csrfmiddlewaretoken"'

_warned_at = [-math.inf]


def shows(request, *keys):
    """The page being rendered shows these things ("story-12", "section-3"...): it is rendered again when
    any of them changes (`changed()`). Every page shows "site" without saying so."""
    if not hasattr(request, "page_shows"):
        request.page_shows = set()
    request.page_shows.update(keys)


def changes_at(request, moment):
    """This page, as rendered for `request`, changes by itself at `moment` (e.g. "2 hours ago" turning to "3"):
    it is kept no longer than that. The earliest moment named while rendering wins."""
    current = getattr(request, "page_changes_at", None)
    if current is None or moment < current:
        request.page_changes_at = moment


def personal(request):
    """Mark this request's answer as personal (e.g. it shows a moderator's buttons): it is neither served
    from the cache nor kept in it, whatever its cookies say."""
    request.page_is_personal = True


def forget_generation():
    """This thread reads every version afresh at its next request, as after a lost connection to Redis
    (the tests empty the caches between tests)."""
    versions.forget_generation()


def shared_control():
    """Cache-Control of a page any proxy may keep: browsers ask again each time, proxies keep it
    NEWSROOM_SHARED_CACHE_SECONDS (purged by key sooner) and may serve it a little longer while they ask."""
    return (
        f"public, max-age=0, s-maxage={settings.NEWSROOM_SHARED_CACHE_SECONDS}, "
        f"stale-while-revalidate={settings.NEWSROOM_SHARED_CACHE_STALE_SECONDS}"
    )


# Pages.


def is_personal(request):
    return (
        request.method not in ("GET", "HEAD")
        or getattr(request, "page_is_personal", False)
        or any(name in request.COOKIES for name in PERSONAL_COOKIES)
    )


def _render(view, request, args, kwargs, query, asked):
    """The view's response, or a redirect when the page it rendered is another address's (`shown()`)."""
    response = view(request, *args, **kwargs)
    if hasattr(response, "render"):
        response.render()  # a TemplateResponse (the sitemap's) renders late; the cache needs its text
    said = {name: value if value is None else query[name](str(value)) for name, value in getattr(request, "page_shown", {}).items()}
    if response.status_code == 200 and any(asked.get(name) != value for name, value in said.items()):
        own = {name: value for name, value in {**asked, **said}.items() if value is not None}
        # Temporary: the page asked for may be there later (a reply approved makes a page more).
        return HttpResponseRedirect(page_address(request, own))
    return response


def cached_for_readers(*, query=None, cache_name="pages", shows=(), renewed=True):
    """Serve a view's page from the cache to every reader it is the same for.

    `query` names the query parameters the page reads, each with its parser (`number`,
    `word`, `text`): the view sees only those, as the site writes them (canonical_query),
    and the cache key is made of them, so only canonical pages take a place in the cache.
    `shows` names keys the page shows whatever it renders (a feed of the latest stories:
    "latest"); the view names the others while rendering (`shows()`).
    `cache_name` is the cache the pages are kept in: pages whose addresses readers make up
    (search results) go to one of their own, so they cannot push the others out.
    `renewed`: the background worker renders the page again after a change (renew.py); not for answers
    that are asked for once or twice and then never again (what changed since a version).
    A view marks one answer as not for the cache with Cache-Control private (an editor's preview).
    """
    query = query or {}
    always = {SITE, *shows}

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                asked = canonical_query(request, query)
            except NotAnAddress as error:
                if error.response is None:
                    raise Http404("No such page.") from None
                return error.response
            request.GET = QueryDict(urlencode(asked))  # what the page is rendered from: nothing else asked
            if is_personal(request):
                response = _render(view, request, args, kwargs, query, asked)
                patch_cache_control(response, private=True, no_store=True)
                return response
            params = urlencode(asked)
            if params:  # whatever a reader typed (a search), made short
                params = hashlib.sha256(params.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            address = f"{request.path}?{params}"

            def render():
                started = time.time_ns()
                try:
                    response = _render(view, request, args, kwargs, query, asked)
                except Exception as error:  # the view's own (a 404): not the cache's, so not rendered twice
                    raise _ViewRaised(error) from error
                if is_personal(request):  # found out while rendering (personal())
                    patch_cache_control(response, private=True, no_store=True)
                    return response
                if not _cacheable(response):
                    return response
                page = CachedPage.from_response(response, address=address)
                shown_now = current(always | getattr(request, "page_shows", set()))
                stamps = {key: version.stamp for key, version in shown_now.items()}
                entry = store.Entry(address, page, stamps, timezone.now().timestamp() + _lifetime(request), started)
                if entry.is_current():  # else something it shows moved while it rendered: served once, not kept
                    store.keep(cache_name, address, entry, _lifetime(request))
                    if renewed and cache_name == "pages":  # (not search results: readers make up their addresses)
                        renew.remember(page_address(request, asked), address, stamps, _lifetime(request))
                return entry

            try:
                found, state = store.once(cache_name, address, render, renewing=renew.RENEWING in request.META)
            except _ViewRaised as raised:
                raise raised.error  # noqa: B904 (the view's exception as it raised it)
            except Exception as error:  # Redis down, a full disk: serve uncached rather than fail
                _warn(error)
                response = _render(view, request, args, kwargs, query, asked)
                patch_cache_control(response, no_cache=True)
                return response
            if not isinstance(found, store.Entry):
                return found
            if hasattr(session := getattr(request, "session", None), "accessed"):
                session.accessed = False  # read only to learn the page is not personal: no Vary: Cookie
            page = found.page
            if state != store.FRESH or not found.is_current():
                return page.respond(request, control="no-cache")  # out of date already: no proxy may keep it
            return page.respond(request, control=shared_control(), keys=found.versions)

        wrapped.page_cache = cache_name  # how the tests find every cached view in the URLconf
        return wrapped

    return decorator


class _ViewRaised(Exception):
    def __init__(self, error):
        self.error = error


def _warn(error):
    if time.monotonic() - _warned_at[0] >= 60:  # once a minute, not once a request
        _warned_at[0] = time.monotonic()
        logger.warning("Page cache unavailable, serving uncached: %s: %s", type(error).__name__, error)


def _cacheable(response):
    """A page every reader may get: a 200, not marked private, setting no cookie and holding no
    CSRF token (both would be one reader's: a form that needs one asks for it, as comments' does)."""
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and "private" not in control
        and "no-store" not in control
        and not response.cookies
        and CSRF_FIELD not in response.content
    )


def _lifetime(request):
    """Seconds a rendered page is kept: MAX_AGE, or less when it changes by itself sooner (changes_at)."""
    moment = getattr(request, "page_changes_at", None)
    if moment is None:
        return MAX_AGE
    return max(1, min(MAX_AGE, math.ceil((moment - timezone.now()).total_seconds())))
