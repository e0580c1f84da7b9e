"""A rendered page as the cache keeps it: compressed once, with holes filled per request, and its headers."""

import hashlib
import re
import struct
import zlib
from dataclasses import dataclass

from django.http import HttpResponse
from django.utils.cache import get_conditional_response

CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Request headers that make a GET conditional (If-None-Match, If-Modified-Since, If-Match, If-Unmodified-Since).
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH", "HTTP_IF_UNMODIFIED_SINCE")
_fillers = {}


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

    def respond(self, request, *, control, keys=None):
        """The page for `request`, with `control` as its Cache-Control and, for a page proxies may keep,
        the `keys` it shows as its Surrogate-Key (what a proxy purges by, e.g. Varnish's xkey)."""
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
        response["Cache-Control"] = control
        if keys:
            response["Surrogate-Key"] = " ".join(sorted(keys))
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

