"""What search engines and news aggregators are told: sitemaps, the Google News sitemap, robots.txt.

/sitemap.xml is one sitemap of every public address while they fit in one file
(SITEMAP_LIMIT, the protocol's 50,000); past that it becomes a sitemap index naming
/sitemap-<section>.xml files of at most that many each, and the news sitemap.
"""

from datetime import timedelta

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import index, sitemap
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from .models import Article, Author, Section, Topic, absolute_url

SITEMAP_LIMIT = 50_000  # addresses in one sitemap file, as the sitemaps protocol allows
NEWS_DAYS = 2  # Google News takes stories from the last two days
NEWS_LIMIT = 1000  # and at most this many in one news sitemap


class StorySitemap(Sitemap):
    changefreq = "daily"
    limit = SITEMAP_LIMIT

    def items(self):
        return Article.objects.published().only("slug", "publish_at", "updated_at").order_by("-publish_at", "-pk")

    def lastmod(self, story):
        return story.last_modified


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    limit = SITEMAP_LIMIT

    def items(self):
        return Section.objects.all()


class TopicSitemap(Sitemap):
    changefreq = "daily"
    limit = SITEMAP_LIMIT

    def items(self):
        """Topics with at least one public story (a topic page with none says so, and is not worth a crawl)."""
        return Topic.objects.filter(articles__in=Article.objects.published().values("pk")).distinct().order_by("name")


class AuthorSitemap(Sitemap):
    changefreq = "weekly"
    limit = SITEMAP_LIMIT

    def items(self):
        return Author.objects.filter(bylines__article__in=Article.objects.published().values("pk")).distinct().order_by("name")


class NewsSitemap(Sitemap):
    """The Google News sitemap: stories published in the last two days, newest first (template sitemaps/news.xml).

    A story leaves it two days after its publication: the cached file may name it for
    a few minutes more (newsroom.pagecache.MAX_AGE), which Google tolerates.
    """

    limit = NEWS_LIMIT

    def items(self):
        since = timezone.now() - timedelta(days=NEWS_DAYS)
        return Article.objects.published().filter(publish_at__gte=since).order_by("-publish_at", "-pk")

    def lastmod(self, story):
        return story.last_modified


def fits_one_file(sitemaps):
    """Whether every address of these sitemaps fits in one sitemap file."""
    return sum(section().paginator.count for section in sitemaps.values()) <= SITEMAP_LIMIT


def sitemap_or_index(request, sitemaps, news):
    """/sitemap.xml: every address in one file while they fit, else an index of the files that hold them."""
    if fits_one_file(sitemaps):
        return sitemap(request, sitemaps)
    return index(request, {**sitemaps, **news}, sitemap_url_name="sitemap-section")


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

