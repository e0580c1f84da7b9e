from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PagesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pages"
    verbose_name = "Pages"

    def ready(self):
        from .models import Page

        # A page's text and its place in every page's footer: a change makes cached pages stale.
        for signal in (post_save, post_delete):
            signal.connect(pages_changed, sender=Page, dispatch_uid=f"pages.pages_changed.{signal}")


def pages_changed(sender, **kwargs):
    import pagecache

    pagecache.changed()
