"""Published stories and sections for search engines, at /sitemap.xml."""

from django.contrib.sitemaps import Sitemap

from .models import Article, Section


class StorySitemap(Sitemap):
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Article.objects.published().only("slug", "publish_at", "updated_at")

    def lastmod(self, story):
        return story.last_modified


class SectionSitemap(Sitemap):
    changefreq = "hourly"

    def items(self):
        return Section.objects.all()


sitemaps = {"stories": StorySitemap, "sections": SectionSitemap}
