"""Readers' views of replies: posting one, reporting one, a reply's permanent link. They speak HTTP;
comments.moderation decides everything else."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Article

from . import browser
from .forms import ReplyForm, ReportForm
from .models import Comment, StoryDiscussion
from .moderation import REPORT_THANKS, moderator

CLOSED = "Replies to this story are closed. Your text is kept below."
# One answer for a story taken down, a draft, an embargoed or a missing one: nothing says whether it exists.
NOT_PUBLIC = "This story is not available, so it takes no replies. Your text is kept below."
STALE_PAGE = (
    "Your reply was not posted because the page's security check had expired (this happens when cookies "
    "are cleared or a page stays open a long time). Your text is kept below: please post it again."
)


def not_posted(request, article, *, form=None, message="", status=200, retry_after=0):
    """The page that says why a reply was not posted, with the reader's text kept in the form."""
    response = render(
        request, "comments/not_posted.html", {"article": article, "form": form, "message": message}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def not_public(request, article_id):
    """The one answer to a reply for a story readers cannot see (taken down, a draft, embargoed, missing):
    a 404 with the reader's text kept, naming no story. The form posts to the same address again."""
    form = ReplyForm.kept(Article(pk=article_id), request.POST)
    return not_posted(request, None, form=form, message=NOT_PUBLIC, status=404)


@require_POST
def post_reply(request, article_id):
    """Store a reply to a public story that takes replies, then go back to the story (303).

    A story that stopped taking replies (closed: 403) or being public (404) while the reader wrote
    gives them back their text in the form, with the reason.
    """
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        return not_public(request, article_id)
    discussion = StoryDiscussion.for_story(article)
    if not moderator.allow(article, discussion):
        return not_posted(request, article, form=ReplyForm.kept(article, request.POST), message=CLOSED, status=403)
    token = browser.author_token(request) or browser.new_author_token()
    form = ReplyForm(article, request.POST, author_token=token)
    if not form.is_valid():
        return not_posted(request, article, form=form)

    reply = form.build_reply(browser.client_ip(request), browser.user_agent(request))
    reply.user = moderator.staff_author(request.user)
    received = moderator.receive(reply, author_token=token, form_nonce=form.form_nonce, discussion=discussion)
    if refusal := received.refusal:
        form.show_again()
        return not_posted(
            request, article, form=form, message=refusal.message, status=refusal.status, retry_after=refusal.retry_after
        )

    messages.success(request, received.thanks)
    response = HttpResponseRedirect(received.reply.get_absolute_url(), status=303)
    browser.give_author_token(response, token)
    browser.remember_fields(token, form.cleaned_data)
    return response


def post_without_its_token(request, article_id):
    """A reply sent with a stale security token (cookies cleared, a page open for days): shown again with
    the reader's text kept and a fresh token, rather than lost on a bare error page."""
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        return not_public(request, article_id)
    return not_posted(request, article, form=ReplyForm.kept(article, request.POST), message=STALE_PAGE, status=403)


def _public_reply(request, reply_id):
    """A reply this browser sees as published, on a story readers see: anything else is not found."""
    replies = Comment.objects.seen_as_published_by(browser.author_token(request))
    return get_object_or_404(replies.filter(article__in=Article.objects.published()).select_related("article"), pk=reply_id)


@require_http_methods(["GET", "HEAD", "POST"])
def report_reply(request, reply_id):
    """The small page with the reasons to report a reply, and what takes the report (303 back to the story).

    A page of its own, with its own CSRF token, so the cached story page needs no form per reply and
    works without JavaScript. The reader is thanked the same way whether or not this browser had
    reported the reply before; nobody is ever told who reported.
    """
    reply = _public_reply(request, reply_id)
    form = ReportForm(reply, request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = browser.author_token(request) or browser.new_author_token()
        data = form.cleaned_data
        refusal = moderator.report(reply, data["reason"], data["note"].strip(), token, browser.client_ip(request))
        if refusal is None:
            messages.success(request, REPORT_THANKS)
            response = HttpResponseRedirect(reply.get_absolute_url(), status=303)
            browser.give_author_token(response, token)
            return response
        response = render(
            request, "comments/report.html", {"reply": reply, "form": form, "message": refusal.message}, status=refusal.status
        )
        response["Retry-After"] = str(refusal.retry_after)
    else:
        response = render(request, "comments/report.html", {"reply": reply, "form": form})
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def reply_permalink(request, reply_id):
    """A public reply's permanent address: the story page that shows it, at the reply."""
    return HttpResponseRedirect(_public_reply(request, reply_id).get_absolute_url())
