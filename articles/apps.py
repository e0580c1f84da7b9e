from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        import pagecache

        from .models import (
            Article,
            Author,
            Byline,
            Correction,
            FeaturedStory,
            FrontPage,
            Image,
            LiveUpdate,
            Section,
            Topic,
        )

        # Whatever readers see of these, in any page, list or feed: a change makes cached pages stale.
        for model in (Article, Author, Byline, Image, Section, FrontPage, FeaturedStory, Topic, Correction, LiveUpdate):
            for signal in (post_save, post_delete):
                signal.connect(pages_changed, sender=model, dispatch_uid=f"articles.pages_changed.{model.__name__}")
        # A story's topics are a many-to-many: adding or removing one saves neither the story nor the topic.
        m2m_changed.connect(topics_changed, sender=Article.topics.through, dispatch_uid="articles.topics_changed")
        # Search finds a story by its words as last saved.
        post_save.connect(index_for_search, sender=Article, dispatch_uid="articles.index_for_search")
        pagecache.register_schedule(next_publication)
        pagecache.register_schedule(next_take_down)
        pagecache.register_schedule(next_banner_end)
        pagecache.register_schedule(next_live_change)
        pagecache.register_schedule(next_live_update)


def pages_changed(sender, **kwargs):
    import pagecache

    pagecache.changed()


def topics_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        pages_changed(sender)


def index_for_search(sender, instance, **kwargs):
    from .search import index_story

    index_story(instance)


def next_publication():
    """When the next scheduled story goes public: lists, feeds and its own page change then."""
    from .models import Article

    return Article.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()


def next_take_down():
    """When the next public story is taken down at its time: it leaves lists and feeds, its page answers 410."""
    from django.utils import timezone

    from .models import Article

    return (
        Article.objects.filter(status=Article.Status.PUBLISHED, expire_at__gt=timezone.now())
        .order_by("expire_at")
        .values_list("expire_at", flat=True)
        .first()
    )


def next_banner_end():
    """When the front page's breaking-news banner ends by itself."""
    from .models import FrontPage

    front = FrontPage.objects.filter(pk=1).first()
    return front.next_change() if front else None


def next_live_change():
    """When a story's live coverage starts or ends at its time: LIVE comes or goes on its page and in lists."""
    from django.db.models import Min, Q
    from django.utils import timezone

    from .models import Article

    now = timezone.now()
    moments = Article.objects.aggregate(
        start=Min("live_from", filter=Q(live_from__gt=now)), end=Min("live_until", filter=Q(live_until__gt=now))
    )
    found = [moment for moment in moments.values() if moment is not None]
    return min(found) if found else None


def next_live_update():
    """When the next scheduled live update appears: its story's page, check and feed change then."""
    from .models import LiveUpdate

    return LiveUpdate.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()

