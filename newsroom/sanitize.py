"""The one HTML allow-list policy: the only module that imports bleach.

Story bodies and reader replies are both turned into HTML once, on save,
and cleaned here. Anything not listed is escaped or stripped; the
Content-Security-Policy forbids inline script as a second line of defence.
"""

import bleach
import markdown

PROTOCOLS = {"http", "https", "mailto"}

# Story bodies: what a writer produces with Markdown, minus raw HTML.
ARTICLE_TAGS = {
    "p", "h2", "h3", "a", "em", "strong", "blockquote", "ul", "ol", "li", "br", "code", "pre", "hr",
}
ARTICLE_ATTRIBUTES = {"a": ["href", "title"]}


def render_markdown(text):
    """Markdown (with raw HTML escaped, not rendered) to clean HTML for a story body."""
    html = markdown.markdown(_escape_raw_html(text), extensions=["sane_lists", "smarty"], output_format="html")
    return bleach.clean(html, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=PROTOCOLS, strip=True)


def _escape_raw_html(text):
    # Markdown passes raw HTML through; writers never need it, so it is shown as typed.
    # ">" stays: at the start of a line it is Markdown's block quote.
    return text.replace("&", "&amp;").replace("<", "&lt;")
