"""How other apps' templates show replies: the thread and form under a story, counts on lists, the admin queue size."""

from django import template
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count

from comments import browser
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
    """The approved reply named by ?replyto=N, so the no-JavaScript "Reply" link works."""
    try:
        wanted = int(request.GET.get("replyto", ""))
    except ValueError:
        return None
    return next((r for r in replies if r.pk == wanted and r.status == Comment.Status.APPROVED), None)


@register.inclusion_tag("comments/replies.html", takes_context=True)
def render_comments(context, article):
    """The story's replies (one query, tree built here), then the form or a note that comments are closed."""
    request = context.get("request")
    token = browser.author_token(request) if request else ""
    replies = list(Comment.objects.for_story_page(article, token))
    article.reply_count = sum(reply.status == Comment.Status.APPROVED for reply in replies)
    page = Paginator(build_threads(replies), settings.NEWSROOM_COMMENTS_PER_PAGE).get_page(
        request.GET.get("cpage") if request else None
    )
    is_open = moderator.is_open(article)
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
        "page": page,
        "form": form,
        "is_open": is_open,
        "replying_to": replying_to,
        "request": request,
    }


@register.simple_tag
def comment_counts(articles):
    """Set .reply_count (approved replies) on every story in a list, with one query."""
    stories = list(articles)
    counts = dict(
        Comment.objects.approved()
        .filter(article__in=[story.pk for story in stories])
        .order_by()
        .values_list("article")
        .annotate(n=Count("pk"))
    )
    for story in stories:
        story.reply_count = counts.get(story.pk, 0)
    return ""


@register.simple_tag
def pending_reply_count():
    """How many replies wait for a moderator, for the admin index."""
    return Comment.objects.pending().count()
