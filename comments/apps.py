from django.apps import AppConfig


class CommentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comments"
    verbose_name = "Reader replies"

    def ready(self):
        from . import signals  # noqa: F401  (connects the moderator notification)
