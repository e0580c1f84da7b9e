"""What a story page shows beside the story: its byline, topics, corrections and related stories.

They come as data in the story's own row (JSON built by correlated subqueries in the
one SELECT that reads the story), so the page costs no query more than the story
itself: the story page's budget of four queries holds. On PostgreSQL and SQLite alike;
the properties on Article (topic_list, correction_list, related_stories) read that
data when it is there and ask the database themselves otherwise (the admin, scripts).

This module imports no model: it is handed the story's model (or a story) and reaches the
rest through its relations (`related()`), so Article may call it without a circle, and the
live updates (live.LiveUpdate) are read without articles importing the app that posts them.
"""

import datetime

from django.db.models import Count, F, Func, IntegerField, JSONField, Max, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# How many related stories a story page lists.
RELATED_COUNT = 4


def related(story_model, name):
    """The model at the other end of the story's relation `name`: "topics", "bylines", "live_updates"…"""
    return story_model._meta.get_field(name).related_model


class JSONRows(Func):
    """The rows a subquery selects, as one JSON array: json_group_array on SQLite, jsonb_agg on PostgreSQL.

    An aggregate over the whole subquery (no GROUP BY): one row, one array, or
    NULL on PostgreSQL when there are no rows.
    """

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra)


def _rows(queryset, **fields):
    """A correlated subquery giving `queryset`'s rows as a JSON array of objects with `fields`."""
    return Subquery(queryset.order_by().values(data=JSONRows(JSONObject(**fields)))[:1], output_field=JSONField())


def topics_data(Article):
    through = Article.topics.through.objects.filter(article=OuterRef("pk"))
    return _rows(through, pk=F("topic_id"), name=F("topic__name"), slug=F("topic__slug"))


def story_page_data(Article):
    """Annotations for Article.objects.for_story_page(): the byline, corrections, the two kinds of related story,
    and the live updates readers see (how many, and the key events)."""
    Byline, Correction, LiveUpdate, LiveChange, LiveSummary = (
        related(Article, name) for name in ("bylines", "corrections", "live_updates", "live_changes", "live_summary")
    )

    corrections = Correction.objects.filter(article=OuterRef("pk"))
    story_topics = Article.topics.through.objects.filter(article=OuterRef(OuterRef(OuterRef("pk")))).values("topic")
    others = Article.objects.published().exclude(pk=OuterRef(OuterRef("pk"))).order_by("-publish_at")
    # A story sharing two topics is chosen twice: room for that, and the IN below counts it once.
    sharing_a_topic = others.filter(topics__in=story_topics).values("pk")[: RELATED_COUNT * 2]
    in_section = others.filter(section=OuterRef(OuterRef("section_id"))).values("pk")[:RELATED_COUNT]
    story_fields = {"id": F("pk"), "headline": F("headline"), "kicker": F("kicker"), "slug": F("slug")}
    story_fields["publish_at"] = F("publish_at")
    bylines = Byline.objects.filter(article=OuterRef("pk"))
    return {
        "byline_data": _rows(
            bylines, position=F("position"), id=F("author_id"), name=F("author__name"), slug=F("author__slug"),
            role=F("author__role"), is_organization=F("author__is_organization"),
        ),
        "corrections_data": _rows(
            corrections, id=F("pk"), kind=F("kind"), text=F("text"), published_at=F("published_at")
        ),
        "related_by_topic": _rows(Article.objects.filter(pk__in=sharing_a_topic), **story_fields),
        "related_in_section": _rows(Article.objects.filter(pk__in=in_section), **story_fields),
        **live_update_data(LiveUpdate.objects.for_readers().filter(article=OuterRef("pk"))),
        **live_coverage_data(LiveChange, LiveSummary),
    }


def count_of(queryset):
    """A correlated subquery counting `queryset`'s rows (NULL, read as 0, when there are none)."""
    counted = queryset.order_by().values(queryset.model._meta.get_field("article").attname).annotate(n=Count("pk"))
    return Subquery(counted.values("n")[:1], output_field=IntegerField())


def live_update_data(updates):
    """How many updates readers see, when the latest of them last changed, and their key events, as data in the
    story's row (`updates` correlated to it)."""
    changed = updates.annotate(changed=Coalesce("edited_at", "publish_at")).order_by("-changed").values("changed")[:1]
    return {
        **live_span(updates),
        "live_pinned": Subquery(updates.filter(pinned=True).values("pk")[:1]),
        "live_updates_public": count_of(updates),
        "live_updates_changed_at": Subquery(changed),
        "key_events_data": _rows(
            updates.filter(is_key_event=True), id=F("pk"), headline=F("headline"), body_html=F("body_html"),
            publish_at=F("publish_at"),
        ),
    }


def live_coverage_data(LiveChange, LiveSummary):
    """The version of the story's live coverage readers see (the open page sends it to ask what changed since) and
    its summary, as data in the story's row."""
    summary = LiveSummary.objects.filter(article=OuterRef("pk"))
    changes = LiveChange.objects.seen().filter(article=OuterRef("pk")).order_by().values("article")
    return {
        "live_version_at": Subquery(changes.annotate(last=Max("at")).values("last")[:1]),
        "live_summary_html": Subquery(summary.values("body_html")[:1]),
        "live_summary_at": Subquery(summary.values("updated_at")[:1]),
    }


def live_span(updates):
    """The first and the latest time of the updates readers see (`updates` correlated to the story)."""
    times = updates.order_by().values("article")
    return {
        "live_first_at": Subquery(times.annotate(first=Min("publish_at")).values("first")[:1]),
        "live_last_at": Subquery(times.annotate(last=Max("publish_at")).values("last")[:1]),
    }


def _moment(value):
    """A time as JSON carries it (ISO text from PostgreSQL, "YYYY-MM-DD HH:MM:SS" from SQLite), aware."""
    moment = parse_datetime(value)
    return timezone.make_aware(moment, datetime.UTC) if timezone.is_naive(moment) else moment


def byline_of(story):
    Author = related(type(story), "authors")

    if hasattr(story, "byline_data"):
        rows = sorted(story.byline_data or [], key=lambda row: row["position"])
        return [
            Author(pk=row["id"], name=row["name"], slug=row["slug"], role=row["role"], is_organization=bool(row["is_organization"]))
            for row in rows
        ]
    return [byline.author for byline in story.bylines.all()]


def topics_of(story):
    Topic = related(type(story), "topics")

    if hasattr(story, "topics_data"):
        topics = [Topic(pk=row["pk"], name=row["name"], slug=row["slug"]) for row in story.topics_data or []]
        return sorted(topics, key=lambda topic: topic.name)
    if story.pk is None:
        return []
    return list(story.topics.all())


def corrections_of(story):
    Correction = related(type(story), "corrections")

    if hasattr(story, "corrections_data"):
        corrections = [
            Correction(
                pk=row["id"], article=story, kind=row["kind"], text=row["text"], published_at=_moment(row["published_at"])
            )
            for row in story.corrections_data or []
        ]
        return sorted(corrections, key=lambda correction: (correction.published_at, correction.pk))
    if story.pk is None:
        return []
    return list(story.corrections.all())


def related_to(story):
    """Stories sharing a topic first, then the section's, newest first within each, four at most."""
    Article = type(story)
    if not hasattr(story, "related_by_topic"):
        story = Article.objects.for_story_page().get(pk=story.pk)

    def stories(rows):
        found = [
            Article(pk=row["id"], headline=row["headline"], kicker=row["kicker"], slug=row["slug"],
                    publish_at=_moment(row["publish_at"]))
            for row in rows or []
        ]
        return sorted(found, key=lambda related: related.publish_at, reverse=True)

    chosen, seen = [], set()
    for related in stories(story.related_by_topic) + stories(story.related_in_section):
        if related.pk not in seen:
            seen.add(related.pk)
            chosen.append(related)
    return chosen[:RELATED_COUNT]


def key_events_of(story):
    """The story's key events readers see, newest first (LiveUpdate values without a query when read as data)."""
    LiveUpdate = related(type(story), "live_updates")
    if hasattr(story, "key_events_data"):
        events = [
            LiveUpdate(pk=row["id"], article=story, headline=row["headline"], body_html=row["body_html"],
                       publish_at=_moment(row["publish_at"]))
            for row in story.key_events_data or []
        ]
        return sorted(events, key=lambda event: (event.publish_at, event.pk), reverse=True)
    if story.pk is None:
        return []
    return list(story.live_updates.for_readers().filter(is_key_event=True))
