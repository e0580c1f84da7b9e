"""Telling the caching proxy in front (Varnish with deploy/varnish/newsroom.vcl, or any that purges by key)
which pages changed, from the background worker: never while a reader or an editor waits.

After a change commits, `purge_changed` (an after_change listener, registered in newsroom/apps.py) enqueues
one `purge` per address in NEWSROOM_PURGE_URLS; the worker sends it as one PURGE with the changed keys in
`xkey-purge`, and the proxy drops every page it keeps under any of them. A proxy that cannot be reached
loses nothing: the purge is tried again (background.retries), and meanwhile no page is older than its
s-maxage and stale-while-revalidate allow. It imports background (the task queue) and nothing else.
"""

import http.client
from urllib.parse import urlsplit

from django.conf import settings

from background import READERS_QUEUE, task
from background.retries import retried

# A purge is a few bytes each way: a proxy that takes longer is failing, and the purge is tried again.
TIMEOUT_SECONDS = 5
# Purges go before the other tasks waiting (emails): readers are waiting for the page.
PRIORITY = 50


def purge_changed(keys):
    """The pages showing any of `keys` changed: each proxy is to drop them (nothing when none is configured)."""
    for url in settings.NEWSROOM_PURGE_URLS:
        purge.enqueue(url, sorted(keys))


@task(priority=PRIORITY, queue_name=READERS_QUEUE)
@retried
def purge(url, keys):
    """Send PURGE to `url` with `keys` in `xkey-purge`; the proxy's answer ("Purged 3"), or raise to try again."""
    address = urlsplit(url)
    kind = http.client.HTTPSConnection if address.scheme == "https" else http.client.HTTPConnection
    connection = kind(address.hostname, address.port, timeout=TIMEOUT_SECONDS)
    try:
        connection.request("PURGE", address.path or "/", headers={"xkey-purge": " ".join(keys)})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise PurgeRefused(f"{url} answered {response.status} {response.reason}")
    return response.reason


class PurgeRefused(Exception):
    """The proxy answered, but did not purge (403: this host is not among its purgers)."""
