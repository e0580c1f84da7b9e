"""What search and social need, per story: a search title and description, a social picture and text, a canonical
address for a story first published elsewhere, and "keep out of search engines"; each falls back to the story."""

import json
import xml.etree.ElementTree as ET

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from articles.models import Article
from pictures.models import Image
from tests.staff import signed_in, staff
from tests.stories import make_section, make_story
from tests.test_admin_articles import story_form
from tests.test_feeds import json_ld
from tests.test_images import picture_bytes
from tests.test_pages import STORY_PAGE_QUERIES, rendered
from tests.test_search_engines import SITE, SITEMAP, head_tags

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictures():
    """Two small pictures (renditions of a large one take a second each to make), each with its crops."""
    def picture(alt_text):
        image = Image(alt_text=alt_text)
        image.file = ContentFile(picture_bytes((320, 200)), name="picture.jpg")
        image.save()
        return image

    return {"lead": picture("Smoke over the square"), "social": picture("A crowd at the gates")}


def structured_data(client, story):
    return json.loads(json_ld(client.get(story.get_absolute_url()).content.decode()))


def test_a_story_without_search_and_social_fields_is_described_by_its_headline_standfirst_and_lead_picture(client, pictures):
    story = make_story("Shooting continues in Almaty", standfirst="Order restored.", lead_image=pictures["lead"])

    tags = head_tags(client, story.get_absolute_url())
    page = client.get(story.get_absolute_url()).content.decode()

    assert "<title>Shooting continues in Almaty – Newsroom</title>" in page
    assert tags["description"] == tags["og:description"] == tags["twitter:description"] == "Order restored."
    assert tags["og:title"] == tags["twitter:title"] == "Shooting continues in Almaty"
    assert tags["og:image"] == SITE + pictures["lead"].crop("16:9").url
    assert tags["canonical"] == tags["og:url"] == SITE + story.get_absolute_url()
    assert "robots" not in tags
    data = structured_data(client, story)
    assert (data["headline"], data["description"]) == ("Shooting continues in Almaty", "Order restored.")


def test_search_and_social_fields_reach_the_title_meta_tags_opengraph_twitter_and_structured_data(client, pictures):
    story = make_story(
        "Shooting continues in Almaty", standfirst="Order restored.", lead_image=pictures["lead"],
        seo_title="Almaty shooting: what we know", seo_description="Gunfire in the city centre for a second day.",
        social_image=pictures["social"], social_title="Almaty: a second day of gunfire",
        social_description="Our reporter on the square.",
    )

    tags = head_tags(client, story.get_absolute_url())
    page = client.get(story.get_absolute_url()).content.decode()

    assert "<title>Almaty shooting: what we know – Newsroom</title>" in page
    assert tags["description"] == "Gunfire in the city centre for a second day."
    assert tags["og:title"] == tags["twitter:title"] == "Almaty: a second day of gunfire"
    assert tags["og:description"] == tags["twitter:description"] == "Our reporter on the square."
    crop = pictures["social"].crop("16:9")
    assert tags["og:image"] == tags["twitter:image"] == SITE + crop.url
    assert tags["og:image:alt"] == tags["twitter:image:alt"] == "A crowd at the gates"
    data = structured_data(client, story)
    assert data["headline"] == "Almaty shooting: what we know"
    assert data["description"] == "Gunfire in the city centre for a second day."
    assert data["image"][0] == SITE + crop.url
    # The page itself still shows the story: its headline and its lead picture.
    assert '<h1 class="story__headline">Shooting continues in Almaty</h1>' in page


def test_a_story_first_published_elsewhere_names_the_original_as_its_canonical_address_and_leaves_the_sitemaps(client):
    story = make_story("Wire: talks resume", canonical_url="https://wire.example.org/2026/talks-resume")

    tags = head_tags(client, story.get_absolute_url())

    assert tags["canonical"] == tags["og:url"] == "https://wire.example.org/2026/talks-resume"
    assert structured_data(client, story)["url"] == "https://wire.example.org/2026/talks-resume"
    assert SITE + story.get_absolute_url() not in sitemap_locations(client, "/sitemap.xml")


def test_a_story_kept_out_of_search_engines_says_noindex_in_its_page_and_headers_and_leaves_both_sitemaps(client):
    hidden = make_story("A victim's name withheld", noindex=True)
    listed = make_story("Curfew lifted")

    response = client.get(hidden.get_absolute_url())

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assert head_tags(client, hidden.get_absolute_url())["robots"] == "noindex"
    again = client.get(hidden.get_absolute_url())  # from the page cache: the header is kept with the page
    assert again["X-Robots-Tag"] == "noindex"
    assert "X-Robots-Tag" not in client.get(listed.get_absolute_url())
    for sitemap in ("/sitemap.xml", "/sitemap-news.xml"):
        locations = sitemap_locations(client, sitemap)
        assert SITE + listed.get_absolute_url() in locations
        assert SITE + hidden.get_absolute_url() not in locations


def test_ticking_noindex_moves_the_story_page_and_the_sitemaps_in_the_page_cache(client):
    story = make_story("Curfew lifted")
    assert "X-Robots-Tag" not in client.get(story.get_absolute_url())
    assert SITE + story.get_absolute_url() in sitemap_locations(client, "/sitemap-news.xml")

    story.noindex = True
    story.save()

    assert client.get(story.get_absolute_url())["X-Robots-Tag"] == "noindex"
    assert SITE + story.get_absolute_url() not in sitemap_locations(client, "/sitemap-news.xml")


def test_replacing_the_social_picture_moves_the_story_page(client, pictures):
    story = make_story("Curfew lifted", social_image=pictures["social"])
    assert head_tags(client, story.get_absolute_url())["og:image:alt"] == "A crowd at the gates"

    pictures["social"].alt_text = "Empty streets at dawn"
    pictures["social"].save()

    assert head_tags(client, story.get_absolute_url())["og:image:alt"] == "Empty streets at dawn"


def sitemap_locations(client, address):
    return [url.findtext(f"{SITEMAP}loc") for url in ET.fromstring(client.get(address).content).findall(f"{SITEMAP}url")]


@pytest.mark.parametrize(
    "address, error",
    [
        ("http://wire.example.org/story", "https://"),
        ("/2026/01/01/local/", "Enter a valid URL"),
        ("javascript:alert(1)", "Enter a valid URL"),
        ("https://", "Enter a valid URL"),
    ],
)
def test_the_canonical_address_must_be_an_absolute_https_address(django_user_model, address, error):
    editor = signed_in(staff(django_user_model, "edna", "Editors"))

    response = editor.post(reverse("admin:articles_article_add"), story_form(make_section(), canonical_url=address))

    assert response.status_code == 200
    assert error in " ".join(response.context["adminform"].form.errors["canonical_url"])
    assert not Article.objects.exists()


def test_an_editor_fills_in_search_and_social_from_the_story_form(django_user_model, pictures):
    editor = signed_in(staff(django_user_model, "edna", "Editors"))
    form = story_form(
        make_section(), seo_title="Almaty shooting: what we know", seo_description="Gunfire for a second day.",
        social_image=pictures["social"].pk, social_title="A second day", social_description="From the square.",
        canonical_url="https://wire.example.org/story", noindex="on",
    )

    response = editor.post(reverse("admin:articles_article_add"), form)

    assert response.status_code == 302
    story = Article.objects.get()
    assert (story.search_title, story.search_description) == ("Almaty shooting: what we know", "Gunfire for a second day.")
    assert (story.share_picture, story.share_title, story.share_description) == (pictures["social"], "A second day", "From the square.")
    assert (story.canonical_address, story.noindex) == ("https://wire.example.org/story", True)
    page = editor.get(reverse("admin:articles_article_change", args=[story.pk])).content.decode()
    assert "Search and social" in page and "keep out of search engines" in page.lower()


def test_the_story_page_with_a_social_picture_costs_no_more_queries(client, pictures, django_assert_max_num_queries):
    story = make_story("Curfew lifted", lead_image=pictures["lead"], social_image=pictures["social"], seo_title="Curfew")
    address = rendered(client, story.get_absolute_url())
    with django_assert_max_num_queries(STORY_PAGE_QUERIES):
        assert client.get(address).status_code == 200


# As the editor might send it, and worse: marks, a link, and what the standfirst's allow-list does not keep.
HOSTILE_STANDFIRST = (
    '<p>Order <strong>restored</strong>, says <a href="https://example.org/army" onclick="steal()">the army</a>;'
    ' <em>curfew</em> &lt;b&gt;stays&lt;/b&gt; <script>alert(1)</script><img src="x" onerror="alert(2)"></p>'
    '<h2>Heading</h2><p><a href="javascript:alert(3)">More</a> <span style="color:red">"soon"</span> &amp; later.</p>'
)
STANDFIRST_AS_READ = 'Order restored, says the army; curfew <b>stays</b> alert(1) Heading More "soon" & later.'


def test_a_standfirst_shows_its_marks_and_links_on_the_page_and_reaches_meta_tags_feeds_and_search_only_as_text(client):
    story = make_story("Curfew lifted", standfirst=HOSTILE_STANDFIRST)

    assert story.standfirst == (
        '<p>Order <strong>restored</strong>, says <a href="https://example.org/army">the army</a>; <em>curfew</em>'
        ' &lt;b&gt;stays&lt;/b&gt; alert(1) Heading <a>More</a> "soon" &amp; later.</p>'
    )
    assert story.standfirst_text == STANDFIRST_AS_READ
    page = client.get(story.get_absolute_url()).content.decode()
    assert f'<div class="standfirst">{story.standfirst}</div>' in page
    front = client.get("/").content.decode()
    assert f'<div class="card__summary">{story.standfirst}</div>' in front
    for shown in (page, front):
        assert "onclick" not in shown and "<script>alert" not in shown and "javascript:" not in shown
        assert "onerror" not in shown and "color:red" not in shown

    tags = head_tags(client, story.get_absolute_url())
    assert tags["description"] == tags["og:description"] == tags["twitter:description"] == STANDFIRST_AS_READ
    assert '<meta name="description" content="Order restored, says the army; curfew &lt;b&gt;stays&lt;/b&gt;' in page
    assert structured_data(client, story)["description"] == STANDFIRST_AS_READ
    assert "<b>" not in json_ld(page) and "<strong>" not in json_ld(page)
    for address in ("/feeds/latest/", "/feeds/atom/"):
        feed = client.get(address).content.decode()
        assert "strong" not in feed and "&lt;em" not in feed, address
        assert "curfew &amp;lt;b&amp;gt;stays" in feed, address  # the words "<b>stays", escaped as text
    assert story.search_entry.standfirst == STANDFIRST_AS_READ
