import re

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from articles.feeds import LatestStoriesAtomFeed, LatestStoriesFeed
from articles.sitemaps import sitemaps
from newsroom.pagecache import cached_for_readers
from newsroom.views import view_on_site

# Editors and moderators see the site's name in the admin, not "Django administration".
admin.site.site_header = settings.NEWSROOM_SITE_NAME
admin.site.site_title = f"{settings.NEWSROOM_SITE_NAME} admin"

handler400 = "newsroom.views.bad_request"
handler403 = "newsroom.views.permission_denied"

urlpatterns = [
    # Before the admin's own: its "View on site" shortcut, which must not reveal an unpublished story's address.
    path("admin/r/<int:content_type_id>/<path:object_id>/", admin.site.admin_view(view_on_site)),
    path("admin/", admin.site.urls),
    path("comments/", include("comments.urls")),
    path("feeds/latest/", cached_for_readers()(LatestStoriesFeed()), name="feeds-latest"),
    path("feeds/atom/", cached_for_readers()(LatestStoriesAtomFeed()), name="feeds-atom"),
    path("sitemap.xml", cached_for_readers(query=("p",))(sitemap), {"sitemaps": sitemaps}, name="sitemap"),
    path("", include("articles.urls")),
]

if (settings.DEBUG or settings.NEWSROOM_SERVE_MEDIA) and settings.MEDIA_URL.startswith("/"):
    # Files on disk served by Django: in development, and on a single machine whose proxy does not.
    from django.urls import re_path

    from newsroom.views import serve_media

    urlpatterns += [re_path(rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.+)$", serve_media)]
