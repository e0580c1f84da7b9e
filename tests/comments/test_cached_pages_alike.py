"""Every page the cache keeps is the same bytes for a browser with the reply author's cookie (and a pending
reply on the story) as for one without, and carries no security token, so any proxy may keep it."""

import pytest
from django.core.cache import caches
from django.urls import get_resolver, resolve, reverse

from comments.browser import TOKEN_COOKIE
from pagecache import cached_for_readers
from tests import authorization_world as world_module
from tests.authorization_world import in_savepoint, media_root, world  # noqa: F401 (fixtures)
from tests.test_authorization_matrix import ROWS, route_key

# Every view the page cache serves runs this one wrapper's code.
CACHED_VIEW = cached_for_readers()(lambda request: None).__code__


def cached_routes():
    """The URLconf's addresses that the page cache serves, as the authorization matrix names them."""

    def walk(resolver, namespace):
        for pattern in resolver.url_patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern, ":".join(filter(None, [namespace, pattern.namespace])))
            elif getattr(pattern.callback, "__code__", None) is CACHED_VIEW:
                yield ":".join(filter(None, [namespace, pattern.name])) if pattern.name else str(pattern.pattern)

    return set(walk(get_resolver(), ""))


def rendered(site, role, path):
    """The page as `role`'s browser gets it, rendered afresh (nothing kept from an earlier request)."""
    for name in ("pages", "search"):
        caches[name].clear()
    return world_module.client(site, role).get(path)


@pytest.mark.django_db
def test_every_cached_page_is_the_same_bytes_with_or_without_the_reply_authors_cookie(world, in_savepoint):  # noqa: F811
    """Every address of the matrix the page cache serves, in every state anyone may read it: the reader whose
    pending reply is on the public story gets exactly the page a browser without a cookie gets."""
    assert TOKEN_COOKIE in world.sessions["reader"], "the reader carries the reply author's token"
    checked = set()
    for row in ROWS:
        for state in row.states:
            path = row.fill(world, state)
            match = resolve(path.split("?")[0])
            if match.func.__code__ is not CACHED_VIEW or "anonymous" not in row.rule("get", state).resolve():
                continue
            theirs, anyones = rendered(world, "reader", path), rendered(world, "anonymous", path)
            assert theirs.status_code == anyones.status_code == 200, path
            assert theirs.content == anyones.content, f"{path} differs for a reply author"
            assert theirs["Cache-Control"] == anyones["Cache-Control"] and "public" in theirs["Cache-Control"], path
            assert not theirs.cookies and not anyones.cookies, path
            assert b"csrfmiddlewaretoken" not in theirs.content, path
            checked.add(route_key(match))
    assert checked == cached_routes(), "every cached address was fetched"
    assert b"PENDING-REPLY-6R" in world_module.client(world, "reader").get(
        reverse("comments:for_me", args=[world.stories["public"].pk]), HTTP_ACCEPT="application/json"
    ).content, "the reader's own pending reply comes from /comments/for-me/"
