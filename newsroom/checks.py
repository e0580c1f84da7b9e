"""System checks for running in production (`manage.py check --deploy`, which `make serve` runs first)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

LOCAL_NAMES = ("localhost", "localhost.localdomain")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa")
HINT = "Set NEWSROOM_SITE_URL to the https address readers use, e.g. NEWSROOM_SITE_URL=https://news.example.org."


def is_local(host):
    """Whether `host` names this machine or a private network rather than an address readers can reach."""
    host = host.lower().rstrip(".")
    if not host or host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." not in host  # a bare machine name ("web1")
    return not address.is_global


@register(Tags.security, deploy=True)
def site_address_is_public(app_configs, **kwargs):
    """Canonical links, feeds, sitemaps and emails are made from NEWSROOM_SITE_URL: under production
    settings it must be the site's public https address, not the local default (http://127.0.0.1:PORT)."""
    if settings.DEBUG:
        return []
    address = settings.NEWSROOM_SITE_URL
    try:
        site = urlsplit(address)
        host = site.hostname or ""
    except ValueError:
        site, host = None, ""
    if site is None or is_local(host):
        return [Error(
            f"NEWSROOM_SITE_URL is {address!r}, not a public address: canonical links, feeds, sitemaps "
            "and emails would point readers and search engines there.",
            hint=HINT, id="newsroom.E001",
        )]
    if site.scheme != "https":
        return [Error(
            f"NEWSROOM_SITE_URL is {address!r}, not https: canonical links, feeds, sitemaps and emails "
            "would send readers to plain HTTP.",
            hint=HINT, id="newsroom.E002",
        )]
    return []
