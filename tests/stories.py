"""Stories, sections and bylines for tests, made with the fewest fields that make them real."""

import datetime
import itertools

from django.utils import timezone

from articles.models import Article, Author, Byline, Section

_numbers = itertools.count(1)


def make_section(name="World", slug=None):
    section, _ = Section.objects.get_or_create(slug=slug or name.lower(), defaults={"name": name})
    return section


def make_story(headline=None, *, section=None, status=Article.Status.PUBLISHED, publish_at=None, authors=(), **fields):
    """A story, published an hour ago unless told otherwise."""
    number = next(_numbers)
    story = Article.objects.create(
        section=section or make_section(),
        headline=headline or f"Story number {number}",
        slug=fields.pop("slug", None) or f"story-number-{number}",
        body=fields.pop("body", f"<p>The first paragraph of story {number}.</p><h2>A sub-heading</h2><p>More text.</p>"),
        status=status,
        publish_at=publish_at or timezone.now() - datetime.timedelta(hours=1),
        **fields,
    )
    for position, name in enumerate(authors):
        author, _ = Author.objects.get_or_create(slug=name.lower().replace(" ", "-"), defaults={"name": name})
        Byline.objects.create(article=story, author=author, position=position)
    return story
