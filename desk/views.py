"""The desk's one public page: a preview link, showing an unpublished story to someone outside the newsroom."""

from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control

from articles.models import Article
from articles.views import story_response

from .models import PreviewLink


def preview(request, token):
    """One unpublished story for someone outside the newsroom, through a link that expires and can be revoked."""
    link = PreviewLink.objects.valid().filter(token=token).select_related("article").first()
    if link is None:
        response = render(request, "desk/preview_expired.html", status=404)
        response["X-Robots-Tag"] = "noindex"
        patch_cache_control(response, private=True, no_store=True)
        return response
    story = get_object_or_404(Article.objects.for_story_page(), pk=link.article_id)
    response = story_response(request, story, preview_link=link)
    # Even a link to a story that is public by now stays out of caches and search engines.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


