from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_save, pre_delete


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"

    def ready(self):
        import pagecache

        from .models import Article, Author, Byline, Correction, Section, Topic

        # A story changes its page and the lists it is in; a byline or a correction, its story and writer's list.
        pagecache.watch(Article, keys=lambda story: getattr(story, "_page_keys_before_delete", None) or story.page_keys())
        pre_delete.connect(remember_page_keys, sender=Article, dispatch_uid="articles.remember_page_keys")
        pagecache.watch(Byline, keys=lambda byline: {f"story-{byline.article_id}", f"author-{byline.author_id}", "latest"})
        pagecache.watch(Correction, keys=lambda correction: {f"story-{correction.article_id}", "latest"})
        # Names every page prints (the sections' menu, a byline, a topic) and the memos they are read from.
        pagecache.watch(Author, Section, Topic)
        # A story's topics are a many-to-many: adding or removing one saves neither the story nor the topic.
        m2m_changed.connect(topics_changed, sender=Article.topics.through, dispatch_uid="articles.topics_changed")
        # Search finds a story by its words as last saved.
        post_save.connect(index_for_search, sender=Article, dispatch_uid="articles.index_for_search")
        pagecache.register_schedule(next_publication)
        pagecache.register_schedule(next_take_down)
        pagecache.register_schedule(next_live_change)


def topics_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """The stories and topics named: their pages, and the lists they are in."""
    import pagecache

    if action == "pre_clear":  # which are cleared is known only before
        pk_set = set(sender.objects.filter(**{"topic_id" if reverse else "article_id": instance.pk}).values_list(
            "article_id" if reverse else "topic_id", flat=True))
    elif action not in ("post_add", "post_remove"):
        return
    stories, topics = (pk_set, {instance.pk}) if reverse else ({instance.pk}, pk_set)
    pagecache.changed("latest", *(f"story-{pk}" for pk in stories), *(f"topic-{pk}" for pk in topics))


def remember_page_keys(sender, instance, **kwargs):
    """A story deleted: which lists it was in, asked while its topics and bylines are still there."""
    instance._page_keys_before_delete = instance.page_keys()


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
