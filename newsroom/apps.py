from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project's own app: management commands for the whole site, its deploy checks (checks.py), and
    the caching proxy in front, told of every change (pagecache/proxy.py: nothing without NEWSROOM_PURGE_URLS)."""

    name = "newsroom"

    def ready(self):
        import pagecache
        from newsroom import checks  # noqa: F401 (registers the checks)
        from pagecache import proxy

        pagecache.after_change(proxy.purge_changed)
