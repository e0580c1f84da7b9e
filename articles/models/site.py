"""Helpers every model of the site uses: absolute addresses, and memos that last one page-cache generation."""

from urllib.parse import urljoin

from django.conf import settings

import pagecache


def remembered(name, key, compute, size=1000, shows=("site",)):
    """`compute()` for `key`, remembered in this process while what it `shows` does not move (pagecache.per_generation).

    A few hundred topics or writers a worker is asked about, not the whole table: the
    memo holds at most `size` keys (misses included) and starts afresh when full.
    """
    found = pagecache.per_generation(f"remembered:{name}", dict, shows)
    if key not in found:
        if len(found) >= size:
            found.clear()
        found[key] = compute()
    return found[key]


def absolute_url(url):
    """A page or file address made absolute with NEWSROOM_SITE_URL, for feeds, link previews and JSON-LD."""
    return urljoin(settings.NEWSROOM_SITE_URL, url)
