"""What search engines and news aggregators are told: sitemaps, the Google News sitemap, robots.txt.

/sitemap.xml is one sitemap of every public address while they fit in one file
(SITEMAP_LIMIT, the protocol's 50,000); past that it becomes a sitemap index naming
/sitemap-<section>.xml files of at most that many each, and the news sitemap.
Every address in them is made from the site's address (NEWSROOM_SITE_URL), never
the Host a request came with: they are cached and served to everyone.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, sitemap
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from .models import Article, Author, Section, Topic, absolute_url

SITEMAP_LIMIT = 50_000  # addresses in one sitemap file, as the sitemaps protocol allows
NEWS_DAYS = 2  # Google News takes stories from the last two days
NEWS_LIMIT = 1000  # and at most this many in one news sitemap


class SiteSitemap(Sitemap):
    """A sitemap whose addresses start with NEWSROOM_SITE_URL, whatever Host the request named."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.NEWSROOM_SITE_URL).scheme

    def get_domain(self, site=None):
        site = urlsplit(settings.NEWSROOM_SITE_URL)
        return site.netloc + site.path.rstrip("/")


class StorySitemap(SiteSitemap):
    changefreq = "daily"
    limit = SITEMAP_LIMIT

    def items(self):
        return Article.objects.indexable().only("slug", "publish_at", "updated_at").order_by("-publish_at", "-pk")

    def lastmod(self, story):
        return story.last_modified


class SectionSitemap(SiteSitemap):
    changefreq = "hourly"
    limit = SITEMAP_LIMIT

    def items(self):
        return Section.objects.all()


class TopicSitemap(SiteSitemap):
    changefreq = "daily"
    limit = SITEMAP_LIMIT

    def items(self):
        return Topic.objects.public().order_by("name")


class AuthorSitemap(SiteSitemap):
    changefreq = "weekly"
    limit = SITEMAP_LIMIT

    def items(self):
        return Author.objects.filter(bylines__article__in=Article.objects.published().values("pk")).distinct().order_by("name")


class NewsSitemap(SiteSitemap):
    """The Google News sitemap: stories published in the last two days, newest first (template sitemaps/news.xml).

    A story leaves it two days after its publication: the cached file may name it for
    a few minutes more (pagecache.MAX_AGE), which Google tolerates.
    """

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - timedelta(days=NEWS_DAYS)
        return Article.objects.indexable().filter(publish_at__gte=since).order_by("-publish_at", "-pk")

    def lastmod(self, story):
        return story.last_modified


def fits_one_file(sitemaps):
    """Whether every address of these sitemaps fits in one sitemap file."""
    return sum(section().paginator.count for section in sitemaps.values()) <= SITEMAP_LIMIT


def sitemap_or_index(request, sitemaps, news):
    """/sitemap.xml: every address in one file while they fit, else an index of the files that hold them."""
    if fits_one_file(sitemaps):
        return sitemap(request, sitemaps)
    # Django's own index would name the files at the request's Host: this one names them at the site's address.
    files = []
    for name, section in {**sitemaps, **news}.items():
        section = section()
        location, last_mod = absolute_url(reverse("sitemap-section", kwargs={"section": name})), section.get_latest_lastmod()
        pages = range(1, section.paginator.num_pages + 1)
        files += [SitemapIndexItem(location if n == 1 else f"{location}?p={n}", last_mod) for n in pages]
    return TemplateResponse(request, "sitemap_index.xml", {"sitemaps": files}, content_type="application/xml")


def robots_txt(request):
    """robots.txt: crawl the site but not the admin, the reply forms' addresses or search results; here are the sitemaps."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /comments/",
        f"Disallow: {reverse('articles:search')}",
        "",
        f"Sitemap: {absolute_url(reverse('sitemap'))}",
        f"Sitemap: {absolute_url(reverse('sitemap-news'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")

