from datetime import timedelta

from django.apps import AppConfig
from django.core import checks


class CommentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comments"
    verbose_name = "Reader replies"

    def ready(self):
        import pagecache
        from background import schedule

        from .conf import app_settings
        from .models import replies_changed
        from .moderation import moderator
        from .privacy import daily_purge
        from .scores import retrain_spam_classifier
        from .subscriptions import replies_published

        checks.register(check_settings)
        pagecache.register_schedule(moderator.next_closing)
        schedule.every(timedelta(days=1), "comments.purge", daily_purge)
        # The spam classifier learns from the moderators' latest decisions (nothing is done when there are none).
        schedule.every(timedelta(seconds=app_settings.SPAM_RETRAIN_SECONDS), "comments.spam_classifier", retrain_spam_classifier)
        # Readers who follow a story hear of the replies newly approved on it, whichever path approved them.
        replies_changed.connect(replies_published, dispatch_uid="comments.replies_published")


def check_settings(app_configs, **kwargs):
    """A NEWSROOM_COMMENTS_* value that cannot be read stops the site at start-up, not at the first reply."""
    from .conf import app_settings

    return [
        checks.Error(f"{name}: {problem}.", hint="See comments/conf.py for each setting's type.", id="comments.E001")
        for name, problem in app_settings.problems()
    ]
