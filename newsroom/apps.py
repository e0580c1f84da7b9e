from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The project's own app: management commands for the whole site, and its deploy checks (checks.py)."""

    name = "newsroom"

    def ready(self):
        from newsroom import checks  # noqa: F401 (registers the checks)
