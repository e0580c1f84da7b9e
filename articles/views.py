"""Reader pages: the front page, section pages and story pages, all fed by Article.objects.published().

Each is served from the page cache to every reader it is the same for (pagecache/).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, IntegerField, Q, Value, When
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

import pagecache
from pagecache import cached_for_readers

from . import search
from .models import (
    Article,
    Author,
    Correction,
    Section,
    StoryAddress,
    Topic,
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
    _shows_stories(request, found[:per_page])
    return StoryPage(number, found[:per_page], has_next=len(found) > per_page)


def _shows_stories(request, stories):
    """A list shows these stories (an edit of one renders it again) and their reply counts, which a reply
    decided does not move at once: the list is rendered again within NEWSROOM_LIST_COUNTS_SECONDS."""
    pagecache.shows(request, *(f"story-{story.pk}" for story in stories))
    pagecache.changes_at(request, timezone.now() + timedelta(seconds=settings.NEWSROOM_LIST_COUNTS_SECONDS))


# What the editors chose for the front page: {"order": story ids, lead first; "lead"; "banner"}, asked of the
# app that keeps their choice (desk registers FrontPage.curation), so articles need not know how it is made.
NEWEST_FIRST = {"order": [], "lead": None, "banner": None}
_curation = [lambda: NEWEST_FIRST]


def register_front_page_curation(curation):
    """Let `curation()` say what the front page leads with and features; without one it is newest first."""
    _curation[0] = curation


@cached_for_readers(query=LIST_QUERY, shows=("latest",))
def front_page(request):
    """The lead story large at the top of the first page, then the stories editors feature, then the latest.

    What the editors chose is remembered per generation (desk's FrontPage.curation), so the page
    takes no query more than a newest-first one.
    """
    curation = _curation[0]()
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
    pagecache.shows(request, f"section-{section.pk}")
    page = _page_of_stories(request, Article.objects.published().filter(section=section))
    return render(request, "articles/section_page.html", {"section": section, "page_obj": page})


@cached_for_readers(query=LIST_QUERY)
def topic_page(request, slug):
    """A topic's stories, newest first; the topic itself is remembered per generation, like the sections."""
    topic = Topic.objects.by_slug(slug)
    if topic is None:
        raise Http404("No such topic.")
    pagecache.shows(request, f"topic-{topic.pk}")
    page = _page_of_stories(request, Article.objects.published().filter(topics=topic))
    return render(request, "articles/topic_page.html", {"topic": topic, "page_obj": page})


@cached_for_readers(shows=("latest",))
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
    pagecache.shows(request, f"author-{author.pk}")
    page = _page_of_stories(request, Article.objects.published().filter(bylines__author=author))
    return render(request, "articles/author_page.html", {"author": author, "page_obj": page})


@cached_for_readers(query=LIST_QUERY, shows=("latest",))
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


@cached_for_readers(query={"q": pagecache.text(search.tidy), **LIST_QUERY}, cache_name="search", shows=("latest",))
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
    _shows_stories(request, results.stories)
    page = StoryPage(number, results.stories, has_next=results.has_next)
    return render(request, "articles/search_page.html", {"results": results, "search_query": results.query, "page_obj": page})


def page_number(request):
    """The ?page= number of a list, as the page cache read it (LIST_QUERY)."""
    return int(request.GET.get("page", 1))


# The reader's order of the replies, their page, the reply answered (comments' render_comments tells
# the page cache which it shows), and the live updates: their order, all or key events only, the page.
STORY_QUERY = {
    "sort": pagecache.word,
    "cpage": pagecache.number(),
    "replyto": pagecache.number(highest=2**63 - 1, default=None),
    "order": pagecache.choice("oldest", default="newest"),
    "show": pagecache.choice("key", default="all"),
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
    return story_response(request, story)


def story_response(request, story, *, preview_link=None, in_frame=False):
    """The story page; `in_frame` for the admin's side-by-side preview, whose links open in the whole window."""
    is_preview = not story.is_published()
    if not is_preview:  # its text, replies, section and topics (the related stories come from those)
        pagecache.shows(
            request, f"story-{story.pk}", f"replies-{story.pk}", f"section-{story.section_id}",
            *(f"topic-{topic.pk}" for topic in story.topic_list), *(f"story-{related.pk}" for related in story.related_stories),
            *([f"picture-{story.social_image_id}"] if story.social_image_id else []),  # its link preview's picture
        )
    context = {
        "story": story,
        "is_preview": is_preview,
        "preview_link": preview_link,
        "in_frame": in_frame,
        "updates_page": _page_of_updates(request, story),
        "live_poll_seconds": settings.NEWSROOM_LIVE_POLL_SECONDS,
    }
    response = render(request, "articles/story_page.html", context)
    if is_preview:
        # A preview must never be cached by a proxy nor indexed by a search engine.
        patch_cache_control(response, private=True, no_store=True)
    if is_preview or story.noindex:
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


# A page of a story's live updates, shown under it (live/ posts them, the story reads them through
# its reverse relation, story.live_updates).


def _page_of_updates(request, story):
    """The story's updates readers see, one page (?updates=N) in the reader's choice (?order=oldest, ?show=key;
    newest first and all by default), and the pinned update; None when it has none.

    Costs no query for a story without updates (their count comes in the story's row), one otherwise.
    """
    try:  # read as the page cache reads it: a preview is not cached, but is as hostile
        number = int(pagecache.number()(request.GET.get("updates", "1")) or 1)
        order = STORY_QUERY["order"](request.GET.get("order", "newest")) or "newest"
        key_only = STORY_QUERY["show"](request.GET.get("show", "all")) == "key"
    except ValueError:
        raise Http404("No such page of updates.") from None
    count = len(story.key_events) if key_only else story.live_update_count
    story.shown_live_updates, story.pinned_live_update = [], None
    if not count:
        if number > 1:
            raise Http404("No such page of updates.")
        return None if not story.live_update_count else _updates_page(story, number, 1, [], 0, order, key_only)
    per_page = settings.NEWSROOM_LIVE_UPDATES_PER_PAGE
    pages = (count + per_page - 1) // per_page
    if not 1 <= number <= pages:
        raise Http404("No such page of updates.")
    shown = story.live_updates.for_readers()
    if key_only:
        shown = shown.filter(is_key_event=True)
    if order == "oldest":
        shown = shown.order_by("publish_at", "pk")
    start = (number - 1) * per_page
    on_page = shown.values("pk")[start : start + per_page]
    # The pinned update comes in the same query, marked, whichever page it is on.
    read = list(
        shown.select_related("image", "author")
        .annotate(on_page=ExpressionWrapper(Q(pk__in=on_page), output_field=BooleanField()))
        .filter(Q(on_page=True) | Q(pk=story.live_pinned or 0))
    )
    for update in read:
        update.article = story
    story.pinned_live_update = next((update for update in read if update.pk == story.live_pinned), None)
    updates = [update for update in read if update.on_page]
    story.shown_live_updates = updates
    return _updates_page(story, number, pages, updates, count, order, key_only)


def _updates_page(story, number, pages, updates, count, order, key_only):
    choice = {"order": None if order == "newest" else order, "show": "key" if key_only else None}

    def address(**values):
        query = {name: value for name, value in {**choice, **values}.items() if value}
        return f"?{urlencode(query)}#live-updates" if query else f"{story.get_absolute_url()}#live-updates"

    return {"number": number, "pages": pages, "updates": updates, "count": count,
            "has_previous": number > 1, "has_next": number < pages,
            "previous": address(updates=number - 1 if number > 2 else None), "next": address(updates=number + 1),
            "order": order, "key_only": key_only,
            "newest_first": address(order=None), "oldest_first": address(order="oldest"),
            "all": address(show=None), "key_events": address(show="key")}
