"""Search: only published stories, best match first, the words found marked and escaped, any query a page.

The same tests run on SQLite (FTS5) and PostgreSQL (full-text search): `make test`
with and without DATABASE_URL.
"""

import datetime
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from articles import search
from articles.models import Article, SearchEntry
from tests.realistic_site import build_site
from tests.stories import make_section, make_story

pytestmark = pytest.mark.django_db


def found(client, q, **params):
    """The headlines of the stories on a search results page, in order."""
    response = client.get("/search/", {"q": q, **params})
    assert response.status_code == 200
    page = response.content.decode()
    return re.findall(r'<h2 class="card__headline"><a href="[^"]+">([^<]+)</a></h2>', page)


def test_search_finds_published_stories_by_their_words_best_match_first(client):
    make_story("Fuel prices rise again", body="Drivers queued at the pumps.")
    make_story("Drivers protest in Almaty", body="The price of fuel doubled overnight, and drivers came out.")
    make_story("Cup final goes to extra time", body="Nothing about the subject at all.")

    assert found(client, "fuel") == ["Fuel prices rise again", "Drivers protest in Almaty"]  # headline first
    assert found(client, "protesting drivers") == ["Drivers protest in Almaty"]  # stemmed, every word
    assert found(client, "extra time") == ["Cup final goes to extra time"]


def test_quotes_minus_and_or_do_what_the_search_page_says(client):
    make_story("Curfew lifted", body="The state of emergency ends on Monday.")
    make_story("Emergency services stretched", body="A state visit was cancelled.")
    make_story("Markets reopen", body="Banks open on Monday.")

    assert found(client, '"state of emergency"') == ["Curfew lifted"]
    assert sorted(found(client, "emergency -curfew")) == ["Emergency services stretched"]
    assert sorted(found(client, "curfew OR markets")) == ["Curfew lifted", "Markets reopen"]


def test_only_published_stories_are_ever_found_and_they_follow_their_status(client):
    make_story("Ceasefire holds in the north", body="A ceasefire.")
    draft = make_story("Ceasefire draft", status=Article.Status.DRAFT, body="A ceasefire.")
    later = make_story("Ceasefire embargoed", publish_at=timezone.now() + datetime.timedelta(hours=2), body="A ceasefire.")

    assert found(client, "ceasefire") == ["Ceasefire holds in the north"]

    Article.objects.filter(pk=later.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    Article.objects.filter(pk=draft.pk).update(status=Article.Status.PUBLISHED)
    caches["search"].clear()  # update() sends no signal: here the time came by itself
    assert sorted(found(client, "ceasefire")) == ["Ceasefire draft", "Ceasefire embargoed", "Ceasefire holds in the north"]

    draft.status = Article.Status.DRAFT
    draft.save()  # unpublished: the cached results are not served again
    assert "Ceasefire draft" not in found(client, "ceasefire")


def test_stories_readers_cannot_see_take_no_place_on_a_page_of_results(client, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 2
    for n in range(3):  # the best matches, by their headlines, but not public
        make_story(f"Blizzard draft {n}", status=Article.Status.DRAFT, body="Blizzard blizzard blizzard.")
    for n in range(3):
        make_story(f"Weather report {n}", body=f"A blizzard is coming, report {n}.")

    first, second = found(client, "blizzard"), found(client, "blizzard", page=2)

    assert len(first) == 2 and len(second) == 1
    assert all(headline.startswith("Weather report") for headline in first + second)


def test_an_edited_story_is_found_by_its_new_words_only_and_a_deleted_one_not_at_all(client):
    story = make_story("Talks stall in Geneva", body="Negotiators left early.")
    story.headline = "Talks resume in Vienna"
    story.save()

    assert found(client, "vienna") == ["Talks resume in Vienna"]
    assert found(client, "geneva") == []
    story.delete()
    assert found(client, "vienna") == []
    assert not SearchEntry.objects.exists()


def test_the_words_found_are_marked_and_everything_else_is_escaped(client):
    make_story(
        "Hostile story",
        body='The uprising <script>alert("x")</script> & <b>bold</b> uprising again.',
    )

    page = client.get("/search/", {"q": "uprising"}).content.decode()

    snippet = re.search(r'<p class="card__summary card__snippet">(.*?)</p>', page, flags=re.S).group(1)
    assert "<mark>uprising</mark>" in snippet
    assert "<script" not in snippet and "<b>" not in snippet
    assert "alert" in snippet and "&amp;" in snippet  # the text around it, escaped (PostgreSQL drops tag-like words)
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0  # no tag but our own marks


def test_a_story_written_in_another_alphabet_is_found_by_its_words(client):
    make_story("Алматы: ситуация стабилизировалась", body="Жители Алматы вышли на улицы.")
    make_story("北京新闻", body="今天 北京 下雨")

    assert found(client, "Алматы") == ["Алматы: ситуация стабилизировалась"]
    assert found(client, "北京") == ["北京新闻"]


@pytest.mark.parametrize(
    "q",
    [
        "",
        " ",
        "x" * 2000,
        "word " * 400,
        "!!! ??? ... ,,,",
        "'; DROP TABLE articles_article; --",
        "1' OR '1'='1",
        "fuel\x00prices",
        "\x00",
        '"',
        '"unclosed phrase',
        "*",
        "fuel*",
        "NEAR(fuel prices)",
        "NEAR(",
        "-",
        "--",
        "-fuel",
        "OR",
        "fuel OR",
        "AND NOT OR",
        "^fuel",
        "headline:fuel",
        "{fuel prices}",
        "(fuel",
        "%",
        "\\",
        "\ue000\ue001",
        "Алматы 北京 العربية",
        "🔥",
    ],
)
def test_any_query_whatsoever_answers_with_a_page(client, q):
    make_story("Fuel prices rise", body="Fuel prices rose again on Monday.")

    response = client.get("/search/", {"q": q}, follow=True)

    assert response.status_code == 200 and len(response.redirect_chain) <= 1, "at most one step, to the query as searched"
    assert "Search" in response.content.decode()


def test_a_query_longer_than_the_limit_is_cut_and_the_reader_told(client):
    make_story("Fuel prices rise", body="Fuel prices rose again.")

    page = client.get("/search/", {"q": "fuel " + "x" * 300}).content.decode()

    assert "Only the first 200 characters of what you typed were searched." in page


def test_a_query_with_no_words_says_so_and_asks_no_database(client, django_assert_num_queries):
    client.get("/search/", {"q": "warm-up"})  # the site's first page of this generation
    with django_assert_num_queries(0):
        page = client.get("/search/", {"q": "!!! ???"}).content.decode()
    assert "There were no words to search for" in page
    with django_assert_num_queries(0):
        assert "Type a word or two" in client.get("/search/").content.decode()


def test_results_are_paginated_and_odd_page_numbers_are_not_found(client, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 4
    for n in range(6):
        make_story(f"Flood report {n}", body="The river flooded the valley.", publish_at=timezone.now() - datetime.timedelta(hours=n + 1))

    first, second = found(client, "flood"), found(client, "flood", page=2)

    assert len(first) == 4 and len(second) == 2 and not set(first) & set(second)
    page = client.get("/search/", {"q": "flood"}).content.decode()
    assert 'href="?q=flood&amp;page=2"' in page and 'rel="next"' in page
    for odd in ["abc", "0", "-1", "3", "100001"]:
        assert client.get("/search/", {"q": "flood", "page": odd}).status_code == 404, odd


def test_a_search_box_is_in_the_header_of_every_page(client):
    story = make_story("Markets reopen", section=make_section("Business"))
    for address in ["/", story.get_absolute_url(), "/section/business/", "/topics/", "/no/such/page/"]:
        page = client.get(address).content.decode()
        header = page[page.index('<header class="masthead">') : page.index("</header>")]
        assert 'action="/search/" method="get"' in header, address
        assert '<label class="visually-hidden" for="site-search-q">Search stories</label>' in header
        assert "csrfmiddlewaretoken" not in header  # a GET form: nothing per reader in the cached page


def test_search_pages_are_cached_apart_from_the_other_pages(client, django_assert_num_queries, settings):
    build_site(30, pictures=2)
    search.index_all()

    client.get("/search/", {"q": "markets"})  # the site's first page of this generation
    caches["search"].clear()
    with django_assert_num_queries(3):  # the matches, the stories, their bylines
        first = client.get("/search/", {"q": "markets"})
    with django_assert_num_queries(0):
        again = client.get("/search/", {"q": "markets"})

    assert first.content == again.content and "Markets reopen" in first.content.decode()
    assert not any("/search/" in address for address in caches["pages"].held()), list(caches["pages"].held())
    assert any("/search/" in address for address in caches["search"].held())


def test_search_results_are_not_indexed_by_search_engines(client):
    page = client.get("/search/", {"q": "anything"}).content.decode()
    assert '<meta name="robots" content="noindex">' in page
    assert "Disallow: /search/" in client.get("/robots.txt").content.decode()


def test_rebuilding_the_index_after_a_bulk_load_finds_every_story(client):
    build_site(12, pictures=0)  # bulk_create: no signals, no search entries
    assert found(client, "trams") == []

    assert search.index_all() == 12
    caches["search"].clear()
    assert found(client, "trams") == ["Trams run again"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query planner")
def test_postgresql_searches_through_the_gin_index(db):
    make_story("Fuel prices rise", body="Fuel prices rose again.")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether the index can serve the query
        query = (
            SearchEntry.objects.extra(where=["vector @@ websearch_to_tsquery('english', %s)"], params=["fuel"])
            .values("article_id")
            .query
        )
        sql, params = query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "articles_searchentry_vector" in plan, plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's FTS5 table")
def test_sqlite_keeps_its_fts5_table_in_step_with_the_stories(db):
    story = make_story("Trams run again", body="The trams are back.")
    story.body = "Buses replace them."
    story.save()

    with connection.cursor() as cursor:
        cursor.execute("SELECT rowid FROM articles_search_fts WHERE articles_search_fts MATCH 'buses'")
        assert cursor.fetchall() == [(story.pk,)]
        cursor.execute("SELECT rowid FROM articles_search_fts WHERE articles_search_fts MATCH 'back'")
        assert cursor.fetchall() == []
        cursor.execute("INSERT INTO articles_search_fts(articles_search_fts, rank) VALUES ('integrity-check', 1)")
