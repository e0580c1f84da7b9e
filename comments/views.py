"""The one view that takes a reply: it speaks HTTP; comments.moderation decides everything else."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from articles.models import Article

from . import browser
from .forms import ReplyForm
from .moderation import moderator

CLOSED = "Comments are closed on this story."


def not_posted(request, article, *, form=None, message="", status=200, retry_after=0):
    """The page that says why a reply was not posted, with the reader's text kept in the form."""
    response = render(
        request, "comments/not_posted.html", {"article": article, "form": form, "message": message}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def post_reply(request, article_id):
    """Store a reply to a public story that takes replies, then go back to the story (303)."""
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    if not moderator.allow(article):
        return not_posted(request, article, message=CLOSED, status=403)
    form = ReplyForm(article, request.POST)
    if not form.is_valid():
        return not_posted(request, article, form=form)

    token = browser.author_token(request) or browser.new_author_token()
    reply = form.build_reply(browser.client_ip(request), browser.user_agent(request))
    received = moderator.receive(reply, author_token=token, form_nonce=form.form_nonce)
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
