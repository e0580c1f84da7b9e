"""Embed cards (sanitize.embeds) in a story's or a live update's sanitised HTML, where a page prints it:
`{{ story.body_html|embeds }}`. Feeds and structured data print the HTML as stored, with plain links."""

from django import template
from django.utils.safestring import mark_safe

from sanitize.embeds import with_embeds

register = template.Library()


@register.filter
def embeds(cleaned):
    """HTML that went through the sanitiser on save, with its lone links to posts, videos and maps made cards."""
    return mark_safe(with_embeds(cleaned))  # noqa: S308 - sanitised on save; the cards escape what they add
