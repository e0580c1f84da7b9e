"""The comments app's background work, as tasks of Django's tasks API (the django-tasks backport):
run by the worker, never while a reader or a moderator waits. Each is safe to run twice.

Telling subscribers of new replies (the rules are in comments.subscriptions):
"""

from django_tasks import task

from . import subscriptions


@task()
def send_confirmation(subscriber_id):
    """Email the link that confirms an address asked for emails about replies."""
    return subscriptions.send_confirmation(subscriber_id)


@task()
def tell_subscribers(article_ids):
    """Find who is to hear of the replies newly approved on these stories, and queue their emails."""
    subscriptions.tell_subscribers(article_ids)


@task()
def send_replies(subscriber_id, article_id):
    """Email one subscriber every reply to one story that waits for them, in one message."""
    return subscriptions.send_replies(subscriber_id, article_id)
