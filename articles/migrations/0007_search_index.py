"""The search index, each database its own (articles/search.py): on PostgreSQL a generated, weighted
tsvector column on SearchEntry with a GIN index; on SQLite an FTS5 table kept in step with SearchEntry
by triggers. Then every story already written gets its entry."""

from django.db import migrations

POSTGRESQL = [
    # Headline weighs most (A), then the standfirst (B), then the body (C). The column is computed by
    # PostgreSQL on every insert and update, so it cannot fall out of step with the text.
    """ALTER TABLE articles_searchentry ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, headline), 'A') ||
        setweight(to_tsvector('english'::regconfig, standfirst), 'B') ||
        setweight(to_tsvector('english'::regconfig, body), 'C')
    ) STORED""",
    "CREATE INDEX articles_searchentry_vector ON articles_searchentry USING GIN (vector)",
]
POSTGRESQL_REVERSE = [
    "DROP INDEX IF EXISTS articles_searchentry_vector",
    "ALTER TABLE articles_searchentry DROP COLUMN IF EXISTS vector",
]

SQLITE = [
    # External content: the text lives in articles_searchentry, the FTS5 table holds only the index.
    # Porter stemming, as PostgreSQL's english configuration stems ("protests" finds "protest").
    """CREATE VIRTUAL TABLE articles_search_fts USING fts5(
        headline, standfirst, body,
        content='articles_searchentry', content_rowid='article_id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER articles_search_fts_insert AFTER INSERT ON articles_searchentry BEGIN
        INSERT INTO articles_search_fts(rowid, headline, standfirst, body)
        VALUES (new.article_id, new.headline, new.standfirst, new.body);
    END""",
    """CREATE TRIGGER articles_search_fts_delete AFTER DELETE ON articles_searchentry BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, headline, standfirst, body)
        VALUES ('delete', old.article_id, old.headline, old.standfirst, old.body);
    END""",
    """CREATE TRIGGER articles_search_fts_update AFTER UPDATE ON articles_searchentry BEGIN
        INSERT INTO articles_search_fts(articles_search_fts, rowid, headline, standfirst, body)
        VALUES ('delete', old.article_id, old.headline, old.standfirst, old.body);
        INSERT INTO articles_search_fts(rowid, headline, standfirst, body)
        VALUES (new.article_id, new.headline, new.standfirst, new.body);
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS articles_search_fts_update",
    "DROP TRIGGER IF EXISTS articles_search_fts_delete",
    "DROP TRIGGER IF EXISTS articles_search_fts_insert",
    "DROP TABLE IF EXISTS articles_search_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def index_every_story(apps, schema_editor):
    from articles.search import entry_fields

    Article = apps.get_model("articles", "Article")
    SearchEntry = apps.get_model("articles", "SearchEntry")
    db = schema_editor.connection.alias
    entries = [
        SearchEntry(article_id=story.pk, **entry_fields(story))
        for story in Article.objects.using(db).only("pk", "headline", "standfirst", "body_html").iterator()
    ]
    SearchEntry.objects.using(db).bulk_create(entries, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_topics_corrections_author_pages_search")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
        migrations.RunPython(index_every_story, migrations.RunPython.noop),
    ]
