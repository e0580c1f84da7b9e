"""How other apps' templates show replies: the thread and form under a story, counts on lists, the admin queue size."""

from django import template
from django.http import QueryDict

import pagecache
from comments import browser
from comments.forms import ReplyForm
from comments.models import Comment, StoryDiscussion
from comments.moderation import moderator

register = template.Library()


@register.inclusion_tag("comments/replies.html", takes_context=True)
def render_comments(context, article):
    """One page of the story's threads in the reader's chosen order, its featured replies, then the form,
    or a note that replies are closed.

    For a page the cache shares (pagecache.is_personal: no session, no message waiting) it is the same
    for every reader, reply authors included: the public replies, ?replyto= only for a public reply, and
    a form with no CSRF token, no timestamp and nothing remembered. What is the reader's own comes from
    comments.views.replies_for_me. A personal page (a moderator signed in, the page right after posting
    with its thank-you) shows the browser's own waiting replies and a form ready to post, as it always did;
    a moderator's, with approve, remove and feature buttons, is marked personal whatever the request says.
    The page cache is told which ?sort=, ?cpage= and ?replyto= the page shows (an order it has, a page
    that exists, a public reply), so an address asking for others is sent there instead of being kept.
    """
    request = context["request"]
    moderating = moderator.may_decide(request.user)
    if moderating:
        pagecache.personal(request)
    personal = pagecache.is_personal(request)
    token = browser.author_token(request) if personal else ""
    page = Comment.objects.thread_page(
        article, request.GET.get("cpage"), token, sort=request.GET.get("sort"), moderating=moderating
    )
    is_open = moderator.allow(article, page.discussion)
    replying_to = _replying_to(request, article, token) if is_open else None
    form = None
    if is_open:
        remembered = browser.remembered_fields(request) if personal else {}
        initial = remembered or moderator.staff_author_fields(request.user)
        initial["remember"] = bool(remembered)
        if replying_to:
            initial["parent"] = replying_to.pk
        form = ReplyForm(article, initial=initial, shared=not personal)
    own = QueryDict(page.query(cpage=page.number, replyto=replying_to.pk if replying_to else None).lstrip("?"))
    pagecache.shown(request, **{name: own.get(name) for name in ("sort", "cpage", "replyto")})
    return {
        "article": article,
        "page": page,
        "form": form,
        "is_open": is_open,
        "is_preview": not article.is_published(),
        "replying_to": replying_to,
        "moderating": moderating,
        "request": request,
        "csrf_token": context.get("csrf_token") if personal else None,
    }


def _replying_to(request, article, token):
    """The reply of this story named by ?replyto=N, if this browser sees it as published (with no token:
    if it is public), so the no-JavaScript "Reply" link works."""
    try:
        wanted = int(request.GET.get("replyto", ""))
    except ValueError:
        return None
    answerable = Comment.objects.seen_as_published_by(token)
    return answerable.filter(article=article, pk=wanted).first() if 0 < wanted < 2**63 else None


@register.simple_tag
def thread_query(page, cpage=None, replyto=None):
    """The query string of another page of these threads, or of the form answering a reply, in the same order."""
    return page.query(cpage=cpage, replyto=replyto)


@register.simple_tag
def comment_counts(stories):
    """{story id: number of public replies} for a list of stories, in one query: `{% comment_counts stories as counts %}`."""
    return {story_id: row.replies for story_id, row in StoryDiscussion.of([story.pk for story in stories]).items()}


@register.filter
def replies_to(counts, story):
    """How many public replies `story` has, from the dict comment_counts made: `counts|replies_to:story`."""
    return counts.get(story.pk, 0)


@register.simple_tag
def waiting_reply_counts():
    """{"new": replies awaiting moderation, "unmoderated": replies published before a moderator read them,
    "reported": replies with open reports}, for the admin index."""
    return Comment.objects.queue_counts(only=("new", "unmoderated", "reported"))
