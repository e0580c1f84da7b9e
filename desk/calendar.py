"""The week ahead: what goes out, is planned and comes down, day by day and hour by hour, and the review queue.

Editors (the publishing right) see the whole desk; anyone else who may see stories in the
admin (a reporter) sees only their own: stories whose byline names them or that they saved.
A week is named in the address as an ISO week (?week=2026-W50, Monday to Sunday); without
one, the calendar shows the next seven days from the start of today.
"""

import datetime
import re
from dataclasses import dataclass, field
from itertools import groupby

from django.contrib.contenttypes.models import ContentType
from django.db.models import IntegerField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from reversion.models import Version

from articles.models import Article

WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")
DAYS = 7


class NotAWeek(ValueError):
    pass


def own_stories(user):
    """The stories that are `user`'s: their byline names the user's writer page, or the user saved them."""
    saved = Version.objects.filter(
        content_type=ContentType.objects.get_for_model(Article), revision__user=user
    ).values(pk=Cast("object_id", IntegerField()))
    return Q(pk__in=saved) | Q(bylines__author__user=user)


def stories_for(user):
    """Every story for whoever may publish; a writer's own stories for anyone else."""
    stories = Article.objects.all()
    if Article.may_publish(user):
        return stories
    return stories.filter(own_stories(user)).distinct()


@dataclass
class Entry:
    """One thing that happens at a time: a story goes out (or is planned to), or comes down."""

    at: datetime.datetime
    story: Article
    kind: str  # "out", "planned" (a draft or a story in review with a publish time to come) or "down"

    @property
    def label(self):
        return {"out": "Goes out", "planned": f"Planned ({self.story.get_status_display().lower()})",
                "down": "Comes down"}[self.kind]


@dataclass
class Day:
    date: datetime.date
    hours: list = field(default_factory=list)  # [(hour, [Entry, …]), …], in order


@dataclass
class Week:
    start: datetime.datetime  # local midnight
    days: list
    review_queue: list

    @property
    def end(self):
        return self.start + datetime.timedelta(days=DAYS)

    def _iso(self, moment):
        year, week, _ = (moment + datetime.timedelta(days=3)).isocalendar()  # the week most of these days are in
        return f"{year}-W{week:02d}"

    @property
    def previous(self):
        return self._iso(self.start - datetime.timedelta(days=DAYS))

    @property
    def next(self):
        return self._iso(self.end)


def week_start(week):
    """Local midnight where the calendar starts: the Monday of an ISO week "2026-W50", or today when None."""
    if week is None:
        return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    found = WEEK.match(week)
    if not found:
        raise NotAWeek("Name a week as year-W and its number, e.g. 2026-W50.")
    try:
        monday = datetime.date.fromisocalendar(int(found[1]), int(found[2]), 1)
    except ValueError:
        raise NotAWeek("There is no such week.") from None
    if not 2 <= monday.year <= 9998:  # room for the weeks before and after
        raise NotAWeek("There is no such week.")
    return timezone.make_aware(datetime.datetime.combine(monday, datetime.time()))


def week_for(user, week=None):
    """The calendar of `user` for `week` (see week_start), in two queries: the week's stories and the review queue."""
    start = week_start(week)
    end = start + datetime.timedelta(days=DAYS)
    stories = stories_for(user).select_related("section")
    S = Article.Status
    now = timezone.now()
    found = stories.filter(
        Q(status=S.PUBLISHED, publish_at__gte=start, publish_at__lt=end)
        | Q(status__in=Article.WRITERS_STATUSES, publish_at__gte=max(start, now), publish_at__lt=end)
        | Q(status=S.PUBLISHED, expire_at__gte=start, expire_at__lt=end)
    )
    entries = []
    for story in found:
        if start <= story.publish_at < end:
            entries.append(Entry(story.publish_at, story, "out" if story.status == S.PUBLISHED else "planned"))
        if story.status == S.PUBLISHED and story.expire_at and start <= story.expire_at < end:
            entries.append(Entry(story.expire_at, story, "down"))
    entries.sort(key=lambda entry: (entry.at, entry.story.pk))
    by_day = {
        date: list(day) for date, day in groupby(entries, key=lambda entry: timezone.localtime(entry.at).date())
    }
    days = []
    for n in range(DAYS):
        date = (start + datetime.timedelta(days=n)).date()
        hours = groupby(by_day.get(date, []), key=lambda entry: timezone.localtime(entry.at).hour)
        days.append(Day(date, [(hour, list(at_hour)) for hour, at_hour in hours]))
    queue = list(stories.in_review().order_by("modified_at", "pk"))
    return Week(start, days, queue)
