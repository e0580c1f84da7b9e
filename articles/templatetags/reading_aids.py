"""Reading aids: how long ago something happened, in words, and how long a story takes to read.

Rendered on the server, so they work without JavaScript. A page that says "2 hours
ago" is kept in the page cache only until it would say "3 hours ago"
(pagecache.changes_at), so every load shows words that are true within the minute.
"""

import math
from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import strip_tags

import pagecache

register = template.Library()

WORDS_PER_MINUTE = 230
# Older than this, the date says it all: no words, and nothing that changes by itself.
WORDS_UNTIL = timedelta(days=7)
UNITS = [(timedelta(days=1), "day"), (timedelta(hours=1), "hour"), (timedelta(minutes=1), "minute")]


def time_in_words(moment, now):
    """("2 hours ago", when those words stop being true), or ("", None) for the future or a week and more ago."""
    if moment is None:
        return "", None
    elapsed = now - moment
    if elapsed < timedelta(0):
        return "", moment  # scheduled: words appear once it is out
    if elapsed >= WORDS_UNTIL:
        return "", None
    for unit, name in UNITS:
        if elapsed >= unit:
            count = elapsed // unit
            return f"{count} {name}{'' if count == 1 else 's'} ago", moment + (count + 1) * unit
    return "just now", moment + UNITS[-1][0]


@register.simple_tag(takes_context=True)
def ago(context, moment):
    """`{% ago story.publish_at as words %}`: "just now", "5 minutes ago", "2 hours ago", "3 days ago", or ""."""
    words, changes_at = time_in_words(moment, timezone.now())
    request = getattr(context, "request", None)
    if request is not None and changes_at is not None:
        pagecache.changes_at(request, changes_at)
    return words


@register.filter
def word_count(story):
    """The words of a story's body as readers see it."""
    return len(strip_tags(story.body_html or "").split())


@register.filter
def reading_minutes(story):
    """Minutes a story takes to read at an unhurried pace (WORDS_PER_MINUTE), at least one.

    The story form counts as the writer types with the same rule (desk/static/js/desk.js, given the pace).
    """
    return max(1, math.ceil(word_count(story) / WORDS_PER_MINUTE))
