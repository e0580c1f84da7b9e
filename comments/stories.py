"""How the replies' admin names a story to a staff member: its headline and address only if they may see it.

Moderators have replies only, and nothing of a story that is not public (a draft, one in review, a
scheduled or a taken-down story): for them such a story has no headline, slug or address anywhere in
the replies' admin, and its id answers exactly as an id that does not exist. Staff who may preview
stories see every story, as on the site (Article.is_viewable_by says the same of one story).
"""

from django.db.models import Count, Exists, OuterRef
from django.utils.html import format_html

from articles.models import Article

from .models import Comment

NOT_PUBLIC = "a story that is not public"


def shown_to(user):
    """The stories whose headline and address `user` may see."""
    return Article.objects.all() if user.has_perm("articles.preview_article") else Article.objects.published()


def with_replies_waiting(user, most=20):
    """The `most` stories `user` may see with the most replies waiting for a moderator, each with `waiting`:
    the short list to pick a story from, where every story with replies would run to thousands."""
    return (
        shown_to(user)
        .filter(comments__status=Comment.Status.PENDING)
        .annotate(waiting=Count("comments"))
        .order_by("-waiting", "-publish_at")[:most]
    )


def with_story_shown(queryset, user):
    """Replies or moderation decisions, each with `story_shown`: whether `user` may see its story."""
    return queryset.annotate(story_shown=Exists(shown_to(user).filter(pk=OuterRef("article"))))


def story_link(item):
    """The headline of the story of `item` (a reply or a decision read with_story_shown and its story)
    linked to the story's address, or NOT_PUBLIC when the user may not see it."""
    if item.article_id is None:
        return "a deleted story"
    if not item.story_shown:
        return NOT_PUBLIC
    return format_html('<a href="{}">{}</a>', item.article.get_absolute_url(), item.article.headline)
