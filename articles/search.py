"""Search of published stories: one entry point, `search(text, page)`, on PostgreSQL or SQLite.

What is searched is each story's SearchEntry (its headline, standfirst and body as
plain text, the body followed by the words of the live updates readers see), kept in
step with the story on every save and with its updates by live (index_story). PostgreSQL searches a
generated, weighted tsvector column with a GIN index (headline A, standfirst B,
body C), ranks with ts_rank and marks the words found with ts_headline; SQLite
searches an FTS5 table kept in step by triggers, ranks with bm25 (the same weights'
order) and marks with snippet(). Both are made by migration 0007, each only on its
own database. Whether a story may be found is decided at search time by
Article.objects.published(), so a story found yesterday and taken back today is not.

What a reader types is never handed to either database's query syntax: it is read
here into words, "quoted phrases", -exclusions and OR, and each word goes to the
database as a quoted string (FTS5) or through plainto/phraseto_tsquery (PostgreSQL).
No query can be a syntax error, whatever it holds.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import Col, Expression, RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from .reading import related
from .text import _CONTROL, _WHITESPACE, plain_text

MAX_QUERY_CHARS = 200  # of a query; the rest is not searched (and the reader is told)
MAX_TERMS = 16  # words, phrases and exclusions read from one query
MAX_INDEXED_CHARS = 200_000  # of a story's body (PostgreSQL's tsvector has a size limit)
# Where the databases mark the words found: private-use characters, removed from the indexed text.
MARK_START, MARK_END = "\ue000", "\ue001"
ELLIPSIS = " … "
SEARCH_CONFIG = "english"  # PostgreSQL's text search configuration (stemming, stop words), as in migration 0007
FTS_TABLE = "articles_search_fts"

_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD = re.compile(r"\w+")


# What is indexed.


def entry_fields(story):
    """What a story's SearchEntry holds: its words, then its live updates' (newest first, as far as room goes)."""
    return {
        "headline": plain_text(story.headline),
        "standfirst": story.standfirst_text,
        "body": plain_text(" ".join([story.body_html, *_update_words(story)]), MAX_INDEXED_CHARS),
    }


def _update_words(story):
    """The headlines and text of the story's live updates readers see (live.LiveUpdate, through the story's relation:
    for_readers() leaves out drafts and those still to come, which live indexes once they are due)."""
    if story.pk is None:
        return []
    updates = story.live_updates.for_readers().order_by("-publish_at", "-pk").values_list("headline", "body_html")
    return [f"<p>{escape(headline)}</p>{body_html}" for headline, body_html in updates]


def index_story(story):
    """Bring the story's SearchEntry in step with it (Article's post_save; live, when its updates change)."""
    from .models import SearchEntry

    SearchEntry.objects.update_or_create(article_id=story.pk, defaults=entry_fields(story))


def index_all(batch_size=500):
    """Rebuild every SearchEntry from the stories (after a bulk import that sent no signals); returns how many."""
    from .models import Article, SearchEntry

    SearchEntry.objects.all().delete()
    count = 0
    stories = Article.objects.only("pk", "headline", "standfirst", "body_html").order_by("pk")
    batch = []
    for story in stories.iterator(chunk_size=batch_size):
        batch.append(SearchEntry(article_id=story.pk, **entry_fields(story)))
        if len(batch) >= batch_size:
            count += len(SearchEntry.objects.bulk_create(batch))
            batch = []
    return count + len(SearchEntry.objects.bulk_create(batch))


# What is asked.


@dataclass(frozen=True)
class Term:
    words: tuple  # one word, or the words of a phrase
    excluded: bool = False


@dataclass(frozen=True)
class Query:
    """A reader's query, read: the text as searched, and its terms in groups (AND of ORs) and exclusions."""

    text: str
    groups: tuple = ()  # each a tuple of Terms, any of which may match
    exclusions: tuple = ()
    truncated: bool = False

    @property
    def is_empty(self):
        return not self.groups


def tidy(raw):
    """What a reader typed, as it is searched and written in the page's address: control characters and
    runs of whitespace made one space, compatibility characters in their plain form (NFKC)."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", _CONTROL.sub(" ", str(raw or "")))).strip()


def parse(raw):
    """Read what a reader typed; anything at all comes back as a Query, possibly empty, never an error."""
    text = tidy(raw)
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS].strip()
    groups, exclusions, alternative = [], [], False
    for match in _CHUNK.finditer(text):
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR":
            alternative = bool(groups)
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = tuple(_WORD.findall(phrase if phrase is not None else bare))[:MAX_TERMS]
        if not words or len(groups) + len(exclusions) >= MAX_TERMS:
            continue
        if negated:
            exclusions.append(Term(words, excluded=True))
        elif alternative:
            groups[-1] = (*groups[-1], Term(words))
        else:
            groups.append((Term(words),))
        alternative = False
    return Query(text, tuple(groups), tuple(exclusions) if groups else (), truncated)


# Results.


@dataclass
class Results:
    query: Query
    stories: list = field(default_factory=list)  # each with .snippet: HTML, the words found in <mark>
    has_next: bool = False


def search(raw, page=1, per_page=12):
    """Published stories matching what a reader typed, best first, one page of them.

    Three queries: the matches (ids and snippets) from the index, then the stories and
    their bylines as every list page reads them.
    """
    from .models import Article

    query = parse(raw)
    if query.is_empty:
        return Results(query)
    start = (page - 1) * per_page
    backend = _postgresql_matches if connection.vendor == "postgresql" else _sqlite_matches
    matches = backend(query, start, per_page + 1)
    found = Article.objects.published().for_listing().in_bulk([article_id for article_id, _ in matches])
    stories = []
    for article_id, snippet in matches[:per_page]:
        story = found.get(article_id)
        if story is not None:  # unpublished between the two queries
            story.snippet = marked(snippet) if MARK_START in (snippet or "") else None
            stories.append(story)
    _find_updates(query, [story for story in stories if story.live_from])
    return Results(query, stories, has_next=len(matches) > per_page)


def _find_updates(query, stories):
    """On each story with live coverage, the newest update readers see holding a word searched for (as typed, not
    stemmed), as `story.found_update` (number, time): a result links to the update's own address. One query, only
    when the page has such stories."""
    words = {word for group in query.groups for term in group for word in term.words}
    if not stories or not words:
        return
    LiveUpdate = related(type(stories[0]), "live_updates")
    holding = Q()
    for word in words:
        holding |= Q(headline__icontains=word) | Q(body__icontains=word)
    by_number = {story.pk: story for story in stories}
    found = (
        LiveUpdate.objects.for_readers().filter(holding, article__in=list(by_number))
        .order_by("article", "-publish_at", "-pk").values_list("article", "pk", "publish_at")
    )
    for article_id, number, publish_at in found:
        story = by_number[article_id]
        if not hasattr(story, "found_update"):
            story.found_update = {"url": f"{story.live_updates_url}{number}/", "at": publish_at}


def marked(snippet):
    """A snippet from the database as safe HTML: every character escaped, then its marks made <mark> tags.

    The indexed text holds no mark characters (plain_text removes them), so the
    marks are the database's own, in pairs.
    """
    html = escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only our own <mark> tags are added


def _published_with(article_id):
    """Article.objects.published(), as a condition on the story whose id is `article_id` (an expression)."""
    from .models import Article

    return Article.objects.published().filter(pk=article_id).order_by().values("pk")


class _Vector(Expression):
    """The tsvector column migration 0007 adds to SearchEntry on PostgreSQL, in whatever query (or subquery,
    under whatever alias) it is used. Not a model field: Django must never write a generated column."""

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        from django.contrib.postgres.search import SearchVectorField

        field = SearchVectorField()
        field.set_attributes_from_name("vector")
        return Col(query.get_initial_alias(), field, field)


def _postgresql_matches(query, start, count):
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank

    from .models import SearchEntry

    def term(t):
        return SearchQuery(" ".join(t.words), search_type="phrase", config=SEARCH_CONFIG)

    def any_of(group):
        combined = term(group[0])
        for t in group[1:]:
            combined |= term(t)
        return combined

    tsquery = any_of(query.groups[0])
    for group in query.groups[1:]:
        tsquery &= any_of(group)
    for t in query.exclusions:
        tsquery &= ~term(t)
    vector = _Vector()
    snippet = SearchHeadline(
        "body", tsquery, config=SEARCH_CONFIG, start_sel=MARK_START, stop_sel=MARK_END,
        max_words=30, min_words=15, max_fragments=2, fragment_delimiter=ELLIPSIS,
    )
    # Ranked on the index's column alone, so a word in most stories sorts small rows in memory;
    # then the snippets of only the page's stories, in the same order.
    page = (
        SearchEntry.objects.alias(vector=vector, rank=SearchRank(vector, tsquery))
        .filter(vector=tsquery)
        .filter(Exists(_published_with(OuterRef("article_id"))))
        .order_by("-rank", "-article__publish_at")
        .values("pk")[start : start + count]
    )
    rows = (
        SearchEntry.objects.filter(pk__in=page)
        .alias(vector=vector, rank=SearchRank(vector, tsquery))
        .annotate(snippet=snippet)
        .order_by("-rank", "-article__publish_at")
        .values_list("article_id", "snippet")
    )
    return list(rows)


def _fts5(term):
    """A term in FTS5's syntax: its words as one quoted string (a phrase when there are several)."""
    return '"' + " ".join(term.words).replace('"', '""') + '"'


def _fts5_match(query):
    groups = ["(" + " OR ".join(_fts5(t) for t in group) + ")" for group in query.groups]
    expression = "(" + " AND ".join(groups) + ")"
    for t in query.exclusions:
        expression += " NOT " + _fts5(t)
    return expression


def _sqlite_matches(query, start, count):
    # Only constant names are formatted into the SQL; what the reader typed goes in as a parameter.
    published, params = _published_with(RawSQL(f"{FTS_TABLE}.rowid", [])).query.sql_with_params()  # noqa: S611
    sql = (
        f"SELECT rowid, snippet({FTS_TABLE}, 2, %s, %s, %s, 30) FROM {FTS_TABLE} "  # noqa: S608
        f"WHERE {FTS_TABLE} MATCH %s AND EXISTS ({published}) "
        f"ORDER BY bm25({FTS_TABLE}, 10.0, 4.0, 1.0), rowid DESC LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [MARK_START, MARK_END, ELLIPSIS.strip(), _fts5_match(query), *params, count, start])
        return [(row[0], row[1]) for row in cursor.fetchall()]
