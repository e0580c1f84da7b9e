from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project's own app: management commands for the whole site, its deploy checks (checks.py), and
    what follows every change in the background: the changed pages rendered again (pagecache/renew.py), then
    the caching proxy in front told (pagecache/proxy.py: nothing without NEWSROOM_PURGE_URLS)."""

    name = "newsroom"

    def ready(self):
        import pagecache
        from newsroom import checks  # noqa: F401 (registers the checks)
        from pagecache import renew

        pagecache.after_change(renew.renew_changed)
