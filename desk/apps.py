from django.apps import AppConfig


class DeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "desk"
    verbose_name = "Editors' desk"

    def ready(self):
        import pagecache
        from articles.views import register_front_page_curation

        from .models import FeaturedStory, FrontPage

        # The front page's lead, featured stories and banner are what readers see first.
        pagecache.watch(FrontPage, FeaturedStory)
        pagecache.register_schedule(next_banner_end)
        register_front_page_curation(FrontPage.curation)


def next_banner_end():
    """When the front page's breaking-news banner ends by itself."""
    from .models import FrontPage

    front = FrontPage.objects.filter(pk=1).first()
    return front.next_change() if front else None
