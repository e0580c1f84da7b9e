"""Two moderators on one queue: the page's check for what changed, and the claim on the reply a moderator has open.

Views only, under /admin/comments/comment/moderate/ (CommentAdmin.get_urls()). The moderation page's
script asks `check` every few seconds with the ETag of its last answer and gets 304 while nothing in its
queue changed; an answer lists the replies now on its page (new ones are fetched and shown, decided ones
leave) and who else has which of them open. What a claim is, is Claim's; a decision that lost a race is
refused by moderation.decide().
"""

import hashlib
import json

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_GET, require_POST

from .conf import app_settings
from .models import Claim, Comment
from .queue import QueueView, whole_number


@require_GET
def check(request, model_admin):
    """The queue's state for the open page (`queue`, `order`, `story`, `page` as in its address): its
    counts, the ids on the page in order, and the colleagues' claims on them; 304 for an unchanged ETag.

    Five small queries whatever the queue's length (its counts, its page of ids, the claims on it).
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    view = QueueView.from_request(request.GET, request.user)
    replies = view.replies()
    ids = list(view.page_of(replies.in_queue(view.queue)).values_list("pk", flat=True))
    body = json.dumps({
        "counts": replies.queue_counts(),
        "ids": ids,
        "claims": Claim.objects.holders(ids, request.user),
        "poll": app_settings.QUEUE_CHECK_SECONDS,
    }).encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_POST
def claim(request, model_admin):
    """Claim the reply this moderator has open (their other claims end); who holds it now, as JSON."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    reply_id = whole_number(request.POST.get("reply"))
    if reply_id is None:
        return HttpResponseBadRequest("Choose a reply.")
    held = Claim.take(get_object_or_404(Comment, pk=reply_id), request.user)
    mine = held is not None and held.moderator_id == request.user.pk
    return JsonResponse({"reply": reply_id, "mine": mine, "holder": held.holder if held and not mine else ""})
