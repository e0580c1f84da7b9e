"""What search engines, news aggregators and link previews are told: sitemaps, the news sitemap, robots.txt,
structured data, canonical links, OpenGraph and Twitter cards."""

import datetime
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from articles import sitemaps
from articles.models import Article, Author, Topic
from pictures.models import Image
from tests.stories import make_section, make_story
from tests.test_feeds import json_ld

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SITE = "http://127.0.0.1:8000"


def ago(**delta):
    return timezone.now() - datetime.timedelta(**delta)


# -- Sitemaps and robots.txt -------------------------------------------------------------------------------------


def test_the_news_sitemap_names_the_last_two_days_stories_with_publication_language_date_and_title(client):
    fresh = make_story("Curfew lifted & trams run", publish_at=ago(hours=3))
    make_story("Yesterday's story", publish_at=ago(hours=40))
    make_story("Last week's story", publish_at=ago(days=3))
    make_story("Embargoed", publish_at=timezone.now() + datetime.timedelta(hours=1))
    make_story("Draft", status=Article.Status.DRAFT)

    response = client.get("/sitemap-news.xml")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    urls = ET.fromstring(response.content).findall(f"{SITEMAP}url")
    assert [url.find(f"{NEWS}news").findtext(f"{NEWS}title") for url in urls] == ["Curfew lifted & trams run", "Yesterday's story"]
    first = urls[0]
    assert first.findtext(f"{SITEMAP}loc") == f"http://127.0.0.1:8000{fresh.get_absolute_url()}"
    news = first.find(f"{NEWS}news")
    assert news.find(f"{NEWS}publication").findtext(f"{NEWS}name") == "Newsroom"
    assert news.find(f"{NEWS}publication").findtext(f"{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}publication_date") == fresh.publish_at.isoformat()


def test_the_sitemap_names_stories_sections_topics_writers_and_pages(client):
    story = make_story("Shooting continues in Almaty", authors=["Aliya Sultanova"])
    story.topics.add(Topic.objects.create(name="Kazakhstan", slug="kazakhstan"))
    Topic.objects.create(name="Empty topic", slug="empty")
    make_story("Draft", status=Article.Status.DRAFT, authors=["Hidden Writer"])

    locations = [url.findtext(f"{SITEMAP}loc") for url in ET.fromstring(client.get("/sitemap.xml").content).findall(f"{SITEMAP}url")]

    for path in [story.get_absolute_url(), "/section/world/", "/topic/kazakhstan/", "/author/aliya-sultanova/", "/privacy/", "/about/"]:
        assert f"http://127.0.0.1:8000{path}" in locations, path
    assert "http://127.0.0.1:8000/topic/empty/" not in locations
    assert "http://127.0.0.1:8000/author/hidden-writer/" not in locations


def test_past_one_files_limit_the_sitemap_becomes_an_index_of_files_that_each_fit(client, monkeypatch):
    for n in range(5):
        make_story(f"Story {n}", publish_at=ago(hours=n + 1))
    monkeypatch.setattr(sitemaps, "SITEMAP_LIMIT", 3)
    monkeypatch.setattr(sitemaps.StorySitemap, "limit", 3)

    index = ET.fromstring(client.get("/sitemap.xml").content)

    assert index.tag == f"{SITEMAP}sitemapindex"
    files = [entry.findtext(f"{SITEMAP}loc") for entry in index.findall(f"{SITEMAP}sitemap")]
    assert "http://127.0.0.1:8000/sitemap-stories.xml" in files and "http://127.0.0.1:8000/sitemap-stories.xml?p=2" in files
    assert "http://127.0.0.1:8000/sitemap-news.xml" in files and "http://127.0.0.1:8000/sitemap-pages.xml" in files
    first = ET.fromstring(client.get("/sitemap-stories.xml").content).findall(f"{SITEMAP}url")
    second = ET.fromstring(client.get("/sitemap-stories.xml?p=2").content).findall(f"{SITEMAP}url")
    assert len(first) == 3 and len(second) == 2
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_robots_txt_names_every_sitemap_and_keeps_crawlers_out_of_the_admin_and_search(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *" in text and "Disallow: /admin/" in text and "Disallow: /search/" in text
    assert f"Sitemap: {SITE}/sitemap.xml" in text and f"Sitemap: {SITE}/sitemap-news.xml" in text


# -- Structured data ---------------------------------------------------------------------------------------------


def test_structured_data_names_people_and_organisations_with_their_pages_and_the_publishers_logo(client):
    Author.objects.create(name="Wire services", slug="wire-services", is_organization=True)
    story = make_story("Shooting continues in Almaty", authors=["Aliya Sultanova", "Wire services"])
    story.topics.add(Topic.objects.create(name="Kazakhstan", slug="kazakhstan"))

    data = json.loads(json_ld(client.get(story.get_absolute_url()).content.decode()))

    assert data["author"] == [
        {"@type": "Person", "name": "Aliya Sultanova", "url": f"{SITE}/author/aliya-sultanova/"},
        {"@type": "Organization", "name": "Wire services", "url": f"{SITE}/author/wire-services/"},
    ]
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Newsroom",
        "url": f"{SITE}/",
        "logo": {"@type": "ImageObject", "url": f"{SITE}/static/img/publisher-logo.png"},
    }
    assert data["keywords"] == ["Kazakhstan"]
    assert "correction" not in data


def test_a_story_carries_its_breadcrumbs_from_the_front_page(client):
    story = make_story("Markets reopen", section=make_section("Business"))

    data = json.loads(json_ld(client.get(story.get_absolute_url()).content.decode(), "BreadcrumbList"))

    assert [(item["position"], item["name"], item["item"]) for item in data["itemListElement"]] == [
        (1, "Newsroom", f"{SITE}/"),
        (2, "Business", f"{SITE}/section/business/"),
        (3, "Markets reopen", f"{SITE}{story.get_absolute_url()}"),
    ]


def test_an_edit_moves_date_modified(client):
    story = make_story("Talks stall")
    story.body += "\n\nThey resumed in the evening."
    story.save()
    data = json.loads(json_ld(client.get(story.get_absolute_url()).content.decode()))
    assert data["dateModified"] == story.updated_at.isoformat() != data["datePublished"]


def test_a_writers_page_describes_them_to_search_engines(client):
    Author.objects.create(name="Aliya Sultanova", slug="aliya-sultanova", role="Foreign correspondent", bio="Reports from Almaty.")
    make_story(authors=["Aliya Sultanova"])

    data = json.loads(json_ld(client.get("/author/aliya-sultanova/").content.decode(), "ProfilePage"))

    assert data["mainEntity"] == {
        "@type": "Person",
        "name": "Aliya Sultanova",
        "url": f"{SITE}/author/aliya-sultanova/",
        "description": "Reports from Almaty.",
        "jobTitle": "Foreign correspondent",
    }


# -- Canonical links, OpenGraph and Twitter cards ----------------------------------------------------------------


class HeadTags(HTMLParser):
    """The <link rel=canonical> and <meta> tags of a page's head, as {name: [content, …]}."""

    def __init__(self):
        super().__init__()
        self.tags = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.tags.setdefault("canonical", []).append(attrs["href"])
        elif tag == "meta" and (attrs.get("property") or attrs.get("name")):
            self.tags.setdefault(attrs.get("property") or attrs.get("name"), []).append(attrs.get("content"))


def head_tags(client, address):
    response = client.get(address)
    assert response.status_code == 200, address
    parser = HeadTags()
    parser.feed(response.content.decode())
    return {name: values[0] if len(values) == 1 else values for name, values in parser.tags.items()}


@pytest.fixture
def site():
    picture = Image.objects.create_placeholder(alt_text="Placeholder: no photograph", lines=["x"])
    portrait = Image.objects.create_placeholder(alt_text="Portrait placeholder", lines=["AS"])
    Author.objects.create(name="Aliya Sultanova", slug="aliya-sultanova", portrait=portrait, bio="Reports from Almaty.")
    story = make_story("Shooting continues in Almaty", lead_image=picture, authors=["Aliya Sultanova"], standfirst="Order restored.")
    story.topics.add(Topic.objects.create(name="Kazakhstan", slug="kazakhstan", description="The unrest."))
    return {"story": story, "picture": picture, "portrait": portrait}


def test_every_page_names_its_canonical_address(client, site, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 1
    make_story("Second story")
    story = site["story"]
    for address, canonical in [
        ("/", "/"),
        ("/?page=2", "/?page=2"),
        (story.get_absolute_url(), story.get_absolute_url()),
        ("/section/world/", "/section/world/"),
        ("/section/world/?page=2", "/section/world/?page=2"),
        ("/topic/kazakhstan/", "/topic/kazakhstan/"),
        ("/topics/", "/topics/"),
        ("/author/aliya-sultanova/", "/author/aliya-sultanova/"),
        ("/corrections/", "/corrections/"),
        ("/privacy/", "/privacy/"),
        ("/search/?q=almaty", "/search/?q=almaty"),
        ("/?utm_source=newsletter&utm_campaign=x", "/"),
    ]:
        assert head_tags(client, address)["canonical"] == SITE + canonical, address
    response = client.get("/search/?q=almaty&page=1&utm_source=x")
    assert response.status_code == 301 and response["Location"] == "/search/?q=almaty"


def test_a_story_link_preview_has_its_picture_headline_and_summary(client, site):
    story, crop = site["story"], site["picture"].crop("16:9")

    tags = head_tags(client, story.get_absolute_url())

    assert tags["og:type"] == "article" and tags["og:site_name"] == "Newsroom"
    assert tags["og:title"] == tags["twitter:title"] == "Shooting continues in Almaty"
    assert tags["og:description"] == tags["twitter:description"] == "Order restored."
    assert tags["og:url"] == SITE + story.get_absolute_url()
    assert tags["og:image"] == tags["twitter:image"] == SITE + crop.url
    assert (tags["og:image:width"], tags["og:image:height"]) == (str(crop.width), str(crop.height))
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["article:author"] == f"{SITE}/author/aliya-sultanova/"
    assert tags["article:tag"] == "Kazakhstan"


@pytest.mark.parametrize(
    "address, title, kind",
    [
        ("/", "Newsroom", "website"),
        ("/section/world/", "World", "website"),
        ("/topic/kazakhstan/", "Kazakhstan", "website"),
        ("/author/aliya-sultanova/", "Aliya Sultanova", "profile"),
        ("/privacy/", "Privacy notice", "website"),
        ("/corrections/", "Corrections", "website"),
    ],
)
def test_other_pages_have_opengraph_and_twitter_cards_too(client, site, address, title, kind):
    tags = head_tags(client, address)

    assert tags["og:title"] == tags["twitter:title"] == title
    assert tags["og:type"] == kind and tags["og:site_name"] == "Newsroom"
    assert tags["og:url"] == tags["canonical"]
    assert tags["og:description"] and tags["og:description"] == tags["twitter:description"] == tags["description"]
    if address.startswith("/author/"):
        square = site["portrait"].crop("1:1")
        assert tags["og:image"] == SITE + square.url and tags["twitter:card"] == "summary_large_image"
    else:
        assert tags["twitter:card"] == "summary"


def test_a_page_description_escapes_what_editors_wrote(client):
    fuel = Topic.objects.create(name='Fuel "prices" <b>', slug="fuel", description='Prices & "queues" <script>')
    make_story("Fuel prices rise").topics.add(fuel)
    page = client.get("/topic/fuel/").content.decode()
    assert '<meta property="og:description" content="Prices &amp; &quot;queues&quot; &lt;script&gt;">' in page
    assert re.search(r"<title>Fuel &quot;prices&quot; &lt;b&gt;", page)
