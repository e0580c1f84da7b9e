"""Reader pages: the front page, section pages and story pages, all fed by Article.objects.published()."""

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from .models import Article, Section


def _page_of_stories(request, stories):
    """One page of stories, newest first; a page number that is not a page is a 404, never a 500."""
    paginator = Paginator(stories.for_listing().order_by("-publish_at", "-pk"), settings.NEWSROOM_STORIES_PER_PAGE)
    try:
        return paginator.page(request.GET.get("page") or 1)
    except InvalidPage:
        raise Http404("No such page.") from None


def front_page(request):
    """The lead story large at the top of the first page, then the latest stories."""
    page = _page_of_stories(request, Article.objects.published())
    stories = list(page.object_list)
    lead = stories.pop(0) if page.number == 1 and stories else None
    return render(request, "articles/front_page.html", {"page_obj": page, "lead": lead, "stories": stories})


def section_page(request, slug):
    section = get_object_or_404(Section, slug=slug)
    page = _page_of_stories(request, section.articles.published())
    return render(request, "articles/section_page.html", {"section": section, "page_obj": page})


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
