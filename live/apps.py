from django.apps import AppConfig


class LiveConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "live"
    verbose_name = "Live coverage"

    def ready(self):
        import pagecache

        from .models import LiveSummary, LiveUpdate

        # An update or the summary shows on its story's page and its feed; every story's check (live_state) follows "live".
        pagecache.watch(LiveUpdate, LiveSummary, keys=lambda change: {f"story-{change.article_id}", "live"})
        pagecache.register_schedule(next_live_update)


def next_live_update():
    """When the next scheduled live update appears: its story's page, check and feed change then."""
    from .models import LiveUpdate

    return LiveUpdate.objects.scheduled().order_by("publish_at").values_list("publish_at", flat=True).first()
