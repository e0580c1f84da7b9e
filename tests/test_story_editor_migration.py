"""Stories, live updates and pages written in Markdown (and corrections and standfirsts, in plain text) come into the rich-text editor once, and readers see
the same words, in the same HTML, before and after; the way back gives Markdown that renders the same again.

The database is taken back to the migrations before the editor, filled with what the site held then (the seed
story, the default pages, a live update, a saved revision), and migrated forward, back and forward again.
"""

import html
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from articles.models import Article, Correction
from live.models import LiveUpdate
from pages.models import Page
from sanitize import render_markdown

BEFORE = [("articles", "0012_search_and_social"), ("live", "0002_pins_summary_and_changes"),
          ("pages", "0005_privacy_notice_tells_of_reply_scores")]
ROOT = Path(__file__).resolve().parent.parent
SEED_BODY = (ROOT / "fixtures/almaty/body.md").read_text(encoding="utf-8")
CORRECTION = "An earlier version said <26> & not 26 rebels.\n\nIt was corrected."  # plain text, shown escaped
STANDFIRST = 'Rebels say "26" <b>not</b> 300 & more\ndied.'  # plain text, shown escaped
UPDATE = "Shots heard near the **square**, says [Reuters](https://example.org/a).\n\n> Stay inside.\n\n- one\n- two"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets):
    """Migrate to `targets`; the models as the applied migrations make them. (Not the state migrate() returns:
    going back, it keeps what a migration undone after another app's, later in the plan, had added.)"""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def fill_the_markdown_site(apps):
    """What the site held before the editor, as its code then stored it: Markdown, and the HTML made of it."""
    get = apps.get_model
    section = get("articles", "Section").objects.create(name="World", slug="world")
    story = get("articles", "Article").objects.create(
        section=section, headline="Shooting continues in Almaty", slug="shooting-continues-in-almaty",
        body=SEED_BODY, body_html=render_markdown(SEED_BODY), standfirst=STANDFIRST, status="published",
        publish_at=timezone.now() - timezone.timedelta(hours=1),
    )
    get("live", "LiveUpdate").objects.create(article=story, body=UPDATE, body_html=render_markdown(UPDATE))
    get("articles", "Correction").objects.create(article=story, text=CORRECTION)
    for page in get("pages", "Page").objects.all():
        markdown = (ROOT / f"pages/defaults/{page.slug}.md").read_text(encoding="utf-8")
        get("pages", "Page").objects.filter(pk=page.pk).update(body=markdown, body_html=render_markdown(markdown))
    content_type = get("contenttypes", "ContentType").objects.get_or_create(app_label="articles", model="article")[0]
    revision = get("reversion", "Revision").objects.create(date_created=timezone.now(), comment="Written.")
    get("reversion", "Version").objects.create(
        revision=revision, object_id=str(story.pk), content_type=content_type, db="default", format="json",
        object_repr=story.headline,
        serialized_data=json.dumps([{"model": "articles.article", "pk": story.pk, "fields": {"body": SEED_BODY}}]),
    )
    return story.pk


def readers_html():
    """The HTML readers get of every body, by page."""
    html = {f"page {page.slug}": page.body_html for page in Page.objects.all()}
    html["story"] = Article.objects.values_list("body_html", flat=True).get()  # (only the columns there before)
    html["update"] = LiveUpdate.objects.values_list("body_html", flat=True).get()
    return html


def test_every_body_reads_the_same_after_the_move_to_the_editor_and_back():
    story_pk = fill_the_markdown_site(migrate(BEFORE))
    before = readers_html()
    assert "<h2>Russian troops sent to the country</h2>" in before["story"]

    migrate(latest())
    assert readers_html() == before
    story = Article.objects.get(pk=story_pk)
    assert story.body == before["story"], "the editor opens the HTML readers saw"
    assert Correction.objects.get().text == "<p>An earlier version said &lt;26&gt; &amp; not 26 rebels.</p><p>It was corrected.</p>"
    assert story.standfirst == '<p>Rebels say "26" &lt;b&gt;not&lt;/b&gt; 300 &amp; more\ndied.</p>'
    story.save()  # an editor saving it unchanged changes nothing readers see
    assert Article.objects.get(pk=story_pk).body_html == before["story"]
    page = Client().get(story.get_absolute_url()).content.decode()
    assert before["story"] in page
    standfirst = re.search(r'<div class="standfirst">(.*?)</div>', page, re.DOTALL).group(1)
    assert " ".join(html.unescape(re.sub(r"<[^>]+>", "", standfirst)).split()) == " ".join(STANDFIRST.split())
    assert Article.objects.get(pk=story_pk).standfirst_text == " ".join(STANDFIRST.split())
    from reversion.models import Version

    assert Version.objects.get(object_id=str(story_pk), revision__comment="Written.").field_dict["body"] == before["story"]

    apps = migrate(BEFORE)
    old_story = apps.get_model("articles", "Article").objects.get(pk=story_pk)
    assert "## Russian troops sent to the country" in old_story.body
    # The way back: Markdown giving the same text (a typographic quote may come back as a character
    # rather than the entity &rsquo; Markdown made of a straight one).
    assert html.unescape(render_markdown(old_story.body)) == html.unescape(old_story.body_html) == html.unescape(before["story"])
    for page in apps.get_model("pages", "Page").objects.all():
        assert html.unescape(render_markdown(page.body)) == html.unescape(before[f"page {page.slug}"])
    assert apps.get_model("articles", "Correction").objects.get().text == CORRECTION
    assert old_story.standfirst == " ".join(STANDFIRST.split())  # the words again (an editor's save joined the lines)
    old_version = apps.get_model("reversion", "Version").objects.get(revision__comment="Written.")
    assert "## Russian troops" in json.loads(old_version.serialized_data)[0]["fields"]["body"]
    migrate(latest())
