"""The moderators' dashboard: per hour and per moderator, replies arrived and decided, how long replies
waited for a decision, readers' reports, and how old the queue was at each hour's end and is now: how a
desk chief knows to call in help.

One admin page (/admin/comments/comment/moderate/dashboard/, `?days=` from 1 to MOST_DAYS, 1 by default).
Its queries are a fixed few whatever the hours and moderators: counts are grouped in the database; the
medians and the queue's age come from the decisions' and the waiting replies' times, read once (SQLite
has no median to group by).
"""

import heapq
from collections import defaultdict
from datetime import timedelta
from statistics import median

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncHour
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.timesince import timesince

from .models import Comment, ModerationEvent, Report
from .queue import whole_number

MOST_DAYS = 30
DECISIONS = (ModerationEvent.Action.STATUS, ModerationEvent.Action.FEATURE)


def _hour(moment):
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def _minutes(seconds):
    return round(median(seconds) / 60, 1) if seconds else None


def _oldest_waiting(waits, hours, now):
    """{hour: minutes the oldest reply waiting at its end had waited, or None}, from each reply's wait as
    (arrived, decided or None while it waits): one sweep with a heap, however many hours and replies."""
    waits, pending, oldest, taken = sorted(waits, key=lambda wait: wait[0]), [], {}, 0
    for hour in hours:
        end = min(hour + timedelta(hours=1), now)
        while taken < len(waits) and waits[taken][0] < end:
            arrived, decided = waits[taken]
            heapq.heappush(pending, (arrived, decided or now + timedelta(days=1)))
            taken += 1
        while pending and pending[0][1] <= end:  # decided by then: a later end finds it decided too
            heapq.heappop(pending)
        oldest[hour] = round((end - pending[0][0]).total_seconds() / 60) if pending else None
    return oldest


def figures(days=1, now=None):
    """The dashboard's figures for the last `days` days: {"hours": [...], "moderators": [...], "waiting",
    "oldest_waiting"}, the hours newest first, the moderators by decisions taken."""
    now = now or timezone.now()
    start = _hour(now) - timedelta(hours=24 * days - 1)
    arrived = dict(
        Comment.objects.filter(created_at__gte=start).annotate(hour=TruncHour("created_at"))
        .values_list("hour").annotate(n=Count("pk")).order_by()
    )
    reports = dict(
        Report.objects.filter(created_at__gte=start).annotate(hour=TruncHour("created_at"))
        .values_list("hour").annotate(n=Count("pk")).order_by()
    )
    settled = dict(
        Report.objects.filter(resolved_at__gte=start, resolved_by__moderator__isnull=False)
        .values_list("resolved_by__moderator__username").annotate(n=Count("pk")).order_by()
    )
    # A decision undone does not count; the wait is from arrival to the first decision on a waiting reply.
    decisions = ModerationEvent.objects.filter(
        at__gte=start, moderator__isnull=False, action__in=DECISIONS, undone_by__isnull=True
    ).values_list("at", "moderator__username", "comment__created_at", "from_status")
    by_hour, by_moderator = defaultdict(list), defaultdict(list)
    waiting = [(arrived_at, None) for arrived_at in Comment.objects.pending().values_list("created_at", flat=True)]
    waits = list(waiting)
    for at, username, arrived_at, from_status in decisions:
        waited = (at - arrived_at).total_seconds() if arrived_at and from_status == Comment.Status.PENDING else None
        for bucket in (by_hour[_hour(at)], by_moderator[username]):
            bucket.append(waited)
        if waited is not None:
            waits.append((arrived_at, at))

    def row(decided, **more):
        waits = [seconds for seconds in decided if seconds is not None]
        return {**more, "decided": len(decided), "median_minutes": _minutes(waits)}

    hours = [start + timedelta(hours=n) for n in range(24 * days)]
    oldest = _oldest_waiting(waits, hours, now)
    return {
        "start": start,
        "hours": [
            row(by_hour[hour], hour=hour, arrived=arrived.get(hour, 0), reports=reports.get(hour, 0), oldest_waiting=oldest[hour])
            for hour in reversed(hours)
        ],
        "moderators": sorted(
            (row(decided, name=name, reports_settled=settled.get(name, 0)) for name, decided in by_moderator.items()),
            key=lambda each: (-each["decided"], each["name"]),
        ),
        "waiting": len(waiting),
        "oldest_waiting": timesince(min(waiting)[0], now) if waiting else "",
    }


def dashboard(request, model_admin):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    days = whole_number(request.GET.get("days"), most=MOST_DAYS) or 1
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": "Moderators’ dashboard",
        "days": days,
        "day_choices": [1, 2, 7, 30],
        **figures(days),
    }
    return TemplateResponse(request, "admin/comments/comment/dashboard.html", context)
