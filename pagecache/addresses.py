"""Addresses: what a cached page's query parameters may be, and the one way the site writes each.

Only canonical pages are kept: a value written otherwise is redirected, one that is no value is a 404.
"""

import re

from django.http import HttpResponsePermanentRedirect
from django.utils.encoding import escape_uri_path
from django.utils.http import urlencode


def number(lowest=1, highest=100_000, default=1):
    """A whole number as the site writes it (ASCII digits, no leading zero) from `lowest` to `highest`;
    `default` (None: none) is written by leaving the parameter out."""

    def parse(raw):
        if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(highest)) + 2):
            raise ValueError(raw)
        if not lowest <= int(raw) <= highest:
            raise ValueError(raw)
        return None if int(raw) == default else str(int(raw))

    return parse


def word(raw):
    """A short lowercase name (?sort=newest). Which names the page has it says while rendering (`shown()`),
    so an unknown one is sent to the page as it is shown."""
    if not re.fullmatch(r"[a-z]{1,20}", raw):
        raise ValueError(raw)
    return raw


def choice(*values, default):
    """One of a few names (?order=oldest), lowercase as the site writes it; `default` is written by leaving the
    parameter out, a name written in capitals is sent to the lowercase one, any other is no page."""

    def parse(raw):
        value = raw.lower() if raw.isascii() else raw
        if value not in (*values, default):
            raise ValueError(raw)
        return None if value == default else value

    return parse


def text(tidy):
    """What a reader typed (a search), written as `tidy(raw)` writes it; nothing typed is no parameter."""
    return lambda raw: tidy(raw) or None


def shown(request, **values):
    """The page being rendered shows these query values, whatever was asked (the last page of replies for
    one past it, no reply form for a reply that is not public): an address that asked for other values
    is sent to the page's own address instead of being kept. None means the parameter is left out."""
    request.page_shown = {**getattr(request, "page_shown", {}), **values}


class NotAnAddress(Exception):
    """The query asks for a value the page does not have: the answer is a redirect (`.response`) or a 404."""

    def __init__(self, response=None):
        self.response = response


def canonical_query(request, query):
    """{name: value} of the parameters in `query` (name: parser) as the site writes them, defaults left out.

    Raises NotAnAddress: with a permanent redirect for a value written otherwise than
    the site writes it (?page=01, ?page=1, ?q=%20almaty), without one (a 404) for a
    value that is none (?page=x, ?page=0, a parameter given twice).
    """
    values, rewritten = {}, False
    for name, parse in query.items():
        given = request.GET.getlist(name)
        if len(given) > 1:
            raise NotAnAddress()
        if given:
            try:
                value = parse(given[0])
            except ValueError:
                raise NotAnAddress() from None
            rewritten = rewritten or value != given[0]
            if value is not None:
                values[name] = value
    if rewritten:
        raise NotAnAddress(HttpResponsePermanentRedirect(page_address(request, values)))
    return values


def page_address(request, values):
    """The page's own address with these query values, written as the site writes them."""
    return escape_uri_path(request.path) + (f"?{urlencode(values)}" if values else "")
