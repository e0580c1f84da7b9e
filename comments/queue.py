"""The moderation page inside the admin: queues of replies worked from the keyboard or with buttons.

Views only; CommentAdmin.get_urls() puts them under /admin/comments/comment/. What a decision does is
comments.moderation's; what is in a queue is CommentQuerySet's. Every action is a plain form post that
answers with a redirect (303), or with JSON when the page's script asks for it, so the page works the
same without JavaScript, under the site's Content-Security-Policy.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from articles.models import Article

from . import stories
from .conf import app_settings
from .models import (
    QUEUES,
    UNDO_SECONDS,
    Ban,
    Claim,
    Comment,
    DiscussionChange,
    ModerationEvent,
    Report,
    StoryDiscussion,
    without_contact,
)
from .moderation import DECISIONS, SUSPENSIONS, DecidedMeanwhile, moderator

PAGE_SIZE = 50
MOST_PAGES = 99_999
# The replies' highest score first (comments/scores.py): a reply never scored counts as 0.
TOP_SCORE = Greatest(Coalesce("offensive_score", Value(0.0)), Coalesce("spam_score", Value(0.0)))
ORDERS = {"newest": ("-created_at", "-pk"), "oldest": ("created_at", "pk"), "score": (TOP_SCORE.desc(), "-created_at", "-pk")}
ORDER_LABELS = {"newest": "Newest first", "oldest": "Oldest first", "score": "Highest score first"}
LAST_DECISION = "comments.last_decision"  # the session key for the decision the page offers to undo
KEYS = [
    ("j", "Next reply"),
    ("k", "Previous reply"),
    ("a", "Approve (and keep a reported reply)"),
    ("r", "Remove from the story (then 1–7 pick the reason, Enter confirms)"),
    ("s", "Mark as spam (Enter confirms “Spam or advertising”, or 1–7 pick another reason)"),
    ("f", "Feature, or stop featuring"),
    ("b", "Ban or suspend the author"),
    ("u", "Undo the last decision (for a few seconds)"),
    ("?", "Show these keys"),
]


def whole_number(value, most=2**63 - 1):
    """`value` (a query or form parameter) as a whole number from 1 to `most`, or None for anything else.

    The one way these pages read a number: ASCII digits only, and at most 18 of them (str.isdigit() also
    takes "²", which int() refuses with a 500).
    """
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{1,18}", value):
        return None
    number = int(value)
    return number if 1 <= number <= most else None


@dataclass
class QueueView:
    """What the moderation page is showing: which queue, in what order, for which story, which page."""

    queue: str = "new"
    order: str = "newest"
    story: Article | None = None
    page: int = 1

    @classmethod
    def from_request(cls, data, user):
        """Read from the page's address (or a form's hidden fields); anything odd falls back to the default.

        A story `user` may not see is read as a story that does not exist: the whole site's replies.
        """
        view = cls(
            queue=data.get("queue") if data.get("queue") in QUEUES else "new",
            order=data.get("order") if data.get("order") in ORDERS else "newest",
            page=whole_number(data.get("page"), most=MOST_PAGES) or 1,
        )
        story_id = whole_number(data.get("story"))
        if story_id:
            view.story = stories.shown_to(user).filter(pk=story_id).first()
        return view

    def replies(self):
        replies = Comment.objects.all()
        return replies.filter(article=self.story) if self.story else replies

    def ordering(self):
        """The queue's order; in the Unmoderated queue, replies readers reported first (reports jump the queue)."""
        if self.queue != "unmoderated":
            return ORDERS[self.order]
        reported = Exists(Report.objects.open().filter(comment=OuterRef("pk")))
        return (reported.desc(), *ORDERS[self.order])

    def page_of(self, replies):
        """This view's page of `replies` (already filtered to its queue), in its order."""
        start = (self.page - 1) * PAGE_SIZE
        return replies.order_by(*self.ordering())[start : start + PAGE_SIZE]

    def after(self, reply):
        """The replies of this view's queue that come after `reply` in its order (in the Unmoderated queue, in
        its order of time or score: a reported reply is the next one only in its turn)."""
        replies = self.replies().in_queue(self.queue)
        than = "gt" if self.order == "oldest" else "lt"
        later = Q(**{f"created_at__{than}": reply.created_at}) | Q(created_at=reply.created_at, **{f"pk__{than}": reply.pk})
        if self.order == "score":  # a lower score, or the same one and later in time
            top = max(reply.offensive_score or 0.0, reply.spam_score or 0.0)
            replies, later = replies.annotate(top=TOP_SCORE), Q(top__lt=top) | (Q(top=top) & later)
        return replies.filter(later).order_by(*ORDERS[self.order])

    def url(self, **changes):
        """The moderation page's address for this view with `changes` (queue, order, story, page)."""
        params = {"queue": self.queue, "order": self.order, "story": self.story.pk if self.story else None}
        params.update(changes)
        params = {name: value for name, value in params.items() if value not in (None, "", 1) or name == "queue"}
        return reverse("admin:comments_comment_moderate") + "?" + urlencode(params)


def moderation_page(request, model_admin):
    """The queues (New, Reported, Featured, Spam, Removed, All), counted, for the site or one story, newest,
    oldest or highest score first, one page of replies with their badges and their authors' history.

    The same few queries whatever the queue's length: its counts (three), the page of replies with
    everything a moderator weighs (one, and one for their open reports), the bans on their authors
    (one), and the story, its rules and the stories with replies waiting when they are shown.
    """
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    view = QueueView.from_request(request.GET, request.user)
    replies = view.replies()
    counts = replies.queue_counts()
    pages = max(1, math.ceil(counts[view.queue] / PAGE_SIZE))
    view.page = min(view.page, pages)
    # Each reply's last decision as the page shows it, sent back with a decision (see moderator.decide()).
    decisions = ModerationEvent.objects.filter(comment=OuterRef("pk"), action__in=moderator.DECIDING).order_by("-pk")
    in_queue = replies.in_queue(view.queue).for_moderation().with_score_limits()
    in_queue = in_queue.annotate(last_decision=Subquery(decisions.values("pk")[:1]))
    page = list(view.page_of(stories.with_story_shown(in_queue, request.user)))
    _attach_bans(page)
    claims = Claim.objects.held_by_others(page, request.user)
    # The email and the IP address only for staff with the right to change replies.
    can_see_contact = Comment.contact_visible_to(request.user)
    for reply in page:
        reply.story = stories.story_link(reply)
        reply.story_queue_url = QueueView(view.queue, view.order, reply.article).url() if reply.story_shown else ""
        reply.report_reasons = Counter(report.get_reason_display() for report in reply.open_reports).most_common()
        reply.report_notes = [report.note for report in reply.open_reports if report.note]
        reply.claimed_by = claims[reply.pk].holder if reply.pk in claims else ""
        if reply.verdict_note and not can_see_contact:
            reply.verdict_note = without_contact(reply.verdict_note, [reply.email], [reply.ip_address])
    can_decide = model_admin.has_change_permission(request)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": f"Moderate replies to “{view.story.headline}”" if view.story else "Moderate replies",
        "view": view,
        "queues": [(name, label, counts[name], view.url(queue=name, page=None), name == view.queue) for name, label in QUEUES.items()],
        "orders": [(name, ORDER_LABELS[name], view.url(order=name, page=None), name == view.order) for name in ORDERS],
        "replies": page,
        "pages": pages,
        "previous_url": view.url(page=view.page - 1) if view.page > 1 else "",
        "next_url": view.url(page=view.page + 1) if view.page < pages else "",
        "here": view.url(),
        "can_decide": can_decide,
        "can_ban": request.user.has_perm("comments.add_ban"),
        "can_see_contact": can_see_contact,
        "last_decision": _last_decision(request),
        "keys": KEYS,
        "reasons": list(enumerate(ModerationEvent.Reason.choices, start=1)),
        "undo_seconds": UNDO_SECONDS,
        "active_bans": Ban.objects.active().count(),
        "check_seconds": app_settings.QUEUE_CHECK_SECONDS,
        "claim_seconds": app_settings.CLAIM_SECONDS,
    }
    if view.story:
        context["all_stories_url"] = QueueView(view.queue, view.order).url()
        context["discussion"] = StoryDiscussion.for_story(view.story)
        context["rules_form"] = StoryRulesForm(initial={"moderation": context["discussion"].moderation})
        context["can_set_rules"] = request.user.has_perm("comments.change_discussionsettings")
        context["rule_changes"] = list(DiscussionChange.objects.filter(article=view.story).select_related("by")[:5])
    else:
        context["stories_waiting"] = list(stories.with_replies_waiting(request.user).values("pk", "headline", "waiting"))
    return TemplateResponse(request, "admin/comments/comment/moderate.html", context)


def _attach_bans(replies):
    """Give each reply `.author_bans`: the bans in force on its email, IP address or browser, in one query for the page."""
    bans = list(
        Ban.objects.active().matching(
            [r.email for r in replies], [r.ip_address for r in replies], [r.author_token for r in replies]
        )
    )
    for reply in replies:
        reply.author_bans = [ban for ban in bans if ban.covers(reply)]


def _last_decision(request):
    """The moderator's last decision, while it can still be undone, for the page to offer its undo."""
    event_id = request.session.get(LAST_DECISION)
    if not event_id:
        return None
    event = ModerationEvent.objects.filter(pk=event_id).select_related("comment").first()
    return event if event and event.can_be_undone(request.user) else None


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "")


def _back(request, fallback):
    """Where a form asked to go back to (a moderation page, a story page at a reply), if it is on this site."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = fallback
    return HttpResponseRedirect(target, status=303)


def _reply_from(request):
    reply_id = whole_number(request.POST.get("reply"))
    return get_object_or_404(Comment.objects.select_related("article"), pk=reply_id) if reply_id else None


class ReasonForm(forms.Form):
    """Why a moderator takes a reply off its story or marks it as spam: one of ModerationEvent.Reason, and a note."""

    reason = forms.ChoiceField(
        label="Reason", choices=ModerationEvent.Reason.choices, widget=forms.RadioSelect,
        error_messages={"required": "Choose a reason.", "invalid_choice": "Choose a reason from the list."},
    )
    note = forms.CharField(
        label="Note (optional)", max_length=200, required=False, help_text="For the other moderators, in the reply’s history.",
    )


@require_POST
def decide(request, model_admin):
    """Approve, remove, mark as spam, feature or stop featuring one reply: from the moderation page (its
    buttons or its keys) or from the reply's own story page. Removing and marking as spam ask for a reason:
    the page's script sends it with the decision; without JavaScript, a page asks for it first."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    reply = _reply_from(request)
    decision = request.POST.get("decision", "")
    if reply is None or decision not in DECISIONS:
        return HttpResponseBadRequest("Choose a reply and a decision.")
    why = None
    if DECISIONS[decision].asks_reason:
        why = ReasonForm(request.POST if "reason" in request.POST or "asked" in request.POST else None)
        if not why.is_valid():
            if _wants_json(request):
                return JsonResponse({"decided": False, "message": "Choose a reason.", "needs_reason": True}, status=400)
            return _ask_reason(request, model_admin, reply, decision, why)
    try:
        seen_decision = request.POST.get("seen_decision")
        seen = {"seen_status": request.POST.get("seen"), "seen_decision": 0 if seen_decision == "0" else whole_number(seen_decision)}
        event = moderator.decide(reply, decision, request.user, **seen, **(why.cleaned_data if why else {}))
    except DecidedMeanwhile as lost:
        return _lost(request, lost)
    if event:
        request.session[LAST_DECISION] = event.pk
        message = f"{DECISIONS[decision].done}: the reply by {reply.name}."
    else:
        message = f"Nothing to change: the reply by {reply.name} is already {reply.get_status_display().lower()}."
    if _wants_json(request):
        view = QueueView.from_request(request.POST, request.user)
        return JsonResponse(
            {
                "decided": bool(event),
                "message": message,
                "event": event.pk if event else None,
                "undo_seconds": UNDO_SECONDS,
                "counts": view.replies().queue_counts(),
                **_moving_on(view, reply, request.user),
            }
        )
    messages.success(request, message)
    return _back(request, QueueView().url())


def _moving_on(view, reply, user):
    """For the page's script, after a decision on `reply`: the reply claimed for `user` to move on to (the
    first after it that no colleague has open), and the colleagues' claims on the view's page."""
    following = Claim.take_first(view.after(reply), user)
    waiting = view.page_of(view.replies().in_queue(view.queue)).values("pk")
    return {"next": following, "claims": Claim.objects.holders(waiting, user)}


def _lost(request, lost):
    """Tell the moderator their decision lost a race (409 to the page's script), and apply nothing."""
    if _wants_json(request):
        view = QueueView.from_request(request.POST, request.user)
        answer = {"decided": False, "lost": True, "message": str(lost), "counts": view.replies().queue_counts()}
        return JsonResponse({**answer, **_moving_on(view, lost.reply, request.user)}, status=409)
    messages.warning(request, str(lost))
    return _back(request, QueueView().url())


@require_POST
def undo(request, model_admin):
    """Undo the moderator's own last decision, within UNDO_SECONDS and while nobody has decided since."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    event_id = whole_number(request.POST.get("event"))
    undone = moderator.undo(event_id, request.user) if event_id else None
    if undone:
        request.session.pop(LAST_DECISION, None)
        message = f"Undone: the reply by {undone.comment.name} is {undone.comment.get_status_display().lower()} again."
    else:
        message = "That decision can no longer be undone (too late, or someone has decided since)."
    if _wants_json(request):
        view = QueueView.from_request(request.POST, request.user)
        return JsonResponse(
            {
                "undone": bool(undone),
                "message": message,
                "reply": undone.comment_id if undone else None,
                "counts": view.replies().queue_counts(),
            },
            status=200 if undone else 409,
        )
    (messages.success if undone else messages.warning)(request, message)
    return _back(request, QueueView().url())


def _ask_reason(request, model_admin, reply, decision, form):
    """The page that asks why, for a decision sent without its reason (the moderation page without JavaScript,
    a story page); it posts the decision again with it."""
    if not form.is_bound:
        form.initial["reason"] = DECISIONS[decision].reason
    verb, question = {
        "remove": ("Remove", f"Why remove the reply by {reply.name}?"),
        "spam": ("Mark as spam", f"Why mark the reply by {reply.name} as spam?"),
    }[decision]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": question,
        "reply": reply,
        "decision": decision,
        "verb": verb,
        "form": form,
        "passed_on": [
            (name, request.POST[name]) for name in ("next", "queue", "order", "story", "seen", "seen_decision") if request.POST.get(name)
        ],
    }
    return TemplateResponse(request, "admin/comments/comment/reason.html", context)


class StoryRulesForm(forms.Form):
    moderation = forms.ChoiceField(
        label="Replies to this story", choices=StoryDiscussion.Moderation.choices, required=False
    )


@require_POST
def story_rules(request, model_admin, article_id):
    """A story's own moderation (pre, post, or as the site says), and closing or reopening its replies now."""
    if not request.user.has_perm("comments.change_discussionsettings"):
        raise PermissionDenied
    story = get_object_or_404(stories.shown_to(request.user), pk=article_id)
    form = StoryRulesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how replies to this story are moderated.")
        return _back(request, QueueView(story=story).url())
    closed = True if "close" in request.POST else False if "reopen" in request.POST else None
    StoryDiscussion.set_rules(story, request.user, moderation=form.cleaned_data["moderation"], closed=closed)
    chosen = StoryDiscussion.Moderation(form.cleaned_data["moderation"]).label
    said = {True: "Replies are closed on this story.", False: "Replies are open again on this story.", None: ""}[closed]
    messages.success(request, f"{said} Replies to this story: {chosen[0].lower()}{chosen[1:]}.".strip())
    return _back(request, QueueView(story=story).url())


class BanForm(forms.Form):
    """Ban or suspend the author of a reply, by their email and/or their IP address."""

    LENGTHS = [("", "Until a moderator lifts it (ban)")] + [(str(days), f"For {label} (suspension)") for days, label in SUSPENSIONS.items()]

    by_email = forms.BooleanField(label="By email", required=False, initial=True)
    by_ip = forms.BooleanField(label="By IP address", required=False)
    by_browser = forms.BooleanField(
        label="By browser", required=False, help_text="The browser the reply came from, whatever email or network it uses next.",
    )
    length = forms.ChoiceField(label="How long", choices=LENGTHS, required=False)
    reason = forms.CharField(
        label="Why", max_length=300, help_text="For the other moderators: they see it with the ban.",
        widget=forms.TextInput(attrs={"autofocus": True, "size": 60}),
    )
    spam_waiting = forms.BooleanField(
        label="Also mark this author’s replies that wait for a moderator as spam", required=False, initial=True
    )

    def __init__(self, reply, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reply = reply
        if not reply.email:
            del self.fields["by_email"]
        if not reply.ip_address:
            del self.fields["by_ip"]
        if not reply.author_token:
            del self.fields["by_browser"]

    def clean(self):
        data = super().clean()
        if not data.get("by_email") and not data.get("by_ip") and not data.get("by_browser"):
            raise forms.ValidationError("Choose the email, the IP address, the browser, or more than one.")
        data["days"] = int(data["length"]) if data.get("length") else None
        return data


def ban_author(request, model_admin, reply_id):
    """The form that bans or suspends a reply's author, in the admin's look; back to the queue after."""
    if not (model_admin.has_change_permission(request) and request.user.has_perm("comments.add_ban")):
        raise PermissionDenied
    reply = get_object_or_404(stories.with_story_shown(Comment.objects.select_related("article"), request.user), pk=reply_id)
    form = BanForm(reply, request.POST or None)
    back = request.POST.get("next") or request.GET.get("next") or QueueView().url()
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = QueueView().url()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        bans = moderator.ban(
            reply, request.user, by_email=data.get("by_email", False), by_ip=data.get("by_ip", False),
            by_browser=data.get("by_browser", False),
            days=data["days"], reason=data["reason"], spam_waiting=data["spam_waiting"],
        )
        messages.success(request, f"{bans[0].kind} set on the author of the reply by {reply.name} ({bans[0].describe()}).")
        return HttpResponseRedirect(back, status=303)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": f"Ban or suspend the author of the reply by {reply.name}",
        "reply": reply,
        "story": stories.story_link(reply),
        "form": form,
        "back": back,
        "existing": list(
            Ban.objects.active().matching([reply.email], [reply.ip_address], [reply.author_token]).select_related("created_by")
        ),
    }
    return TemplateResponse(request, "admin/comments/comment/ban.html", context)
