from django.apps import AppConfig


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = "Live coverage"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        import pagecache

        from .indexing import updates_changed
        from .models import LiveSummary, LiveUpdate

        # Its words are found in search from the moment readers can see it (articles.search, through live/indexing.py).
        for signal in (post_save, post_delete):
            signal.connect(updates_changed, sender=LiveUpdate, dispatch_uid=f"live.index.{signal}")

        # An update or the summary shows on its story's page and its feed; every story's check (live_state) follows "live".
        pagecache.watch(LiveUpdate, LiveSummary, keys=lambda change: {f"story-{change.article_id}", "live"})
        pagecache.register_schedule(next_live_update)


def next_live_update():
    """When the next scheduled live update appears: its story's page, check and feed change then."""
    from .models import LiveUpdate

    return LiveUpdate.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()
