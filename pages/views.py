from django.http import Http404
from django.shortcuts import render

from pagecache import cached_for_readers

from .models import Page


@cached_for_readers()
def page(request, slug):
    """About, Contact, the Privacy notice…: read from the pages remembered for this generation, so no query."""
    found = Page.objects.by_slug(slug)
    if found is None:
        raise Http404("No such page.")
    return render(request, "pages/page.html", {"page": found})
