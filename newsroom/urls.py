import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path, re_path

from articles.feeds import LatestStoriesAtomFeed, LatestStoriesFeed
from articles.sitemaps import (
    AuthorSitemap,
    NewsSitemap,
    SectionSitemap,
    StorySitemap,
    TopicSitemap,
    robots_txt,
    sitemap_or_index,
)
from live.admin import live_desk, live_desk_updates
from newsroom.views import MOVED_ADMIN, moved_admin_page, view_on_site
from pagecache import cached_for_readers, number
from pages.sitemaps import PageSitemap

# Editors and moderators see the site's name in the admin, not "Django administration".
admin.site.site_header = settings.NEWSROOM_SITE_NAME
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} admin"

handler400 = "newsroom.views.bad_request"
handler403 = "newsroom.views.permission_denied"

sitemaps = {
    "stories": StorySitemap,
    "sections": SectionSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
    "pages": PageSitemap,
}
news = {"news": NewsSitemap}
# Feeds and sitemaps list the latest stories and when each last changed, its live updates included: any story's
# change moves them, and any live update's (pagecache).
LATEST = ("latest", "live")

urlpatterns = [
    # Before the admin's own: its "View on site" shortcut, which must not reveal an unpublished story's address.
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    # The live desk belongs to the live app, at the story's admin address where editors find it.
    path("admin/articles/article/<path:object_id>/live/", admin.site.admin_view(live_desk), name="live-desk"),
    path("admin/articles/article/<path:object_id>/live/updates/", admin.site.admin_view(live_desk_updates), name="live-desk-updates"),
    # Pictures, live updates and the front page had their admin pages under the articles app: old bookmarks lead on.
    re_path(rf"^admin/articles/(?P<model>{'|'.join(MOVED_ADMIN)})/(?P<rest>.*)$", moved_admin_page),
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("feeds/latest/", cached_for_readers(shows=LATEST)(LatestStoriesFeed()), name="feeds-latest"),
    path("feeds/atom/", cached_for_readers(shows=LATEST)(LatestStoriesAtomFeed()), name="feeds-atom"),
    path("sitemap.xml", cached_for_readers(shows=LATEST)(sitemap_or_index), {"sitemaps": sitemaps, "news": news}, name="sitemap"),
    path("sitemap-news.xml", cached_for_readers(shows=LATEST)(sitemap), {"sitemaps": news, "template_name": "sitemaps/news.xml"}, name="sitemap-news"),
    path("sitemap-<section>.xml", cached_for_readers(query={"p": number()}, shows=LATEST)(sitemap), {"sitemaps": sitemaps}, name="sitemap-section"),
    path("robots.txt", cached_for_readers()(robots_txt), name="robots"),
    path("", include("articles.urls")),
    path("", include("live.urls")),
    path("", include("desk.urls")),
    # Last: /<slug>/ is an editors' page (About, Privacy notice…) only where it is no other address.
    path("", include("pages.urls")),
]

if (settings.DEBUG or settings.NEWSROOM_SERVE_MEDIA) and settings.MEDIA_URL.startswith("/"):
    # Files on disk served by Django: in development, and on a single machine whose proxy does not.
    from pictures.views import serve_media

    urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", serve_media)]
