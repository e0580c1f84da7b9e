from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        from newsroom import pagecache

        from .models import Article, Author, Byline, Image, Section

        # Whatever readers see of these, in any page, list or feed: a change makes cached pages stale.
        for model in (Article, Author, Byline, Image, Section):
            for signal in (post_save, post_delete):
                signal.connect(pages_changed, sender=model, dispatch_uid=f"articles.pages_changed.{model.__name__}")
        pagecache.register_schedule(next_publication)


def pages_changed(sender, **kwargs):
    from newsroom import pagecache

    pagecache.changed()


def next_publication():
    """When the next scheduled story goes public: lists, feeds and its own page change then."""
    from .models import Article

    return Article.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()
