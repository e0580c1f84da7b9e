from articles.sitemaps import SiteSitemap

from .models import Page


class PageSitemap(SiteSitemap):
    changefreq = "monthly"

    def items(self):
        return Page.objects.all()

    def lastmod(self, page):
        return page.updated_at
