"""Only canonical pages are cached: made-up addresses are redirected, refused or served the canonical page.

Every cached view names the query parameters it reads (pagecache.cached_for_readers);
a value written otherwise than the site writes it is redirected, one that is none is a 404,
and parameters no page reads (utm_*) are served the canonical page without a key of their own.
Feeds and sitemaps name the site's configured address, never the Host a request came with.
"""

import datetime
import itertools

import pytest
from django.core.cache import caches
from django.utils import timezone

from articles.models import Article, Author, Topic
from tests.comments.support import make_reply, relax_limits
from tests.stories import make_section, make_story

pytestmark = pytest.mark.django_db

# Values nobody's link carries: digits of other scripts, leading zeros, signs, NUL, huge and long ones.
ODD_VALUES = [
    "0", "1", "01", "0001", "-1", "+2", " 2", "2 ", "1e3", "²", "٣", "２", "\x00", "%00", "abc", "",
    "9" * 30, "9" * 10_000, "x" * 10_000, "99999999999", "100001", "2.0", "0x10", "１", "\u200b1",
]


def entries(name="pages"):
    """How many pages the cache holds (as this worker's memory in front of the shared store shows them)."""
    return len(caches[name].held())


@pytest.fixture
def site(settings):
    relax_limits(settings)
    settings.NEWSROOM_STORIES_PER_PAGE = 1
    world = make_section("World")
    writer = Author.objects.create(name="Aliya Sultanova", slug="aliya-sultanova")
    kazakhstan = Topic.objects.create(name="Kazakhstan", slug="kazakhstan")
    story = make_story("Shooting continues in Almaty", section=world, authors=[writer.name], body="Almaty news.")
    story.topics.add(kazakhstan)
    make_story("Second story about Almaty", section=world).topics.add(kazakhstan)
    return {"story": story, "reply": make_reply(story)}


def canonical_pages(story, reply):
    return [
        "/", "/?page=2", story.get_absolute_url(), f"{story.get_absolute_url()}?replyto={reply.pk}", "/section/world/", "/topic/kazakhstan/", "/topics/",
        "/author/aliya-sultanova/", "/corrections/", "/search/?q=almaty", "/feeds/latest/", "/feeds/atom/",
        "/section/world/feed/", "/topic/kazakhstan/feed/", "/sitemap.xml", "/sitemap-news.xml", "/robots.txt",
    ]


def made_up_variants(story, count=1000):
    """`count` addresses readers (or robots) make up from the site's pages and their parameters."""
    bases = {
        "/": ["page"], story.get_absolute_url(): ["page", "cpage", "sort", "replyto", "updates"],
        "/section/world/": ["page"], "/topic/kazakhstan/": ["page"], "/author/aliya-sultanova/": ["page"],
        "/search/?q=almaty&": ["page"], "/feeds/latest/": ["p", "page"], "/feeds/atom/": ["page"],
        "/sitemap.xml": ["p"], "/sitemap-stories.xml": ["p"], "/topic/kazakhstan/feed/": ["page"],
    }
    variants = []
    for base, names in bases.items():
        glue = "" if base.endswith("&") else "?"
        for name in names:
            variants += [f"{base}{glue}{name}={value}" for value in ODD_VALUES]
            variants.append(f"{base}{glue}{name}=2&{name}=3")
    variants += [f"{story.get_absolute_url()}?sort={word}" for word in ("sideways", "oldest", "NEWEST", "newest%00")]
    # The same search written otherwise (another query is another page: those live in a cache of their own).
    variants += ["/search/?q=%20almaty", "/search/?q=almaty%20%20", "/search/?q=almaty&q=almaty", "/search/?q=almaty%00"]
    n = itertools.count()
    while len(variants) < count:  # the rest: parameters no page reads, and pages and replies that do not exist
        i = next(n)
        variants += [
            f"/?utm_source=mail{i}&utm_campaign={i}",
            f"{story.get_absolute_url()}?fbclid={i}",
            f"{story.get_absolute_url()}?cpage={i + 2}",
            f"{story.get_absolute_url()}?replyto={i + 10_000}",
            f"/section/world/?page={i + 3}",
            f"/sitemap.xml?p={i:04d}",
            f"/feeds/atom/?{i}",
        ]
    return variants[:count]


def test_a_thousand_made_up_addresses_take_no_place_in_the_cache_and_none_is_a_500(client, site):
    pages = canonical_pages(site["story"], site["reply"])
    for address in pages:
        assert client.get(address).status_code == 200, address
    kept, searches = entries(), entries("search")

    statuses = {}
    for address in made_up_variants(site["story"]):
        status = client.get(address).status_code
        statuses.setdefault(status, []).append(address)

    assert sum(len(found) for found in statuses.values()) == 1000
    assert set(statuses) <= {200, 301, 302, 404}, {status: found[:5] for status, found in statuses.items() if status >= 500}
    assert entries() == kept, "a made-up address took a page of its own"
    assert entries("search") == searches
    for address in pages:  # and the site's own pages are all still there
        assert client.get(address).status_code == 200


@pytest.mark.parametrize(
    ("asked", "sent_to"),
    [
        ("/?page=1", "/"),
        ("/?page=0002", "/?page=2"),
        ("/?page=01&utm_source=mail", "/"),
        ("/search/?q=%20almaty%20%20news", "/search/?q=almaty+news"),
        ("/search/?q=", "/search/"),
        ("/sitemap-stories.xml?p=1", "/sitemap-stories.xml"),
    ],
)
def test_a_value_written_otherwise_is_sent_to_the_address_the_site_writes(client, site, asked, sent_to):
    response = client.get(asked)
    assert response.status_code == 301 and response["Location"] == sent_to


@pytest.mark.parametrize(
    "asked", ["/?page=0", "/?page=-1", "/?page=²", "/?page=٣", "/?page=2&page=2", "/?page=9999999", "/?page=%00"]
)
def test_a_value_that_is_no_page_is_not_found(client, site, asked):
    assert client.get(asked).status_code == 404


def test_a_search_for_an_ampersand_is_not_the_second_page_of_another(client, site):
    typed = client.get("/search/?q=almaty%26page%3D2")
    second_page = client.get("/search/?q=almaty&page=2")
    assert typed.status_code == second_page.status_code == 200
    assert 'value="almaty&amp;page=2"' in typed.content.decode()
    assert typed.content != second_page.content


def test_parameters_no_page_reads_are_served_the_canonical_page_from_the_cache(client, site, django_assert_num_queries):
    story = site["story"]
    client.get(story.get_absolute_url())
    with django_assert_num_queries(0):
        response = client.get(story.get_absolute_url() + "?utm_source=newsletter&utm_medium=email")
    assert response.status_code == 200 and "Shooting continues in Almaty" in response.content.decode()


def test_the_replies_parameters_name_an_order_a_page_and_a_reply_that_exist(client, site):
    url = site["story"].get_absolute_url()
    assert client.get(url + "?sort=newest").status_code == 200
    assert client.get(url + "?sort=sideways")["Location"] == url
    assert client.get(url + "?sort=oldest")["Location"] == url, "the default order is written by leaving it out"
    assert client.get(url + "?cpage=7")["Location"] == url, "past the last page of replies: the last one"
    assert client.get(url + "?replyto=987654")["Location"] == url
    assert client.get(url + "?updates=2").status_code == 404, "a story without live updates has no page 2 of them"


def test_feeds_and_sitemaps_name_the_sites_address_whatever_host_was_asked(client, site, settings):
    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    for address in ("/feeds/latest/", "/feeds/atom/", "/topic/kazakhstan/feed/", "/sitemap.xml", "/sitemap-news.xml"):
        body = client.get(address, HTTP_HOST="localhost").content.decode()
        assert "localhost" not in body and "testserver" not in body, address
        assert "https://news.example.org/" in body, address
        assert client.get(address, HTTP_HOST="127.0.0.1").content.decode() == body, "one page for every Host"


def test_past_one_file_the_sitemap_index_names_the_sites_address(client, site, settings, monkeypatch):
    from articles import sitemaps

    settings.NEWSROOM_SITE_URL = "https://news.example.org"
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 1)
    body = client.get("/sitemap.xml", HTTP_HOST="localhost").content.decode()
    assert "<sitemapindex" in body and "<loc>https://news.example.org/sitemap-stories.xml</loc>" in body
    assert "localhost" not in body


# -- A topic exists only while it has a public story ----------------------------------------------------------


@pytest.mark.parametrize("hidden", ["embargoed", "draft", "taken down"])
def test_a_topic_whose_stories_are_not_public_is_not_there_at_all(client, hidden):
    later = timezone.now() + datetime.timedelta(days=1)
    story = {
        "embargoed": lambda: make_story("Embargoed results", publish_at=later),
        "draft": lambda: make_story("Draft results", status=Article.Status.DRAFT),
        "taken down": lambda: make_story("Withdrawn results", status=Article.Status.TAKEN_DOWN),
    }[hidden]()
    story.topics.add(Topic.objects.create(name="Secret merger", slug="secret-merger"))
    made_up = client.get("/topic/no-such-topic/")

    for address in ("/topic/secret-merger/", "/topic/secret-merger/feed/"):
        response = client.get(address)
        assert response.status_code == 404
        assert response.content == made_up.content, "the same answer as a topic that never was"
    for address in ("/topics/", "/sitemap.xml"):
        assert "secret-merger" not in client.get(address).content.decode()


def test_a_writer_with_only_an_embargoed_story_shows_nothing_of_it(client):
    writer = Author.objects.create(name="Dana Kim", slug="dana-kim")
    make_story("Embargoed results", authors=[writer.name], publish_at=timezone.now() + datetime.timedelta(days=1))
    page = client.get("/author/dana-kim/").content.decode()
    assert "Dana Kim" in page and "Embargoed results" not in page and "embargoed-results" not in page
