"""Reader pages: the front page, section pages and story pages, all fed by Article.objects.published().

Each is served from the page cache to every reader it is the same for (newsroom/pagecache.py).
"""

import hashlib
import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Max, OuterRef, Subquery, Value, When
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

import pagecache
from pagecache import cached_for_readers

from . import reading, search
from .models import (
    Article,
    Author,
    Correction,
    FrontPage,
    LiveUpdate,
    PreviewLink,
    Section,
    StoryAddress,
    Topic,
    remembered,
)


@dataclass
class StoryPage:
    """A page of a list of stories. Only "is there a next page" is asked of the database, never a count."""

    number: int
    object_list: list
    has_next: bool

    @property
    def has_previous(self):
        return self.number > 1

    @property
    def has_other_pages(self):
        return self.has_previous or self.has_next

    def previous_page_number(self):
        return self.number - 1

    def next_page_number(self):
        return self.number + 1


# The ?page= of a list: 1 is written by leaving it out, and a page past the last is a 404.
LIST_QUERY = {"page": pagecache.number()}


def _page_of_stories(request, stories, first=()):
    """One page of stories, newest first after the stories named in `first` (in that order);
    a page number that is not a page is a 404, never a 500."""
    number = page_number(request)
    per_page = settings.NEWSROOM_STORIES_PER_PAGE
    start = (number - 1) * per_page
    stories = stories.for_listing()
    if first:
        # The editors' choice first, in their order, then newest first: one query, and the pages after the
        # first continue where it stops, without repeating a chosen story.
        rank = Case(*(When(pk=pk, then=Value(n)) for n, pk in enumerate(first)), default=Value(len(first)),
                    output_field=IntegerField())
        stories = stories.alias(front_rank=rank).order_by("front_rank", "-publish_at", "-pk")
    else:
        stories = stories.order_by("-publish_at", "-pk")
    found = list(stories[start : start + per_page + 1])
    if number > 1 and not found:
        raise Http404("No such page.")
    return StoryPage(number, found[:per_page], has_next=len(found) > per_page)


@cached_for_readers(query=LIST_QUERY)
def front_page(request):
    """The lead story large at the top of the first page, then the stories editors feature, then the latest.

    What the editors chose is remembered per generation (FrontPage.curation), so the page
    takes no query more than a newest-first one.
    """
    curation = FrontPage.curation()
    page = _page_of_stories(request, Article.objects.published(), first=curation["order"])
    stories = list(page.object_list)
    lead = stories.pop(0) if page.number == 1 and stories else None
    featured = []
    if page.number == 1 and curation["order"]:
        chosen = set(curation["order"])
        featured = [story for story in stories if story.pk in chosen]
        stories = [story for story in stories if story.pk not in chosen]
    context = {
        "page_obj": page,
        "lead": lead,
        "featured": featured,
        "stories": stories,
        "banner": curation["banner"] if page.number == 1 else None,
    }
    return render(request, "articles/front_page.html", context)


@cached_for_readers(query=LIST_QUERY)
def section_page(request, slug):
    section = next((section for section in Section.objects.listed() if section.slug == slug), None)
    if section is None:
        raise Http404("No such section.")
    page = _page_of_stories(request, Article.objects.published().filter(section=section))
    return render(request, "articles/section_page.html", {"section": section, "page_obj": page})


@cached_for_readers(query=LIST_QUERY)
def topic_page(request, slug):
    """A topic's stories, newest first; the topic itself is remembered per generation, like the sections."""
    topic = Topic.objects.by_slug(slug)
    if topic is None:
        raise Http404("No such topic.")
    page = _page_of_stories(request, Article.objects.published().filter(topics=topic))
    return render(request, "articles/topic_page.html", {"topic": topic, "page_obj": page})


@cached_for_readers()
def topics_index(request):
    """Every topic that has a public story, A to Z, with how many it has."""
    topics = (
        Topic.objects.filter(articles__in=Article.objects.published().values("pk"))
        .annotate(stories=Count("articles"))
        .order_by("name")
    )
    return render(request, "articles/topics_index.html", {"topics": topics})


@cached_for_readers(query=LIST_QUERY)
def author_page(request, slug):
    """A writer's page: who they are, then their stories, newest first."""
    author = Author.objects.by_slug(slug)
    if author is None:
        raise Http404("No such writer.")
    page = _page_of_stories(request, Article.objects.published().filter(bylines__author=author))
    return render(request, "articles/author_page.html", {"author": author, "page_obj": page})


@cached_for_readers(query=LIST_QUERY)
def corrections_page(request):
    """The latest corrections and clarifications across the site, newest first, each with its story."""
    number = page_number(request)
    per_page = settings.NEWSROOM_STORIES_PER_PAGE * 2
    start = (number - 1) * per_page
    found = list(Correction.objects.public()[start : start + per_page + 1])
    if number > 1 and not found:
        raise Http404("No such page.")
    page = StoryPage(number, found[:per_page], has_next=len(found) > per_page)
    return render(request, "articles/corrections_page.html", {"page_obj": page})


@cached_for_readers(query={"q": pagecache.text(search.tidy), **LIST_QUERY}, cache_name="search")
def search_page(request):
    """Search results for what a reader typed (articles/search.py), one page at a time.

    Kept in a cache of their own (caches["search"], a few hundred pages per worker):
    the same search asked again is answered from memory until a story changes, and
    made-up queries cannot push the front page and stories out of the page cache.
    """
    number = page_number(request)
    results = search.search(request.GET.get("q", ""), number, settings.NEWSROOM_STORIES_PER_PAGE)
    if number > 1 and not results.stories:
        raise Http404("No such page.")
    page = StoryPage(number, results.stories, has_next=results.has_next)
    return render(request, "articles/search_page.html", {"results": results, "search_query": results.query, "page_obj": page})


def page_number(request):
    """The ?page= number of a list, as the page cache read it (LIST_QUERY)."""
    return int(request.GET.get("page", 1))


# The reader's order of the replies, their page, the reply answered (comments' render_comments tells
# the page cache which it shows), and the page of live updates.
STORY_QUERY = {
    "sort": pagecache.word,
    "cpage": pagecache.number(),
    "replyto": pagecache.number(highest=2**63 - 1, default=None),
    "updates": pagecache.number(),
}


@cached_for_readers(query=STORY_QUERY)
def story_page(request, year, month, day, slug):
    """A public story; editors with the preview right also see drafts and scheduled stories, marked as such.

    An address the story had before it moved answers a permanent redirect to where it is
    now; a story taken down answers 410 Gone, at its address and its old ones.
    """
    can_preview = request.user.has_perm("articles.preview_article")
    stories = Article.objects.all() if can_preview else Article.objects.published()
    story = stories.for_story_page().filter(slug=slug).first()
    if story is None or not story.is_dated(int(year), int(month), int(day)):
        return _not_here(request, can_preview, year, month, day, slug)
    return _story_response(request, story)


def _story_response(request, story, *, preview_link=None):
    is_preview = not story.is_published()
    context = {
        "story": story,
        "is_preview": is_preview,
        "preview_link": preview_link,
        "updates_page": _page_of_updates(request, story),
        "live_poll_seconds": settings.NEWSROOM_LIVE_POLL_SECONDS,
    }
    response = render(request, "articles/story_page.html", context)
    if is_preview:
        # A preview must never be cached by a proxy nor indexed by a search engine.
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response


def _not_here(request, can_preview, year, month, day, slug):
    """No story to show at this address: it was taken down (410), it moved (301), or there is none (404)."""
    gone = Article.objects.taken_down().filter(slug=slug).first()
    if gone is not None and gone.is_dated(int(year), int(month), int(day)):
        return gone_page(request)
    moved = StoryAddress.objects.filter(path=request.path).select_related("article").first()
    if moved is not None:
        story = moved.article
        if story.is_published() or (can_preview and not story.is_taken_down()):
            return HttpResponsePermanentRedirect(story.get_absolute_url())
        if story.is_taken_down():
            return gone_page(request)
    raise Http404("No story at this address.")


def gone_page(request):
    """410 Gone, in the site's style: the story was taken down on purpose, so say so rather than "not found"."""
    return render(request, "410.html", status=410)


def preview(request, token):
    """One unpublished story for someone outside the newsroom, through a link that expires and can be revoked."""
    link = PreviewLink.objects.valid().filter(token=token).select_related("article").first()
    if link is None:
        response = render(request, "articles/preview_expired.html", status=404)
        response["X-Robots-Tag"] = "noindex"
        patch_cache_control(response, private=True, no_store=True)
        return response
    story = get_object_or_404(Article.objects.for_story_page(), pk=link.article_id)
    response = _story_response(request, story, preview_link=link)
    # Even a link to a story that is public by now stays out of caches and search engines.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


# Live coverage: a page of a story's updates, the open page's cheap check for new ones, the new ones
# as a fragment of HTML, and each update's permanent address.


def _page_of_updates(request, story):
    """The story's updates readers see, newest first, one page (?updates=N); None when it has none.

    Costs no query for a story without updates (their count comes in the story's row), one otherwise.
    """
    count = story.live_update_count
    number = int(request.GET.get("updates", 1))
    if not count:
        if number > 1:
            raise Http404("No such page of updates.")
        story.shown_live_updates = []
        return None
    per_page = settings.NEWSROOM_LIVE_UPDATES_PER_PAGE
    pages = (count + per_page - 1) // per_page
    if not 1 <= number <= pages:
        raise Http404("No such page of updates.")
    start = (number - 1) * per_page
    updates = list(
        story.live_updates.published().select_related("image", "author")[start : start + per_page]
    )
    for update in updates:
        update.article = story
    story.shown_live_updates = updates
    return {"number": number, "pages": pages, "updates": updates, "count": count,
            "has_previous": number > 1, "has_next": number < pages}


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
        updates = LiveUpdate.objects.published().filter(article=OuterRef("pk"))
        newest = updates.order_by("-publish_at", "-pk")
        story = (
            Article.objects.published()
            .filter(slug=slug)
            .annotate(
                count=reading.count_of(updates),
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

    return remembered("live-state", f"{year}/{month}/{day}/{slug}", compute)


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
    updates = story.live_updates.published().select_related("image", "author")
    after = int(request.GET.get("after", 0))
    if after:
        shown = story.live_updates.published().filter(pk=after).first()
        if shown is None:
            raise Http404("No such update.")
        updates = updates.newer_than(shown)
    updates = list(updates[: settings.NEWSROOM_LIVE_UPDATES_PER_PAGE])
    for update in updates:
        update.article = story
    return render(request, "articles/live_updates_fragment.html", {"story": story, "updates": updates})


def live_update(request, year, month, day, slug, number):
    """An update's permanent address: a redirect to the page of the story that shows it now, at #update-N."""
    story = _public_story(year, month, day, slug)
    update = story.live_updates.published().filter(pk=number).first()
    if update is None:
        raise Http404("No such update.")
    newer = story.live_updates.published().newer_than(update).count()
    page = newer // settings.NEWSROOM_LIVE_UPDATES_PER_PAGE + 1
    query = f"?updates={page}" if page > 1 else ""
    response = HttpResponseRedirect(f"{story.get_absolute_url()}{query}#{update.anchor}")
    patch_cache_control(response, public=True, max_age=settings.NEWSROOM_LIVE_CHECK_MAX_AGE)
    return response
