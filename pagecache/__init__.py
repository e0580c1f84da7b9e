"""Whole pages for readers, cached, and never wrong.

A page that is the same for every reader (front, section and story pages, feeds,
sitemaps) is rendered once and then served from memory until something readers
can see changes. Three rules make that safe:

- Every cache key carries the site's *generation*: a number kept in the shared
  cache (Redis, or files on disk for the embedded default) that moves on with
  every change readers can see (`changed()`: a story saved, a reply approved, a
  picture replaced) and by itself when a scheduled moment arrives (a story's
  publish time, replies closing: `register_schedule()`). Every worker reads it
  on every request, so a change shows on the very next one, whichever worker
  answers. With Redis, a worker hears of each change instead of asking for the
  generation each time (`HeardGeneration`): a round trip costs as much as the page.
- A request that carries anything personal (a signed-in session, messages
  waiting, a reply author's token: `PERSONAL_COOKIES`) is never served from the
  cache nor stored in it; its answer is private. So is one that a view or a
  template tag marks with `personal()` while rendering (a moderator's buttons).
- Only canonical pages are kept (`cached_for_readers(query=...)`): each query
  parameter a page reads is parsed, and a value written otherwise than the site
  writes it is redirected to the canonical address, one that is no address at
  all is a 404, and parameters the page does not read (utm_*, fbclid) are served
  the canonical page without reaching the view or the key. So made-up addresses
  cannot fill the cache and push the front page out.
- The few values that must differ per reader, the CSRF token and a reply form's
  signed timestamp, are holes in the cached page (`hole()`), filled afresh for
  each request. The page is compressed once, hole by hole (`Compressed`), so a
  filled page costs no compression of its own.

Pages live in each worker's memory (`caches["pages"]`). When the shared cache
is down, pages are rendered as if nothing were cached.

It imports no app: each app tells it what it shows (`watch()`, `register_schedule()`, in its apps.py).
"""

import hashlib
import logging
import math
import os
import re
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from functools import wraps

import redis
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import urlencode
from redis.backoff import NoBackoff
from redis.retry import Retry

from .addresses import NotAnAddress, canonical_query, number, page_address, shown, text, word  # noqa: F401 (part of the API)

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
# Cookies that make a request personal; apps add theirs (comments: the reply author's token).
PERSONAL_COOKIES = {settings.SESSION_COOKIE_NAME, "messages"}
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Request headers that make a GET conditional (If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
# A cached page never outlives this, whatever else happens (a belt to the generation's braces).
MAX_AGE = 600

_schedules = []
_fillers = {"csrf": lambda request: get_token(request)}
_memo = {}  # name: (generation, value), see per_generation()
_this_thread = threading.local()  # a change not yet announced (bump), the generation as heard (heard), warned_at


def register_schedule(next_moment):
    """`next_moment()` gives the next time (or None) at which public pages change by themselves."""
    _schedules.append(next_moment)


def register_filler(name, fill):
    """`fill(request, *args)` gives the text of a hole named `name` for one request."""
    _fillers[name] = fill


def changes_at(request, moment):
    """This page, as rendered for `request`, changes by itself at `moment` (e.g. "2 hours ago" turning to "3"):
    it is kept no longer than that. The earliest moment named while rendering wins."""
    current = getattr(request, "page_changes_at", None)
    if current is None or moment < current:
        request.page_changes_at = moment


def hole(request, value, filler, *args):
    """Mark `value`, printed in this response, as differing per reader: `filler` makes it afresh each time."""
    if not hasattr(request, "page_holes"):
        request.page_holes = []
    request.page_holes.append((value, filler, args))
    return value


def personal(request):
    """Mark this request's answer as personal (e.g. it shows a moderator's buttons): it is neither served
    from the cache nor kept in it, whatever its cookies say."""
    request.page_is_personal = True


# The generation.


def generation():
    """The current generation, or None when the shared cache cannot be reached (then nothing is cached)."""
    try:
        if getattr(_this_thread, "bump", False):
            _bump()
        current = _heard().get() if _with_redis() else cache.get(GENERATION_KEY)
        if current is None or (current[1] is not None and timezone.now().timestamp() >= current[1]):
            current = _bump()
        return current[0]
    except Exception as error:  # Redis down, a full disk: serve uncached rather than fail
        if time.monotonic() - getattr(_this_thread, "warned_at", -60) >= 60:  # once a minute, not once a request
            _this_thread.warned_at = time.monotonic()
            logger.warning("Page cache unavailable, serving uncached: %s: %s", type(error).__name__, error)
        return None


def changed():
    """Something readers can see has changed: cached pages are not served again.

    The generation moves on now and once more when the change commits: a page
    rendered in between, from what was still the old data, is not served after it.
    """
    _bump_or_owe()
    transaction.on_commit(_bump_or_owe)


def watch(*models):
    """Saving or deleting any of `models` (things readers see, in any page, list or feed) is a change()."""
    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(_model_changed, sender=model, dispatch_uid=f"pagecache.watch.{model._meta.label}")


def _model_changed(sender, **kwargs):
    changed()


def _bump_or_owe():
    try:
        _bump()
    except Exception as error:
        # Remembered: this process moves the generation on before it serves another cached page.
        _this_thread.bump = True
        logger.error("Could not mark cached pages as out of date: %s: %s", type(error).__name__, error)


def _bump():
    """A new generation, valid until the next scheduled change; numbers grow, so none is ever reused."""
    moments = [moment for moment in (schedule() for schedule in _schedules) if moment is not None]
    valid_until = min(moments).timestamp() if moments else None
    current = (time.time_ns(), valid_until)
    cache.set(GENERATION_KEY, current, timeout=None)
    if _with_redis():
        _heard().announce(current)
    _this_thread.bump = False
    return current


def forget_generation():
    """This thread reads the generation afresh at its next request, as after a lost connection to Redis
    (the tests empty the cache between tests)."""
    if heard := getattr(_this_thread, "heard", None):
        heard.value = None


def _with_redis():
    return isinstance(caches[DEFAULT_CACHE_ALIAS], RedisCache)  # `cache` is a proxy: isinstance() cannot see through it


def _heard():
    if getattr(_this_thread, "heard", None) is None:
        _this_thread.heard = HeardGeneration(caches[DEFAULT_CACHE_ALIAS])
    return _this_thread.heard


class HeardGeneration:
    """The generation as this thread last heard it from Redis, so a page from the cache costs no round trip.

    Reading the generation from Redis on every request costs a round trip to another process,
    as much as the rest of a cached page. Instead each change is announced on a channel
    (`announce()`), and each worker thread listens on a connection of its own: a request only
    looks, without waiting, whether anything came, and reads the generation again when it did.
    A subscription's confirmation counts as news too, so nothing announced before it is missed.
    The generation is also read again at least once a second, and on every request while
    listening fails (Redis down: then nothing is cached anyway); listening is tried again
    every few seconds. A lost connection is noticed at the next request (its socket reads as
    closed), so a change is never missed for longer than that request.
    """

    RECHECK_SECONDS = 1.0
    RETRY_SECONDS = 5.0

    def __init__(self, redis_cache):
        self.cache = redis_cache
        self.channel = redis_cache.make_key(GENERATION_KEY)
        # The cache's own server and timeouts; no retries: a lost connection must be seen, not hidden.
        configured = settings.CACHES[DEFAULT_CACHE_ALIAS]
        self.client = redis.Redis.from_url(
            configured["LOCATION"], retry=Retry(NoBackoff(), 0),
            **{name: value for name, value in configured.get("OPTIONS", {}).items() if name.startswith("socket_")},
        )
        self.pid = os.getpid()
        self.listening = None  # the PubSub, once subscribed
        self.value, self.read_at, self.retry_at = None, -math.inf, 0.0

    def get(self):
        now = time.monotonic()
        if self.pid != os.getpid():  # a forked worker: the parent's connections are not its own
            self.__init__(self.cache)
        if self.listening is None and now >= self.retry_at:
            self._listen(now)
        if self.listening is not None:
            try:
                while self.listening.get_message(timeout=0) is not None:
                    self.value = None
            except Exception:
                self.listening, self.value, self.retry_at = None, None, now + self.RETRY_SECONDS
        if self.listening is None or self.value is None or now - self.read_at >= self.RECHECK_SECONDS:
            self.value = None  # should the read fail, nothing stale is left to serve
            self.value, self.read_at = self.cache.get(GENERATION_KEY), now
        return self.value

    def announce(self, current):
        """Tell every listener that the generation is now `current` (already stored)."""
        self.value, self.read_at = current, time.monotonic()
        self.client.publish(self.channel, b"")

    def _listen(self, now):
        try:
            listening = self.client.pubsub()
            listening.subscribe(self.channel)
        except Exception:
            self.retry_at = now + self.RETRY_SECONDS
            return
        self.listening, self.value = listening, None


def per_generation(name, compute):
    """`compute()`, remembered in this process until the generation moves on (e.g. the sections list)."""
    current = generation()
    if current is None:
        return compute()
    remembered = _memo.get(name)
    if remembered is None or remembered[0] != current:
        remembered = _memo[name] = (current, compute())
    return remembered[1]


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


def cached_for_readers(*, query=None, shared=True, cache_name="pages"):
    """Serve a view's page from the cache to every reader it is the same for.

    `query` names the query parameters the page reads, each with its parser (`number`,
    `word`, `text`): the view sees only those, as the site writes them (canonical_query),
    and the cache key is made of them, so only canonical pages take a place in the cache.
    `shared` says whether proxies and CDNs may keep the page too: not when it has holes.
    `cache_name` is the cache the pages are kept in: pages whose addresses readers make up
    (search results) go to one of their own, so they cannot push the others out.
    A view marks one answer as not for the cache with Cache-Control private (an editor's preview).
    """
    query = query or {}

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
            current = generation()
            if current is None:
                response = _render(view, request, args, kwargs, query, asked)
                patch_cache_control(response, no_cache=True)
                return response
            params = urlencode(asked)
            if params:  # whatever a reader typed (a search), made a short key any cache backend takes
                params = hashlib.sha256(params.encode("utf-8", "surrogatepass")).hexdigest()[:32]
            address = f"{request.path}?{params}"
            key = f"page:{current}:{address}"
            page = caches[cache_name].get(key)
            if page is None:
                response = _render(view, request, args, kwargs, query, asked)
                if is_personal(request):  # found out while rendering (personal())
                    patch_cache_control(response, private=True, no_store=True)
                    return response
                if not _cacheable(response):
                    return response
                page = CachedPage.from_response(response, getattr(request, "page_holes", []), address=address)
                caches[cache_name].set(key, page, _lifetime(request))
            return page.respond(request, shared=shared and not page.holes)

        return wrapped

    return decorator


def _cacheable(response):
    control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and "private" not in control
        and "no-store" not in control
        and not [name for name in response.cookies if name != settings.CSRF_COOKIE_NAME]
    )


def _lifetime(request):
    """Seconds a rendered page is kept: MAX_AGE, or less when it changes by itself sooner (changes_at)."""
    moment = getattr(request, "page_changes_at", None)
    if moment is None:
        return MAX_AGE
    return max(1, min(MAX_AGE, math.ceil((moment - timezone.now()).total_seconds())))


def _etag(address, content):
    """The page's address and its text, not the generation: a page that reads the same after a change
    elsewhere on the site is still "not modified", and one rendered differently (its "2 hours ago" now
    "3 hours ago") is not."""
    digest = hashlib.sha256(address.encode("utf-8", "surrogatepass"))
    digest.update(content)
    return '"' + digest.hexdigest()[:32] + '"'


@dataclass(frozen=True)
class CachedPage:
    """A page kept compressed, as text between holes, with what fills each hole.

    Only the compressed text is kept (a story page with 500 replies: 17 KB, not 144),
    so a worker's memory holds seven times as many pages and each is read back
    faster; the rare reader that does not accept gzip gets it decompressed.
    """

    content_type: str
    etag: str
    holes: tuple  # (filler, args) for each hole
    compressed: "Compressed"

    @classmethod
    def from_response(cls, response, recorded_holes, address):
        content = response.content
        found = [(match.start(1), match.end(1), "csrf", ()) for match in CSRF_FIELD.finditer(content)]
        for value, filler, args in recorded_holes:
            value = value.encode()
            start = content.find(value)
            while start != -1:
                found.append((start, start + len(value), filler, args))
                start = content.find(value, start + len(value))
        found.sort()
        pieces, holes, position = [], [], 0
        for start, end, filler, args in found:
            pieces.append(content[position:start])
            holes.append((filler, args))
            position = end
        pieces.append(content[position:])
        etag = _etag(address, b"".join(pieces))  # the text between holes: what is the same for every reader
        return cls(response["Content-Type"], etag, tuple(holes), Compressed.of(pieces))

    def respond(self, request, *, shared):
        response = None
        if any(header in request.META for header in CONDITIONAL_HEADERS):
            response = get_conditional_response(request, etag=self.etag)
        if response is None:
            fills = [_fillers[filler](request, *args).encode() for filler, args in self.holes]
            body = self.compressed.filled(fills)
            gzip = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
            if not gzip:
                body = zlib.decompress(body, wbits=16 + zlib.MAX_WBITS)
            response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=self.content_type)
            response["Content-Length"] = str(len(body))
            if gzip:
                response["Content-Encoding"] = "gzip"
        # Set, not patched: the response is new, and this is every cached page's hottest line.
        response["ETag"] = self.etag
        response["Vary"] = "Accept-Encoding"
        if shared:
            response["Cache-Control"] = f"public, max-age=0, s-maxage={settings.NEWSROOM_SHARED_CACHE_SECONDS}"
        else:
            response["Cache-Control"] = "private, max-age=0, must-revalidate"
        return response


@dataclass(frozen=True)
class Compressed:
    """A gzip file made of pieces compressed once each, with the holes' text compressed per request.

    Each piece is a run of deflate blocks ending on a byte boundary (a full flush),
    so pieces from separate compressors follow one another in one valid stream, and
    a hole's text goes between them as a stored (uncompressed) block; the checksum
    runs on from the first piece's, so only the text after it is summed again.
    """

    pieces: tuple  # compressed bytes of each piece
    first_crc: int
    first_size: int
    tails: tuple  # the raw pieces after the first, for the checksum

    HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, deflate, no name or time, unknown OS
    END = b"\x03\x00"  # an empty final block

    @classmethod
    def of(cls, pieces):
        return cls(tuple(_deflate(piece) for piece in pieces), zlib.crc32(pieces[0]), len(pieces[0]), tuple(pieces[1:]))

    def filled(self, fills):
        crc, size = self.first_crc, self.first_size
        parts = [self.HEADER, self.pieces[0]]
        for fill, compressed, raw in zip(fills, self.pieces[1:], self.tails, strict=True):
            parts += [_stored(fill), compressed]
            crc = zlib.crc32(raw, zlib.crc32(fill, crc))
            size += len(fill) + len(raw)
        parts += [self.END, struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF)]
        return b"".join(parts)


def _deflate(data, level=6):
    compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _stored(data):
    """`data` as deflate "stored" blocks, not compressed: a hole's few bytes cost no compressor."""
    blocks = [data[start : start + 0xFFFF] for start in range(0, len(data), 0xFFFF)] or [b""]
    return b"".join(b"\x00" + struct.pack("<HH", len(block), len(block) ^ 0xFFFF) + block for block in blocks)

