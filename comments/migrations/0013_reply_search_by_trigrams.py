"""On PostgreSQL, the replies' admin search reads trigram indexes instead of every reply's words.

The admin searches with `icontains` (UPPER(column::text) LIKE '%word%'), which no B-tree index can
answer; a GIN index of trigrams over the same expressions can (pg_trgm, a trusted extension that the
database's owner may create). SQLite has no such index and needs none at its sizes: nothing happens there.
"""

from django.db import migrations

# The expressions exactly as Django's PostgreSQL backend writes an icontains lookup on each field.
SEARCHED = {
    "comments_reply_name_trgm": 'UPPER("name"::text)',
    "comments_reply_email_trgm": 'UPPER("email"::text)',
    "comments_reply_body_trgm": 'UPPER("body"::text)',
    "comments_reply_ip_trgm": 'UPPER(HOST("ip_address"))',
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in SEARCHED.items():
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "comments_comment" USING gin (({expression}) gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in SEARCHED:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("comments", "0012_moderators_pages_at_scale")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
