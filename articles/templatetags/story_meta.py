"""Link-preview and search-engine helpers for story pages: absolute addresses and a safe JSON-LD block."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from articles.models import absolute_url

register = template.Library()

# The same escapes as Django's json_script: no "</script>" or "<!--" can end the block early.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def ld_json(data):
    """A JSON-LD block for `data`, with <, > and & escaped as JSON unicode escapes."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308 - escaped above


@register.filter
def absolute(url):
    """A page or file address made absolute with NEWSROOM_SITE_URL (canonical link, OpenGraph)."""
    return absolute_url(url)
