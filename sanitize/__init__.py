"""The one HTML allow-list policy: the only module that imports bleach.

Story bodies and standfirsts (written in the admin's rich-text editor, sanitize/editor.py) and
reader replies are both turned into HTML once, on save, and cleaned here.
Anything not listed is escaped or stripped; the Content-Security-Policy forbids
inline script as a second line of defence. It imports no app; stories, live
updates, pages and replies call it.
"""

import re

import bleach
import markdown
from markdownify import markdownify

PROTOCOLS = {"http", "https", "mailto"}

# Story bodies: what the editor makes, and nothing else. A picture inside a story is a placeholder,
# <figure data-pictures="12"> (several ids, "12 34", make a gallery), that the story page expands.
ARTICLE_TAGS = {
    "p", "h2", "h3", "a", "em", "strong", "blockquote", "ul", "ol", "li", "br", "code", "pre", "hr", "figure",
}
PICTURE_IDS = re.compile(r"[1-9][0-9]{0,9}( [1-9][0-9]{0,9}){0,19}")


def _figure_attribute(tag, name, value):
    return name == "data-pictures" and PICTURE_IDS.fullmatch(value) is not None


ARTICLE_ATTRIBUTES = {"a": ["href", "title"], "figure": _figure_attribute}


def clean_story_html(html):
    """A story body, live update or page as the editor sent it, reduced to the allow-list."""
    return bleach.clean(html, tags=ARTICLE_TAGS, attributes=ARTICLE_ATTRIBUTES, protocols=PROTOCOLS, strip=True)


# Standfirsts: one paragraph with bold, italic and links (the standfirst's editor offers nothing else).
STANDFIRST_TAGS = {"a", "em", "strong"}
# Where one block ends and the next begins: pasted paragraphs, headings or list items run on with a space.
_BLOCK_EDGE = re.compile(r"</?(?:p|h[1-6]|li|ul|ol|blockquote|pre|div|figure|br|hr)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f]+")


def clean_standfirst_html(html):
    """A standfirst as the editor sent it, reduced to one paragraph of text, bold, italic and links ("" if no words).

    Plain text (a script's, an old revision's) comes in as the same words, escaped; several paragraphs
    (pasted) become one. Cleaning it again changes nothing.
    """
    inline = bleach.clean(
        _BLOCK_EDGE.sub(" ", html), tags=STANDFIRST_TAGS, attributes={"a": ["href", "title"]},
        protocols=PROTOCOLS, strip=True,
    )
    inline = _SPACES.sub(" ", inline).strip()
    return f"<p>{inline}</p>" if bleach.clean(inline, tags=set(), strip=True).strip() else ""


def render_markdown(text):
    """Markdown (with raw HTML escaped, not rendered) to clean story HTML: how bodies written before the
    editor, and the seed story, come in."""
    html = markdown.markdown(_escape_raw_html(text), extensions=["sane_lists", "smarty"], output_format="html")
    return clean_story_html(html)


def markdown_from_html(html):
    """Story HTML back to the Markdown stories were written in before the editor (migrations' way back).

    Pictures inside a story have no Markdown: they are dropped.
    """
    return markdownify(html, heading_style="ATX", bullets="-", strip=["figure"]).strip()


def _escape_raw_html(text):
    # Markdown passes raw HTML through; writers never need it, so it is shown as typed.
    # ">" stays: at the start of a line it is Markdown's block quote.
    return text.replace("&", "&amp;").replace("<", "&lt;")


# Reader replies: plain text, plus the inline tags WordPress allows commenters.
COMMENT_TAGS = {
    "a", "abbr", "acronym", "b", "blockquote", "cite", "code", "del", "em", "i", "q", "s", "strike", "strong",
}
COMMENT_ATTRIBUTES = {
    "a": ["href", "title"],
    "abbr": ["title"],
    "acronym": ["title"],
    "blockquote": ["cite"],
    "del": ["datetime"],
    "q": ["cite"],
}
COMMENT_PROTOCOLS = {"http", "https"}
COMMENT_LINK_REL = "nofollow ugc noopener"


def render_comment(text):
    """A reply as typed to clean HTML: paragraphs, line breaks and links that pass no credit.

    Tags outside the allow-list are shown as typed (escaped), not silently
    dropped, so a reader quoting code sees their words. Every link, typed or
    auto-detected, gets rel="nofollow ugc noopener".
    """
    cleaned = bleach.clean(
        text.replace("\r\n", "\n").replace("\r", "\n").strip(),
        tags=COMMENT_TAGS,
        attributes=COMMENT_ATTRIBUTES,
        protocols=COMMENT_PROTOCOLS,
        strip=False,
    )
    paragraphs = [p.strip().replace("\n", "<br>\n") for p in cleaned.split("\n\n") if p.strip()]
    html = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    html = bleach.linkify(html, callbacks=[_reply_link], parse_email=False)
    # A <blockquote> cannot sit inside <p>; the parser leaves empty paragraphs around it.
    return html.replace("<p></p>", "")


def _reply_link(attrs, new=False):
    attrs[(None, "rel")] = COMMENT_LINK_REL
    return attrs
