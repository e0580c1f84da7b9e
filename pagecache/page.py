"""A rendered page as the cache keeps it: compressed once, the same bytes for every reader, and its headers."""

import gzip
import hashlib
import re
import zlib
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.cache import get_conditional_response

ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Request headers that make a GET conditional (If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")


def _etag(address, content):
    """The page's address and its text, not the generation: a page that reads the same after a change
    elsewhere on the site is still "not modified", and one rendered differently (its "2 hours ago" now
    "3 hours ago") is not."""
    digest = hashlib.sha256(address.encode("utf-8", "surrogatepass"))
    digest.update(content)
    return '"' + digest.hexdigest()[:32] + '"'


@dataclass(frozen=True)
class CachedPage:
    """A page kept compressed, as every reader gets it.

    Only the compressed text is kept (a story page with 500 replies: 17 KB, not 144),
    so a worker's memory holds seven times as many pages and each is read back
    faster; the rare reader that does not accept gzip gets it decompressed.
    """

    content_type: str
    etag: str
    compressed: bytes
    robots: str = ""  # the page's X-Robots-Tag ("noindex" for a story kept out of search engines)

    @classmethod
    def from_response(cls, response, address):
        content = response.content
        return cls(
            response["Content-Type"], _etag(address, content), gzip.compress(content, mtime=0),
            response.get("X-Robots-Tag", ""),
        )

    def respond(self, request, *, control, keys=None):
        """The page for `request`, with `control` as its Cache-Control and, for a page proxies may keep,
        the `keys` it shows as its Surrogate-Key (what a proxy purges by, e.g. Varnish's xkey)."""
        response = None
        if any(header in request.META for header in CONDITIONAL_HEADERS):
            response = get_conditional_response(request, etag=self.etag)
        if response is None:
            body = self.compressed
            compressed = bool(ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")))
            if not compressed:
                body = zlib.decompress(body, wbits=16 + zlib.MAX_WBITS)
            response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=self.content_type)
            response["Content-Length"] = str(len(body))
            if compressed:
                response["Content-Encoding"] = "gzip"
        # Set, not patched: the response is new, and this is every cached page's hottest line.
        response["ETag"] = self.etag
        response["Vary"] = "Accept-Encoding"
        response["Cache-Control"] = control
        if self.robots:
            response["X-Robots-Tag"] = self.robots
        if keys:
            response["Surrogate-Key"] = " ".join(sorted(keys))
        return response
