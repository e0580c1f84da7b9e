from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_save


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        import pagecache

        from .models import Article, Author, Byline, Correction, Section, Topic

        # Whatever readers see of these, in any page, list or feed: a change makes cached pages stale.
        pagecache.watch(Article, Author, Byline, Section, Topic, Correction)
        # A story's topics are a many-to-many: adding or removing one saves neither the story nor the topic.
        m2m_changed.connect(topics_changed, sender=Article.topics.through, dispatch_uid="articles.topics_changed")
        # Search finds a story by its words as last saved.
        post_save.connect(index_for_search, sender=Article, dispatch_uid="articles.index_for_search")
        pagecache.register_schedule(next_publication)
        pagecache.register_schedule(next_take_down)
        pagecache.register_schedule(next_live_change)


def topics_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        import pagecache

        pagecache.changed()


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
