"""Readers' views of replies: posting one, reporting one, a reply's permanent link, what is a browser's own
on a story page every reader shares, and the links in the emails about replies (confirm, stop). They speak
HTTP; comments.moderation and comments.subscriptions decide everything else."""

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from articles.models import Article

from . import browser, subscriptions
from .forms import ReplyForm, ReportForm, issue_timestamp
from .models import Comment, StoryDiscussion
from .moderation import REPORT_THANKS, moderator

CLOSED = "Replies to this story are closed. Your text is kept below."
# One answer for a story taken down, a draft, an embargoed or a missing one: nothing says whether it exists.
NOT_PUBLIC = "This story is not available, so it takes no replies. Your text is kept below."
# The first reply from a page every reader shares, sent without JavaScript: the page carried no security token.
FIRST_POST = (
    "Please check and send your reply. The story page is the same for every reader, so it cannot carry the "
    "security check a reply needs: this page does. Your text is kept below."
)
REPORT_AGAIN = "Please check and send your report: this page carries the security check the last one lacked."
STALE_PAGE = (
    "Your reply was not posted because the page's security check had expired (this happens when cookies "
    "are cleared or a page stays open a long time). Your text is kept below: please post it again."
)


def not_posted(request, article, *, form=None, message="", status=200, retry_after=0, title="Your reply was not posted"):
    """The page that says why a reply was not posted, with the reader's text kept in the form: theirs alone."""
    context = {"article": article, "form": form, "message": message, "title": title}
    response = render(request, "comments/not_posted.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
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
    subscriptions.subscribe(form.cleaned_data["email"], article, form.subscription_kinds())
    return response


def post_without_its_token(request, article_id):
    """A reply sent without a valid security token, shown again with the reader's text kept, a fresh token
    and the details this browser asked to be remembered, rather than lost on a bare error page: the first
    reply from a shared story page without JavaScript (it carries no token), or one from a stale page
    (cookies cleared, a page open for days)."""
    article = Article.objects.published().filter(pk=article_id).first()
    if article is None:
        return not_public(request, article_id)
    form = ReplyForm.kept(article, request.POST, remembered=browser.remembered_fields(request))
    if "csrfmiddlewaretoken" not in request.POST:
        return not_posted(request, article, form=form, message=FIRST_POST, title="Please check and send your reply")
    return not_posted(request, article, form=form, message=STALE_PAGE, status=403)


def _own_reply_html(request, page, reply):
    """One of this browser's replies as the thread shows it, with an empty list for its answers if it has any."""
    closes = range(1 if reply.children else 0)
    context = {"rows": [(reply, closes)], "page": page, "is_open": True, "moderating": False}
    return render_to_string("comments/thread.html", context, request).strip()


@require_GET
def replies_for_me(request, article_id):
    """What is this browser's own on a story page every reader shares, asked by the site's JavaScript
    (JSON) or by a reader without it (an HTML page): never cached, never kept by a proxy.

    JSON: a CSRF token and a signed timestamp for the reply form, the details this browser asked to be
    remembered, the thread's title as this browser sees it, and this browser's replies on the page
    (?sort=, ?cpage=) with where each goes. Its published replies are listed with those readers cannot
    see yet, so the answer is the same whether a reply was published or held for who wrote it. A browser
    with no token or a tampered one gets the same shape with nothing of its own; a story that is not
    public is the site's 404, as for a missing one.
    """
    article = get_object_or_404(Article.objects.published(), pk=article_id)
    token = browser.author_token(request)
    if request.get_preferred_type(["text/html", "application/json"]) == "application/json":
        page = Comment.objects.thread_page(article, request.GET.get("cpage"), token, sort=request.GET.get("sort"))
        mine = Comment.hash_token(token) if token else None
        placed = page.placed([reply for reply, _ in page.rows() if reply.author_token == mine])
        remembered = browser.remembered_fields(request)
        response = JsonResponse({
            "csrf_token": get_token(request),
            "timestamp": issue_timestamp(article.pk),
            "fields": {**dict.fromkeys(browser.REMEMBERED_FIELDS, ""), **remembered, "remember": bool(remembered)},
            "heading": page.heading,
            "replies": [
                {"id": reply.pk, "parent": parent, "after": after, "html": _own_reply_html(request, page, reply)}
                for reply, parent, after in placed
            ],
        })
    else:
        replies = list(Comment.objects.written_by(token).filter(article=article))
        for reply in replies:
            reply.children, reply.shown_waiting = [], reply.is_awaiting_for_its_author
        rows = [(reply, range(0)) for reply in replies]
        response = render(request, "comments/own_replies.html", {"article": article, "rows": rows})
    patch_cache_control(response, private=True, no_store=True)
    patch_vary_headers(response, ["Accept"])
    response["X-Robots-Tag"] = "noindex"
    return response


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
        response = _report_page(request, reply, form, message=refusal.message, status=refusal.status)
        response["Retry-After"] = str(refusal.retry_after)
        return response
    return _report_page(request, reply, form)


def report_without_its_token(request, reply_id):
    """A report sent without a valid security token: the report page again, the reason kept, with a fresh token."""
    reply = _public_reply(request, reply_id)
    form = ReportForm(reply, initial={"reason": request.POST.get("reason", ""), "note": request.POST.get("note", "")})
    return _report_page(request, reply, form, message=REPORT_AGAIN)


def _report_page(request, reply, form, message="", status=200):
    """The report page, with its own CSRF token: private, never cached nor indexed."""
    response = render(request, "comments/report.html", {"reply": reply, "form": form, "message": message}, status=status)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def reply_permalink(request, reply_id):
    """A public reply's permanent address: the story page that shows it, at the reply."""
    return HttpResponseRedirect(_public_reply(request, reply_id).get_absolute_url())


def _subscription_page(request, title, message, button="", with_csrf=False, status=200):
    """A page about a reader's emails: private, never cached nor indexed."""
    context = {"title": title, "message": message, "button": button, "with_csrf": with_csrf}
    response = render(request, "comments/subscription.html", context, status=status)
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


LINK_EXPIRED = "This link has expired or is not one we sent. Tick the box under a story's reply form to ask again."


@require_http_methods(["GET", "HEAD", "POST"])
def confirm_subscription(request, token):
    """The link in a confirmation email: a button (so a mail scanner opening links confirms nothing), and
    the confirmation. The same words whether the address had confirmed before or not."""
    subscriber_id = subscriptions.confirmation_asked(token)
    if subscriber_id is None:
        return _subscription_page(request, "Link expired", LINK_EXPIRED, status=404)
    if request.method != "POST":
        return _subscription_page(
            request, "Confirm your email", "Press the button to get emails about the replies you asked for.",
            button="Confirm my email", with_csrf=True,
        )
    subscriptions.confirm(subscriber_id)
    return _subscription_page(
        request, "Email confirmed", "Thank you. We will email you about the replies you asked for; "
        "each email has a link to stop them.",
    )


@csrf_exempt  # RFC 8058: a mail client posts "List-Unsubscribe=One-Click" with no cookie; the link is signed
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """Stop emails about a story, or all of them: a page with a button, and the one-click POST of RFC 8058.
    The same answer whether the address was subscribed or not."""
    asked = subscriptions.stop_asked(token)
    if asked is None:
        return _subscription_page(request, "Link not recognised", LINK_EXPIRED, status=404)
    subscriber_id, article_id = asked
    what = "about this story" if article_id else "about replies"
    if request.method != "POST":
        return _subscription_page(
            request, "Stop the emails", f"Press the button and we will send you no more emails {what}.",
            button="Stop the emails",
        )
    subscriptions.unsubscribe(subscriber_id, article_id)
    return _subscription_page(request, "Emails stopped", f"You will get no more emails from us {what}.")
