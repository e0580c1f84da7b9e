"""Embeds that respect readers' privacy: the providers the site knows, and the card a link to one becomes.

A paragraph of sanitised HTML whose only content is a link (or a bare address) to a post, a video or a map
of a provider below becomes a card (`with_embeds`): the provider's name, the link, and a button saying where
the content would come from ("Show the post from X: this loads content from x.com"). Nothing is fetched
from the provider until the reader presses it; then static/js/embeds.js puts a sandboxed frame in the card's
place. Without JavaScript the card stays a plain link. The frame's address is built here from the parts read
out of the link (an id, a user name, coordinates), each checked against a narrow pattern, never from text as
typed, so a link can only ever lead to the provider's own embed page.

PROVIDERS is the one list: adding a provider is adding one entry. FRAME_SOURCES, every host a frame may load
from, goes into the Content-Security-Policy's frame-src (newsroom/settings.py), and nowhere else.

It works on HTML that has been through the sanitiser (story bodies, live updates: whatever they were written
in), at render time, so a provider added today turns yesterday's links into cards too, and feeds and
structured data keep the plain link.
"""

import html
import math
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

# Mastodon is many servers: the ones whose posts the site embeds (each is named in the CSP).
MASTODON_SERVERS = ("mastodon.social", "mastodon.online", "mastodon.world", "mas.to", "mstdn.social", "fosstodon.org")

_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DIGITS = re.compile(r"[0-9]{1,25}")
_HANDLE = re.compile(r"(?:did:plc:[a-z2-7]{24}|did:web:[a-z0-9.-]{1,253}|[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+)")
_USER = re.compile(r"[A-Za-z0-9_]{1,30}(?:@[A-Za-z0-9.-]{1,253})?")


@dataclass(frozen=True)
class Provider:
    """A source of embeds: its name, what it shows ("post", "video", "map"), the domain readers are told
    content comes from (None: the frame's own host), the hosts of its links, the hosts its frames load from, and `frame(parts)`, which
    reads a link (urlsplit parts) and gives the frame's address, or None for a link it does not embed."""

    name: str
    kind: str
    domain: str
    link_hosts: tuple
    frame_hosts: tuple
    frame: object


def _segments(parts):
    return [segment for segment in parts.path.split("/") if segment]


def _x(parts):
    path = _segments(parts)
    if len(path) >= 3 and path[1] == "status" and _USER.fullmatch(path[0]) and _DIGITS.fullmatch(path[2]):
        return "https://platform.twitter.com/embed/Tweet.html?" + urlencode({"id": path[2], "dnt": "true"})
    return None


def _youtube(parts):
    path = _segments(parts)
    if parts.hostname == "youtu.be":
        video = path[0] if path else ""
    elif path[:1] == ["watch"]:
        video = parse_qs(parts.query).get("v", [""])[0]
    elif len(path) >= 2 and path[0] in ("shorts", "live", "embed"):
        video = path[1]
    else:
        return None
    return f"https://www.youtube-nocookie.com/embed/{video}" if re.fullmatch(r"[A-Za-z0-9_-]{11}", video) else None


def _vimeo(parts):
    path = _segments(parts)
    if parts.hostname == "player.vimeo.com":
        path = path[1:] if path[:1] == ["video"] else []
    video = path[0] if path else ""
    return f"https://player.vimeo.com/video/{video}?dnt=1" if _DIGITS.fullmatch(video) else None


def _bluesky(parts):
    path = _segments(parts)
    if len(path) == 4 and path[0] == "profile" and path[2] == "post" and _HANDLE.fullmatch(path[1]) and _ID.fullmatch(path[3]):
        return f"https://embed.bsky.app/embed/{path[1]}/app.bsky.feed.post/{path[3]}"
    return None


def _mastodon(parts):
    path = _segments(parts)
    if len(path) >= 2 and path[0].startswith("@") and _USER.fullmatch(path[0][1:]) and _DIGITS.fullmatch(path[1]):
        return f"https://{parts.hostname}/{path[0]}/{path[1]}/embed"
    return None


def _instagram(parts):
    path = _segments(parts)
    if len(path) >= 2 and path[0] in ("p", "reel", "tv") and _ID.fullmatch(path[1]):
        return f"https://www.instagram.com/{path[0]}/{path[1]}/embed/"
    return None


def _openstreetmap(parts):
    """A map at the link's #map=zoom/lat/lon (a marker at ?mlat=&mlon= when there is one)."""
    found = re.fullmatch(r"map=([0-9]{1,2})/(-?[0-9]{1,2}(?:\.[0-9]{1,8})?)/(-?[0-9]{1,3}(?:\.[0-9]{1,8})?)(?:&.*)?", parts.fragment)
    if not found:
        return None
    zoom, lat, lon = int(found[1]), float(found[2]), float(found[3])
    if zoom > 19 or abs(lat) > 85 or abs(lon) > 180:
        return None
    half_width = min(180.0, 360 / 2**zoom * 1.5)
    half_height = half_width * max(0.1, math.cos(math.radians(lat))) * 0.6
    bbox = ",".join(f"{value:.5f}" for value in (max(-180, lon - half_width), max(-85, lat - half_height),
                                                  min(180, lon + half_width), min(85, lat + half_height)))
    query = {"bbox": bbox, "layer": "mapnik"}
    marker = parse_qs(parts.query)
    try:
        mlat, mlon = float(marker["mlat"][0]), float(marker["mlon"][0])
    except (KeyError, ValueError):
        mlat, mlon = lat, lon
    if abs(mlat) <= 85 and abs(mlon) <= 180:
        query["marker"] = f"{mlat:.5f},{mlon:.5f}"
    return "https://www.openstreetmap.org/export/embed.html?" + urlencode(query)


PROVIDERS = (
    Provider("X", "post", "x.com", ("x.com", "www.x.com", "twitter.com", "www.twitter.com", "mobile.twitter.com"),
             ("platform.twitter.com",), _x),
    Provider("YouTube", "video", "youtube.com",
             ("youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be", "www.youtube-nocookie.com"),
             ("www.youtube-nocookie.com",), _youtube),
    Provider("Vimeo", "video", "vimeo.com", ("vimeo.com", "www.vimeo.com", "player.vimeo.com"), ("player.vimeo.com",), _vimeo),
    Provider("Bluesky", "post", "bsky.app", ("bsky.app",), ("embed.bsky.app",), _bluesky),
    Provider("Mastodon", "post", None, MASTODON_SERVERS, MASTODON_SERVERS, _mastodon),
    Provider("Instagram", "post", "instagram.com", ("instagram.com", "www.instagram.com"), ("www.instagram.com",), _instagram),
    Provider("OpenStreetMap", "map", "openstreetmap.org", ("openstreetmap.org", "www.openstreetmap.org"),
             ("www.openstreetmap.org",), _openstreetmap),
)

FRAME_SOURCES = tuple(sorted({f"https://{host}" for provider in PROVIDERS for host in provider.frame_hosts}))
_BY_HOST = {host: provider for provider in PROVIDERS for host in provider.link_hosts}


@dataclass(frozen=True)
class Embed:
    provider: Provider
    link: str
    frame: str

    @property
    def label(self):
        """What the button says: what it shows, and where from ("Show the post from X: this loads content from x.com")."""
        domain = self.provider.domain or urlsplit(self.frame).hostname
        return f"Show the {self.provider.kind} from {self.provider.name}: this loads content from {domain}"


def embed_for(link):
    """The embed a link leads to (an Embed), or None: not https, not a provider's host, not a post, video or map."""
    try:
        parts = urlsplit(link.strip())
        host = parts.hostname
    except ValueError:
        return None
    provider = _BY_HOST.get(host or "")
    if parts.scheme != "https" or provider is None or parts.username or parts.password or parts.port:
        return None
    frame = provider.frame(parts)
    return Embed(provider, parts.geturl(), frame) if frame else None


# A paragraph whose only content is one link, or one bare address, as the sanitiser writes them.
_LONE_LINK = re.compile(r'<p>\s*(?:<a\s([^<>]*)>([^<]*)</a>|(https://[^\s<>"]+))\s*</p>')
_HREF = re.compile(r'\bhref="([^"]*)"')


def with_embeds(cleaned):
    """Sanitised HTML with each paragraph that is only a link to an embeddable post, video or map made a card."""
    if "https://" not in cleaned:
        return cleaned

    def card(match):
        attributes, text, bare = match.groups()
        href = _HREF.search(attributes) if attributes is not None else None
        link = html.unescape(href[1] if href else bare or "")
        embed = embed_for(link)
        if embed is None:
            return match[0]
        shown = text if attributes is not None else html.escape(link)
        return (
            f'<figure class="embed embed--{embed.provider.kind}" data-embed="{html.escape(embed.frame)}" '
            f'data-embed-title="{html.escape(embed.provider.kind.capitalize())} from {html.escape(embed.provider.name)}">'
            f'<figcaption class="embed__source">{html.escape(embed.provider.kind.capitalize())} on '
            f"{html.escape(embed.provider.name)}</figcaption>"
            f'<p class="embed__link"><a href="{html.escape(embed.link)}" rel="noopener noreferrer">{shown}</a></p>'
            f'<button type="button" class="embed__show">{html.escape(embed.label)}</button></figure>'
        )

    return _LONE_LINK.sub(card, cleaned)
