"""How other apps' templates show replies: the thread and form under a story, counts on lists, the admin queue size."""

from django import template
from django.core.paginator import Paginator
from django.db.models import Count

from comments import browser
from comments.conf import app_settings
from comments.forms import ReplyForm
from comments.models import Comment
from comments.moderation import moderator

register = template.Library()


def build_threads(replies):
    """Top-level replies, each with .children in order; replies whose parent is not shown are left out."""
    by_id = {reply.pk: reply for reply in replies}
    threads = []
    for reply in replies:
        reply.children = []
    for reply in replies:
        if reply.parent_id is None:
            threads.append(reply)
        elif reply.parent_id in by_id:
            by_id[reply.parent_id].children.append(reply)
    return threads


def _reply_to(request, replies):
    """The public reply named by ?replyto=N, so the no-JavaScript "Reply" link works."""
    try:
        wanted = int(request.GET.get("replyto", ""))
    except ValueError:
        return None
    return next((reply for reply in replies if reply.pk == wanted and reply.is_public), None)


@register.inclusion_tag("comments/replies.html", takes_context=True)
def render_comments(context, article):
    """The story's replies (one query, tree built here), then the form or a note that replies are closed."""
    request = context.get("request")
    token = browser.author_token(request) if request else ""
    replies = list(Comment.objects.for_story_page(article, token))
    page = Paginator(build_threads(replies), app_settings.PER_PAGE).get_page(request.GET.get("cpage") if request else None)
    is_open = moderator.allow(article)
    replying_to = _reply_to(request, replies) if request and is_open else None
    form = None
    if is_open:
        initial = browser.remembered_fields(request) if request else {}
        initial["remember"] = bool(initial)
        if replying_to:
            initial["parent"] = replying_to.pk
        form = ReplyForm(article, initial=initial)
    return {
        "article": article,
        "public_count": sum(reply.is_public for reply in replies),
        "page": page,
        "form": form,
        "is_open": is_open,
        "is_preview": not article.is_published(),
        "replying_to": replying_to,
    }


@register.simple_tag
def comment_counts(stories):
    """{story id: number of public replies} for a list of stories, in one query: `{% comment_counts stories as counts %}`."""
    return dict(
        Comment.objects.public()
        .filter(article__in=[story.pk for story in stories])
        .order_by()
        .values_list("article")
        .annotate(n=Count("pk"))
    )


@register.filter
def replies_to(counts, story):
    """How many public replies `story` has, from the dict comment_counts made: `counts|replies_to:story`."""
    return counts.get(story.pk, 0)


@register.simple_tag
def pending_reply_count():
    """How many replies wait for a moderator, for the admin index."""
    return Comment.objects.pending().count()
