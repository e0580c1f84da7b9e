"""Feeds, the sitemap and the structured data for search engines: published stories only, safely escaped."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from articles.models import Article
from tests.stories import make_story

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def stories():
    return {
        "public": make_story("Ceasefire holds in the north", authors=["Newsroom staff"]),
        "draft": make_story("Unfinished draft", status=Article.Status.DRAFT),
        "scheduled": make_story("Embargoed until tomorrow", publish_at=timezone.now() + datetime.timedelta(days=1)),
    }


def test_rss_feed_lists_published_stories_only(client, stories):
    response = client.get("/feeds/latest/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Ceasefire holds in the north"]
    assert items[0].findtext("link").endswith(stories["public"].get_absolute_url())
    assert items[0].findtext("category") == "World"


def test_atom_feed_lists_published_stories_only(client, stories):
    response = client.get("/feeds/atom/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = ET.fromstring(response.content).findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}title") for entry in entries] == ["Ceasefire holds in the north"]
    assert entries[0].find(f"{ATOM}author").findtext(f"{ATOM}name") == "Newsroom staff"


def test_sitemap_lists_published_stories_with_their_last_change(client, stories):
    public = stories["public"]
    public.body += "\n\nA correction."
    public.save()

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    urls = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in ET.fromstring(response.content).findall(f"{SITEMAP}url")
    }
    story_urls = {loc: lastmod for loc, lastmod in urls.items() if re.search(r"/\d{4}/\d\d/\d\d/", loc)}
    assert list(story_urls) == [f"http://127.0.0.1:8000{public.get_absolute_url()}"]
    assert story_urls[f"http://127.0.0.1:8000{public.get_absolute_url()}"] == public.updated_at.date().isoformat()
    assert "http://127.0.0.1:8000/section/world/" in urls


def json_ld(page, kind="NewsArticle"):
    """The one JSON-LD block of this @type on the page, as text."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, flags=re.S)
    found = [block for block in blocks if json.loads(block)["@type"] == kind]
    assert len(found) == 1, blocks
    return found[0]


def test_story_page_carries_newsarticle_structured_data(client, stories):
    story = stories["public"]
    data = json.loads(json_ld(client.get(story.get_absolute_url()).content.decode()))

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Ceasefire holds in the north"
    assert data["datePublished"] == story.publish_at.isoformat()
    assert data["dateModified"] == story.publish_at.isoformat()
    assert data["author"] == [
        {"@type": "Person", "name": "Newsroom staff", "url": "http://127.0.0.1:8000/author/newsroom-staff/"}
    ]
    assert data["publisher"]["name"] == "Newsroom"
    assert data["mainEntityOfPage"].endswith(story.get_absolute_url())


def test_a_headline_cannot_close_the_structured_data_block(client):
    story = make_story('Hostile </script><script>alert("x")</script> & <!-- headline')

    page = client.get(story.get_absolute_url()).content.decode()
    block, breadcrumbs = json_ld(page), json_ld(page, "BreadcrumbList")

    assert "</script" not in block + breadcrumbs and "<!--" not in block + breadcrumbs
    assert json.loads(block)["headline"] == 'Hostile </script><script>alert("x")</script> & <!-- headline'
    assert json.loads(breadcrumbs)["itemListElement"][-1]["name"] == json.loads(block)["headline"]


def test_structured_data_names_every_crop_of_the_lead_picture(client):
    from pictures.models import Image

    picture = Image.objects.create_placeholder(alt_text="Placeholder: no photograph", lines=["Not available"])
    story = make_story("With a picture", lead_image=picture)

    data = json.loads(json_ld(client.get(story.get_absolute_url()).content.decode()))

    crops = [picture.crop(shape) for shape in ("16:9", "4:3", "1:1")]
    assert all(crops)
    assert data["image"] == [f"http://127.0.0.1:8000{crop.url}" for crop in crops]


@pytest.mark.parametrize("address", ["/feeds/latest/", "/feeds/atom/"])
def test_feeds_take_two_queries_however_many_stories(client, django_assert_max_num_queries, address):
    for n in range(5):
        make_story(authors=["Newsroom staff", f"Writer {n}"])

    with django_assert_max_num_queries(2):  # The stories with their sections, then the bylines with their authors.
        response = client.get(address)

    assert response.status_code == 200
    assert b"Writer 4" in response.content
