"""A story's history: its revisions (kept by django-reversion), word-level comparison, and restoring one.

A revision is a snapshot of the story's text, section, picture and byline with who saved it
and when. Comparing two is a word diff per field, as HTML with <ins> and <del> (styled by the
admin's stylesheet: no inline style). Restoring copies an old revision's words, section,
picture and byline onto the story and saves it, which keeps a new revision: nothing is lost.
"""

import difflib
import html
import re
from dataclasses import dataclass

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list
from reversion.models import Version

from articles.models import RESTORED_FIELDS, Article, Author, Byline, Section
from pictures.blocks import PICTURE_BLOCK
from pictures.models import Image

# The fields compared, in the order an editor reads a story.
LABELS = {
    "headline": "Headline",
    "kicker": "Kicker",
    "standfirst": "Standfirst",
    "body": "Body",
    "section": "Section",
    "lead_image": "Picture",
    "byline": "Byline",
    "slug": "Slug",
    "status": "Status",
    "publish_at": "Publish time",
}
WORDS = re.compile(r"\s+|\w+|[^\w\s]")


def history(article):
    """The story's revisions, newest first, each with its revision (who, when, comment)."""
    return Version.objects.get_for_object(article).select_related("revision", "revision__user")


BLOCK_END = re.compile(r"</(?:p|h2|h3|li|blockquote|pre)>|<br>|<hr>")


def readable(body):
    """A body's (or standfirst's) HTML as the comparison reads it: its words, a line per paragraph, [picture 12] where pictures are."""
    text = PICTURE_BLOCK.sub(lambda match: f"[picture {match.group(1)}]\n", body or "")
    return html.unescape(strip_tags(BLOCK_END.sub(lambda match: match.group(0) + "\n", text))).strip()


def snapshot_of_story(article):
    """What the story is now, as the comparison reads it."""
    return {
        "headline": article.headline,
        "kicker": article.kicker,
        "standfirst": readable(article.standfirst),
        "body": readable(article.body),
        "section": _name(Section, article.section_id),
        "lead_image": _picture(article.lead_image_id),
        "byline": _byline([b.author_id for b in article.bylines.order_by("position", "pk")]),
        "slug": article.slug,
        "status": article.get_status_display(),
        "publish_at": _when(article.publish_at),
    }


def snapshot_of_version(version):
    """What the story was in one revision, as the comparison reads it."""
    fields = version.field_dict
    status = fields.get("status", "")
    return {
        "headline": fields.get("headline", ""),
        "kicker": fields.get("kicker", ""),
        "standfirst": readable(fields.get("standfirst", "")),
        "body": readable(fields.get("body", "")),
        "section": _name(Section, fields.get("section_id", fields.get("section"))),
        "lead_image": _picture(fields.get("lead_image_id", fields.get("lead_image"))),
        "byline": _byline([author for _, author in _bylines_of(version)]),
        "slug": fields.get("slug", ""),
        "status": dict(Article.Status.choices).get(status, status),
        "publish_at": _when(fields.get("publish_at")),
    }


def version_at(article, edit_version):
    """The revision saved as the story's `edit_version`-th save, or None (saved without one)."""
    for version in history(article)[:200]:
        if version.field_dict.get("edit_version") == edit_version:
            return version
    return None


@dataclass
class Change:
    label: str
    html: str  # the word diff, safe HTML
    changed: bool


def compare(before, after):
    """Every field of two snapshots, with its word diff; `changed` tells the ones that differ."""
    return [
        Change(label, word_diff(before[name], after[name]), before[name] != after[name])
        for name, label in LABELS.items()
    ]


def word_diff(old, new):
    """`new` as HTML, words removed from `old` in <del> and words added in <ins>; everything escaped."""
    old_words, new_words = WORDS.findall(old or ""), WORDS.findall(new or "")
    parts = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old_words[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(format_html("<del>{}</del>", "".join(old_words[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(format_html("<ins>{}</ins>", "".join(new_words[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


@transaction.atomic
def restore(article, version, user):
    """Bring back one revision's words, section, picture and byline; saved as a new revision. Returns the story.

    The address and the publishing state stay as they are now. A picture, section or writer
    deleted since is left as it is now, and said so in the revision's comment.
    """
    fields = version.field_dict
    missing = []
    for name in RESTORED_FIELDS:
        value = fields.get(f"{name}_id", fields.get(name))
        if name == "section":
            if Section.objects.filter(pk=value).exists():
                article.section_id = value
            else:
                missing.append("section")
        elif name == "lead_image":
            if value is None or Image.objects.filter(pk=value).exists():
                article.lead_image_id = value
            else:
                missing.append("picture")
        else:
            setattr(article, name, value)
    when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
    with reversion.create_revision():
        reversion.set_user(user)
        comment = f"Restored the version of {when}."
        if missing:
            comment += f" Its {get_text_list(missing, 'and')} no longer exists and was kept as it was."
        reversion.set_comment(comment)
        article.save()
        authors = [author for _, author in _bylines_of(version) if Author.objects.filter(pk=author).exists()]
        article.bylines.all().delete()
        Byline.objects.bulk_create(
            Byline(article=article, author_id=author, position=position) for position, author in enumerate(authors)
        )
        reversion.add_to_revision(article)  # with the byline as restored
    return article


def _bylines_of(version):
    """(position, author id) of the bylines saved in the same revision, in byline order."""
    byline_type = ContentType.objects.get_for_model(Byline)
    rows = []
    for other in version.revision.version_set.filter(content_type=byline_type):
        data = other.field_dict
        if data.get("article_id", data.get("article")) == int(version.object_id):
            rows.append((data.get("position", 0), int(other.object_id), data.get("author_id", data.get("author"))))
    return [(position, author) for position, _, author in sorted(rows)]


def _name(model, pk):
    if pk is None:
        return ""
    found = model.objects.filter(pk=pk).first()
    return str(found) if found else "(deleted)"


def _picture(pk):
    if pk is None:
        return "No picture"
    image = Image.objects.filter(pk=pk).first()
    return f"{image} (picture {pk})" if image else f"A deleted picture (picture {pk})"


def _byline(author_ids):
    names = dict(Author.objects.filter(pk__in=author_ids).values_list("pk", "name"))
    return get_text_list([names.get(pk, "(a deleted author)") for pk in author_ids], "and")


def _when(value):
    if value is None:
        return ""
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")
