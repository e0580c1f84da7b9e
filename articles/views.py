"""Reader pages: the front page, section pages and story pages, all fed by Article.objects.published().

Each is served from the page cache to every reader it is the same for (newsroom/pagecache.py).
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from newsroom.pagecache import cached_for_readers

from .models import Article, Section


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


def _page_of_stories(request, stories):
    """One page of stories, newest first; a page number that is not a page is a 404, never a 500."""
    try:
        number = int(request.GET.get("page") or 1)
    except ValueError:
        raise Http404("No such page.") from None
    per_page = settings.NEWSROOM_STORIES_PER_PAGE
    if not 1 <= number <= 100_000:
        raise Http404("No such page.")
    start = (number - 1) * per_page
    found = list(stories.for_listing().order_by("-publish_at", "-pk")[start : start + per_page + 1])
    if number > 1 and not found:
        raise Http404("No such page.")
    return StoryPage(number, found[:per_page], has_next=len(found) > per_page)


@cached_for_readers(query=("page",))
def front_page(request):
    """The lead story large at the top of the first page, then the latest stories."""
    page = _page_of_stories(request, Article.objects.published())
    stories = list(page.object_list)
    lead = stories.pop(0) if page.number == 1 and stories else None
    return render(request, "articles/front_page.html", {"page_obj": page, "lead": lead, "stories": stories})


@cached_for_readers(query=("page",))
def section_page(request, slug):
    section = next((section for section in Section.objects.listed() if section.slug == slug), None)
    if section is None:
        raise Http404("No such section.")
    page = _page_of_stories(request, Article.objects.published().filter(section=section))
    return render(request, "articles/section_page.html", {"section": section, "page_obj": page})


@cached_for_readers(query=("cpage", "replyto", "sort"))
def story_page(request, year, month, day, slug):
    """A public story; editors with the preview right also see drafts and scheduled stories, marked as such."""
    can_preview = request.user.has_perm("articles.preview_article")
    stories = Article.objects.all() if can_preview else Article.objects.published()
    story = get_object_or_404(stories.for_listing(), slug=slug)
    if not story.is_dated(int(year), int(month), int(day)):
        raise Http404("No story at this address.")
    response = render(request, "articles/story_page.html", {"story": story, "is_preview": not story.is_published()})
    if not story.is_published():
        # A preview must never be cached by a proxy nor indexed by a search engine.
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex"
    return response
