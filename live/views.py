"""Live coverage for readers: the open page's cheap check of the coverage's version, what changed since the
version a page holds (new, edited, moved and deleted updates as HTML and numbers, and the key events, pinned
update and summary when they moved), and each update's permanent address. The story page itself
(articles.views.story_page) shows a page of updates."""

import hashlib
import json
import time

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

import pagecache
from articles.models import Article, remembered
from pagecache import cached_for_readers

from .models import LiveChange

# Past this many updates changed since the version a page holds, the page is asked to load afresh.
MOST_CHANGES = 100


def _public_story(year, month, day, slug, stories=None):
    stories = stories if stories is not None else Article.objects.published().select_related("section")
    story = stories.filter(slug=slug).first()
    if story is None or not story.is_dated(int(year), int(month), int(day)):
        raise Http404("No story at this address.")
    return story


def live_state(year, month, day, slug):
    """What an open page of the story needs to know, the same for every reader: whether it is live and the version
    of its coverage (LiveChange). One query, remembered in this process until the generation moves on (a new,
    edited or deleted update, the summary, a scheduled one's time, coverage ending): most checks take none."""

    def compute():
        changes = LiveChange.objects.seen().filter(article=OuterRef("pk")).order_by().values("article")
        story = (
            Article.objects.published()
            .filter(slug=slug)
            .annotate(version_at=Subquery(changes.annotate(last=Max("at")).values("last")[:1]))
            .first()
        )
        if story is None or not story.is_dated(int(year), int(month), int(day)):
            return None
        moments = [moment for moment in (story.version_at, story.live_from, story.live_until) if moment]
        return {
            "live": story.is_live,
            "version": LiveChange.number_of(story.version_at),
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
        body = json.dumps({"live": state["live"], "version": state["version"],
                           "poll": settings.NEWSROOM_LIVE_POLL_SECONDS}).encode()
        answer = (body, '"' + hashlib.sha256(body).hexdigest()[:24] + '"', int(state["last_modified"].timestamp()))
    if len(_recent_answers) >= 1000:  # addresses readers make up: a few, not the whole table
        _recent_answers.clear()
    _recent_answers[key] = (now, answer)
    return answer


def live_check(request, year, month, day, slug):
    """The open page's check of the coverage's version: a few bytes of JSON, the same for everyone, with an ETag and a
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


@cached_for_readers(query={"since": pagecache.number(lowest=0, highest=2**63 - 1, default=0)}, renewed=False)
def live_changes(request, year, month, day, slug):
    """What changed in the story's live coverage since version ?since=N, the version an open page holds: the
    updates readers see that changed (as the story page prints them, with the time they sort by), the numbers of
    those they no longer see (deleted, moved to later), and the key events, pinned update and summary when they
    may have moved. The same for everyone and kept in the page cache until the story changes again.

    N is a version this story's coverage had (or 0, none yet); anything else is not found, so made-up values are
    neither rendered nor kept in the page cache, where they would push out the pages readers need."""
    story = _public_story(year, month, day, slug, Article.objects.published().for_story_page())
    pagecache.shows(request, f"story-{story.pk}")
    since = int(request.GET.get("since", 0))
    changes = story.live_changes.seen()
    if since and not changes.filter(at=LiveChange.moment_of(since)).exists():
        raise Http404("No such version.")
    newer = list(changes.filter(at__gt=LiveChange.moment_of(since)).values("number", "at", "key_events", "pinned"))
    answer = {"version": max([since] + [LiveChange.number_of(change["at"]) for change in newer]),
              "days": story.live_spans_days}
    numbers = {change["number"] for change in newer if change["number"]}
    if len(numbers) > MOST_CHANGES:
        return JsonResponse({**answer, "reload": True})
    updates = list(story.live_updates.for_readers().filter(pk__in=numbers).select_related("image", "author"))
    for update in updates:
        update.article = story
    answer["upserts"] = [
        {"id": update.pk, "at": update.publish_at.isoformat(), "key": update.is_key_event,
         "html": render_to_string("live/includes/live_update.html", {"update": update, "story": story}, request)}
        for update in updates
    ]
    answer["deleted"] = sorted(numbers - {update.pk for update in updates})
    if any(change["key_events"] for change in newer):
        answer["key_events"] = render_to_string("live/includes/key_events.html", {"story": story}, request)
    if any(change["pinned"] for change in newer):
        pinned = [update for update in updates if update.pk == story.live_pinned]
        story.pinned_live_update = pinned[0] if pinned else story.live_updates.pinned_for_readers(story)
        answer["pinned"] = render_to_string("live/includes/pinned.html", {"story": story}, request)
    if any(change["number"] is None for change in newer):
        answer["summary"] = render_to_string("live/includes/summary.html", {"story": story}, request)
    return JsonResponse(answer)


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
