"""Live coverage for readers: the open page's cheap check for new updates, the new ones as a fragment of HTML,
and each update's permanent address. The story page itself (articles.views.story_page) shows a page of them."""

import hashlib
import json
import time

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

import pagecache
from articles.models import Article, remembered
from articles.reading import count_of
from pagecache import cached_for_readers

from .models import LiveUpdate


def _public_story(year, month, day, slug):
    story = Article.objects.published().select_related("section").filter(slug=slug).first()
    if story is None or not story.is_dated(int(year), int(month), int(day)):
        raise Http404("No story at this address.")
    return story


def live_state(year, month, day, slug):
    """What an open page of the story needs to know, the same for every reader: whether it is live, how many
    updates there are and which is the newest. One query, remembered in this process until the generation moves
    on (a new, edited or deleted update, a scheduled one's time, coverage ending): most checks take none."""

    def compute():
        updates = LiveUpdate.objects.for_readers().filter(article=OuterRef("pk"))
        newest = updates.order_by("-publish_at", "-pk")
        story = (
            Article.objects.published()
            .filter(slug=slug)
            .annotate(
                count=count_of(updates),
                newest=Subquery(newest.values("pk")[:1]),
                newest_at=Subquery(newest.values("publish_at")[:1]),
                changed_at=Subquery(updates.order_by().values("article").annotate(last=Max("edited_at")).values("last")[:1]),
            )
            .first()
        )
        if story is None or not story.is_dated(int(year), int(month), int(day)):
            return None
        moments = [moment for moment in (story.newest_at, story.changed_at, story.live_from, story.live_until) if moment]
        return {
            "live": story.is_live,
            "count": story.count or 0,
            "newest": story.newest or 0,
            "last_modified": max(moments) if moments else story.publish_at,
        }

    return remembered("live-state", f"{year}/{month}/{day}/{slug}", compute, shows=("site", "latest", "live"))


# This process's latest answers to the update check, by story address: (when, answer). Reused for
# NEWSROOM_LIVE_CHECK_MEMO_SECONDS, so thousands of open pages cost not even a look at the shared cache.
_recent_answers = {}


def _check_answer(year, month, day, slug):
    """(body, ETag, Last-Modified) of the update check, or None for no public story at this address."""
    key = f"{year}/{month}/{day}/{slug}"
    now = time.monotonic()
    recent = _recent_answers.get(key)
    if recent is not None and now - recent[0] < settings.NEWSROOM_LIVE_CHECK_MEMO_SECONDS:
        return recent[1]
    state = live_state(year, month, day, slug)
    answer = None
    if state is not None:
        body = json.dumps({"live": state["live"], "count": state["count"], "newest": state["newest"],
                           "poll": settings.NEWSROOM_LIVE_POLL_SECONDS}).encode()
        answer = (body, '"' + hashlib.sha256(body).hexdigest()[:24] + '"', int(state["last_modified"].timestamp()))
    if len(_recent_answers) >= 1000:  # addresses readers make up: a few, not the whole table
        _recent_answers.clear()
    _recent_answers[key] = (now, answer)
    return answer


def live_check(request, year, month, day, slug):
    """The open page's check for new updates: a few bytes of JSON, the same for everyone, with an ETag and a
    Last-Modified so a browser asking again gets 304 while nothing changed. Poll interval, this process's
    reuse of its answer and what browsers and proxies may keep add up to under 15 seconds (settings.py)."""
    answer = _check_answer(year, month, day, slug)
    if answer is None:
        raise Http404("No story at this address.")
    body, etag, last_modified = answer
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    max_age = settings.NEWSROOM_LIVE_CHECK_MAX_AGE
    patch_cache_control(response, public=True, max_age=max_age, s_maxage=max_age)
    return response


@cached_for_readers(query={"after": pagecache.number(lowest=0, highest=2**63 - 1, default=None)})
def live_updates_since(request, year, month, day, slug):
    """The updates newer than ?after=N, as the story page prints them: what the open page inserts when asked.

    N is an update readers can see (or 0, none yet); anything else is not found, so made-up values are
    neither rendered nor kept in the page cache, where they would push out the pages readers need."""
    story = _public_story(year, month, day, slug)
    pagecache.shows(request, f"story-{story.pk}")
    updates = story.live_updates.for_readers().select_related("image", "author")
    after = int(request.GET.get("after", 0))
    if after:
        shown = story.live_updates.for_readers().filter(pk=after).first()
        if shown is None:
            raise Http404("No such update.")
        updates = updates.newer_than(shown)
    updates = list(updates[: settings.NEWSROOM_LIVE_UPDATES_PER_PAGE])
    for update in updates:
        update.article = story
    return render(request, "live/updates_fragment.html", {"story": story, "updates": updates})


def live_update(request, year, month, day, slug, number):
    """An update's permanent address: a redirect to the page of the story that shows it now, at #update-N."""
    story = _public_story(year, month, day, slug)
    update = story.live_updates.for_readers().filter(pk=number).first()
    if update is None:
        raise Http404("No such update.")
    newer = story.live_updates.for_readers().newer_than(update).count()
    page = newer // settings.NEWSROOM_LIVE_UPDATES_PER_PAGE + 1
    query = f"?updates={page}" if page > 1 else ""
    response = HttpResponseRedirect(f"{story.get_absolute_url()}{query}#{update.anchor}")
    patch_cache_control(response, public=True, max_age=settings.NEWSROOM_LIVE_CHECK_MAX_AGE)
    return response
