"""Text as a reader reads it, from markup (plain_text): for the story's own fields (Article.standfirst_text)
and for search, which indexes it and tidies a query with the same rules.

Apart from search.py so the story model can use it without importing search, which reads the models: the two
would import each other in a circle.
"""

import html
import re

from django.utils.html import strip_tags

# Control characters, and the private-use characters search marks the words found with (search.MARK_START, MARK_END).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_WHITESPACE = re.compile(r"\s+")


def plain_text(markup, limit=None):
    """Text as a reader reads it: tags gone, entities decoded, whitespace and control characters tidied."""
    text = _WHITESPACE.sub(" ", _CONTROL.sub(" ", html.unescape(strip_tags(markup or "")))).strip()
    return text[:limit] if limit else text
