from django.urls import path, register_converter

from . import views
from .models import Page


class PageSlug:
    """An address that is one of the editors' pages: any other /<slug>/ is not this route's, so it is
    not found (and /healthz or /typo get no redirect to a slash address that is not there either)."""

    regex = "[-a-zA-Z0-9_]+"

    def to_python(self, value):
        if Page.objects.by_slug(value) is None:
            raise ValueError(value)
        return value

    def to_url(self, value):
        return value


register_converter(PageSlug, "page")

app_name = "pages"

# Included last, so it never takes an address another route answers (Page.clean refuses those slugs).
urlpatterns = [path("<page:slug>/", views.page, name="page")]
