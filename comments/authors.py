"""The author of a reply, at a glance: all their replies, the moderators' notes on them, and their bans.

One admin page (/admin/comments/comment/<id>/author/) that works without JavaScript; with `?panel=1` it
answers only its panel, which the moderation page and a reply's change page fetch and show beside the
reply (static/js/author-panel.js). The author is found as the moderation rules find them: by the reply's
email and by its browser token. The usual two rules hold: the email and IP addresses only for staff who
may change replies, a story's headline only for staff who may see the story.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse

import clientip

from . import stories
from .models import AuthorNote, Ban, Comment
from .models.notes import NOTE_LENGTH
from .queue import _back, whole_number

MOST_REPLIES = 100  # newest first; an author with more is told how many there are


class NoteForm(forms.Form):
    text = forms.CharField(
        label="Note for the other moderators", max_length=NOTE_LENGTH, strip=True,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def by_the_author(reply):
    """The replies written under the reply's email or from its browser (either may be missing)."""
    key = Q(pk=reply.pk)
    if reply.email:
        key |= Q(email=reply.email)
    if reply.author_token:
        key |= Q(author_token=reply.author_token)
    return Comment.objects.filter(key)


def author_page(request, model_admin, reply_id):
    """GET: the author of reply `reply_id` (the whole page, or with ?panel=1 its panel alone).
    POST: a new note (`text`), or an edit of note `note`, by staff who may change replies."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    reply = get_object_or_404(Comment, pk=reply_id)
    can_write = model_admin.has_change_permission(request)
    notes = AuthorNote.objects.about(reply).select_related("created_by", "edited_by")
    form = NoteForm()
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        note = get_object_or_404(notes, pk=whole_number(request.POST["note"]) or 0) if request.POST.get("note") else None
        form = NoteForm(request.POST)
        if form.is_valid():
            if note:
                note.edit(form.cleaned_data["text"], request.user)
                messages.success(request, "The note is saved.")
            else:
                AuthorNote.write(reply, form.cleaned_data["text"], request.user)
                messages.success(request, "The note is added.")
            return _back(request, reverse("admin:comments_comment_author", args=[reply.pk]))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": f"The author of the reply by {reply.name}",
        **panel_context(request.user, reply, notes),
        "can_write": can_write,
        "form": form,
        "page_url": reverse("admin:comments_comment_author", args=[reply.pk]),
    }
    template = "panel.html" if request.GET.get("panel") == "1" else "author.html"
    return TemplateResponse(request, f"admin/comments/comment/{template}", context, status=400 if form.errors else 200)


def panel_context(user, reply, notes):
    """What the panel shows, in five queries: the replies (newest first, MOST_REPLIES of them, with
    whether `user` may see each story), how many there are, the notes, and the bans on the author's email
    and on the addresses they wrote from."""
    replies = by_the_author(reply).select_related("article").order_by("-created_at", "-pk")
    shown = list(stories.with_story_shown(replies, user)[:MOST_REPLIES])
    for each in shown:
        each.story = stories.story_link(each)
    total = len(shown) if len(shown) < MOST_REPLIES else replies.count()
    networks = {clientip.network(each.ip_address) for each in shown} - {"", None}
    bans = Ban.objects.matching([reply.email]) | Ban.objects.filter(ip_address__in=networks)
    return {
        "reply": reply,
        "replies": shown,
        "total": total,
        "notes": list(notes),
        "bans": list(bans.select_related("created_by", "lifted_by")),
        "can_see_contact": Comment.contact_visible_to(user),
    }
