"""The one view that takes a reply: validate, rate-limit, moderate, save, redirect."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from articles.models import Article

from . import browser
from .forms import ReplyForm
from .models import Comment
from .moderation import moderator

THANKS = {
    Comment.Status.APPROVED: "Thank you. Your reply is published.",
    # Spam is told the same as a pending reply: nothing to learn from.
    Comment.Status.PENDING: "Thank you. Your reply is awaiting moderation.",
    Comment.Status.SPAM: "Thank you. Your reply is awaiting moderation.",
}


@require_POST
def post_reply(request, article_id):
    """Store a reply to a public story whose comments are open, then go back to the story (303)."""
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    if not moderator.is_open(article):
        return render(
            request, "comments/not_posted.html",
            {"article": article, "message": "Comments are closed on this story."}, status=403,
        )
    form = ReplyForm(article, request.POST)
    if not form.is_valid():
        return render(request, "comments/not_posted.html", {"article": article, "form": form})
    ip_address = browser.client_ip(request)
    if refusal := moderator.rate_limit(ip_address, form.cleaned_data["email"]):
        response = render(
            request, "comments/not_posted.html", {"article": article, "form": form, "message": refusal.message}, status=429
        )
        response["Retry-After"] = str(refusal.retry_after)
        return response

    token = browser.author_token(request)
    reply = form.build_reply(ip_address, browser.user_agent(request))
    reply.status = moderator.verdict(reply, returning_author=moderator.is_returning_author(token))
    token = token or browser.new_author_token()
    reply.author_token = Comment.hash_token(token)
    reply.save()

    messages.success(request, THANKS[reply.status])
    target = reply.get_absolute_url() if reply.status != Comment.Status.SPAM else f"{article.get_absolute_url()}#comments"
    response = HttpResponseRedirect(target, status=303)
    browser.give_author_token(response, token)
    browser.remember_fields(response, form.cleaned_data)
    return response
