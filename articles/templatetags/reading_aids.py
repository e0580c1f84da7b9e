"""Reading aids: how long ago something happened, in words, and how long a story takes to read.

Rendered on the server, so they work without JavaScript. A page that says "2 hours
ago" is kept in the page cache only until it would say "3 hours ago"
(pagecache.changes_at), so every load shows words that are true within the minute.
"""

import html
import math
import re
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


# Where one block of a story's HTML ends and the next begins, words do not run together ("<p>One.</p><p>Two.</p>").
BLOCK_EDGE = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|blockquote|figure|figcaption|div|br|hr)\b", re.IGNORECASE)


@register.filter
def word_count(story):
    """The words of a story's body as readers see it: what has a letter or a digit between spaces, not "&" nor "—".

    The story form counts as the writer types with the same rule (desk/static/js/desk.js).
    """
    text = html.unescape(strip_tags(BLOCK_EDGE.sub(r" \g<0>", story.body_html or "")))
    return sum(1 for word in text.split() if any(character.isalnum() for character in word))


@register.filter
def reading_minutes(story):
    """Minutes a story takes to read at an unhurried pace (WORDS_PER_MINUTE), at least one.

    The story form counts as the writer types with the same rule (desk/static/js/desk.js, given the pace).
    """
    return max(1, math.ceil(word_count(story) / WORDS_PER_MINUTE))
