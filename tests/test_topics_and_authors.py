"""Topics, writers' pages and related stories: what a reader finds from a story, and what it costs."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import caches
from django.utils import timezone

from articles.models import Article, Author, Topic
from pictures.models import Image
from tests.realistic_site import add_reply_threads
from tests.stories import make_section, make_story

pytestmark = pytest.mark.django_db

MEDIA = "{http://search.yahoo.com/mrss/}"


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def headlines(page):
    return re.findall(r'<h[23] class="card__headline[^"]*"><a href="[^"]+">([^<]+)</a>', page)


@pytest.fixture
def kazakhstan():
    return Topic.objects.create(name="Kazakhstan", slug="kazakhstan", description="The country's unrest in January 2022.")


def ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


# -- Topics ------------------------------------------------------------------------------------------------------


def test_a_topic_page_lists_its_public_stories_newest_first_and_links_its_feed(client, kazakhstan):
    older = make_story("Shooting continues in Almaty", publish_at=ago(3))
    newer = make_story("Internet restored in Almaty", publish_at=ago(1), section=make_section("Business"))
    draft = make_story("Unpublished analysis", status=Article.Status.DRAFT)
    make_story("Cup final goes to extra time")
    for story in (older, newer, draft):
        story.topics.add(kazakhstan)

    page = html(client.get("/topic/kazakhstan/"))

    assert headlines(page) == ["Internet restored in Almaty", "Shooting continues in Almaty"]
    assert "<h1" in page and ">Kazakhstan</h1>" in page and "The country&#x27;s unrest in January 2022." in page
    assert '<link rel="alternate" type="application/rss+xml" title="Newsroom: Kazakhstan (RSS)" href="/topic/kazakhstan/feed/">' in page
    assert client.get("/topic/no-such-topic/").status_code == 404


def test_a_topic_page_is_paginated(client, settings, kazakhstan):
    settings.NEWSROOM_STORIES_PER_PAGE = 2
    for n in range(3):
        make_story(f"Day {n} of the unrest", publish_at=ago(n + 1)).topics.add(kazakhstan)

    assert headlines(html(client.get("/topic/kazakhstan/?page=2"))) == ["Day 2 of the unrest"]
    assert client.get("/topic/kazakhstan/?page=3").status_code == 404
    assert client.get("/topic/kazakhstan/?page=x").status_code == 404


def test_a_story_links_its_topics_and_a_change_of_topics_shows_at_once(client, kazakhstan):
    story = make_story("Shooting continues in Almaty")
    assert "/topic/kazakhstan/" not in html(client.get(story.get_absolute_url()))
    assert client.get("/topic/kazakhstan/").status_code == 404, "a topic has a page only with a public story"

    story.topics.add(kazakhstan)  # a many-to-many change saves neither the story nor the topic

    assert '<li><a href="/topic/kazakhstan/">Kazakhstan</a></li>' in html(client.get(story.get_absolute_url()))
    assert headlines(html(client.get("/topic/kazakhstan/"))) == ["Shooting continues in Almaty"]
    story.topics.remove(kazakhstan)
    assert client.get("/topic/kazakhstan/").status_code == 404


def test_renaming_a_topic_shows_at_once(client, kazakhstan):
    make_story("Shooting continues in Almaty").topics.add(kazakhstan)
    assert ">Kazakhstan</h1>" in html(client.get("/topic/kazakhstan/"))
    kazakhstan.name = "Kazakhstan unrest"
    kazakhstan.save()
    assert ">Kazakhstan unrest</h1>" in html(client.get("/topic/kazakhstan/"))


def test_the_topics_page_lists_topics_with_public_stories(client, kazakhstan):
    Topic.objects.create(name="Elections", slug="elections")
    make_story("Shooting continues in Almaty").topics.add(kazakhstan)
    make_story("Draft on elections", status=Article.Status.DRAFT).topics.add(Topic.objects.get(slug="elections"))

    page = html(client.get("/topics/"))

    assert '<a href="/topic/kazakhstan/">Kazakhstan</a> <span class="topic-index__count">1 story</span>' in page
    assert "/topic/elections/" not in page
    assert 'href="/topics/"' in html(client.get("/"))  # reachable from the front page's footer


# -- Feeds -------------------------------------------------------------------------------------------------------


def test_section_and_topic_feeds_list_their_own_stories_with_the_lead_picture(client, kazakhstan):
    picture = Image.objects.create_placeholder(
        alt_text="Placeholder: no photograph", caption="Security forces on the road.", credit="Newsroom", lines=["x"]
    )
    with_picture = make_story("Shooting continues in Almaty", lead_image=picture, publish_at=ago(2))
    with_picture.topics.add(kazakhstan)
    make_story("Markets reopen", section=make_section("Business"), publish_at=ago(1))
    make_story("Unpublished", status=Article.Status.DRAFT).topics.add(kazakhstan)

    for address, titles in [
        ("/topic/kazakhstan/feed/", ["Shooting continues in Almaty"]),
        ("/section/world/feed/", ["Shooting continues in Almaty"]),
        ("/section/business/feed/", ["Markets reopen"]),
    ]:
        response = client.get(address)
        assert response["Content-Type"].startswith("application/rss+xml")
        channel = ET.fromstring(response.content).find("channel")
        assert [item.findtext("title") for item in channel.findall("item")] == titles, address

    item = ET.fromstring(client.get("/topic/kazakhstan/feed/").content).find("channel/item")
    media = item.find(f"{MEDIA}content")
    fallback = picture.fallback()
    assert media.get("url") == f"http://127.0.0.1:8000{fallback.url}"
    assert media.get("medium") == "image" and media.get("type") == "image/jpeg"
    assert (media.get("width"), media.get("height")) == (str(fallback.width), str(fallback.height))
    assert media.findtext(f"{MEDIA}description") == "Security forces on the road."
    assert [c.text for c in item.findall("category")] == ["World", "Kazakhstan"]
    assert client.get("/topic/nothing/feed/").status_code == 404
    assert client.get("/section/nothing/feed/").status_code == 404


def test_no_feed_carries_anything_a_reader_wrote_or_gave(client, kazakhstan):
    story = make_story("Shooting continues in Almaty", section=make_section("World"))
    story.topics.add(kazakhstan)
    add_reply_threads(story, 20)

    for address in ["/feeds/latest/", "/feeds/atom/", "/section/world/feed/", "/topic/kazakhstan/feed/"]:
        feed = client.get(address).content.decode()
        assert "Shooting continues in Almaty" in feed
        assert "@example.org" not in feed and "192.0.2." not in feed, address
        assert "Yerlan" not in feed and "Zhanna" not in feed, address  # the repliers' names


def test_a_feed_takes_two_queries_and_each_story_its_topics_in_its_row(client, django_assert_max_num_queries, kazakhstan):
    for n in range(5):
        make_story(authors=["Newsroom staff", f"Writer {n}"]).topics.add(kazakhstan)

    client.get("/topic/kazakhstan/feed/")
    caches["pages"].clear()
    with django_assert_max_num_queries(2):
        response = client.get("/topic/kazakhstan/feed/")
    assert response.content.decode().count("<category>Kazakhstan</category>") == 5


# -- Writers -----------------------------------------------------------------------------------------------------


def test_a_byline_links_to_the_writers_page_with_bio_portrait_and_stories(client, settings):
    settings.NEWSROOM_STORIES_PER_PAGE = 2
    portrait = Image.objects.create_placeholder(alt_text="Aliya Sultanova, smiling", lines=["AS"])
    aliya = Author.objects.create(
        name="Aliya Sultanova", slug="aliya-sultanova", role="Foreign correspondent", portrait=portrait,
        bio="Aliya reports from Central Asia.\n\nShe joined in 2019 from <b>Radio Azattyq</b>.",
    )
    stories = [make_story(f"Dispatch {n} from Almaty", publish_at=ago(n + 1)) for n in range(3)]
    for story in stories:
        story.bylines.create(author=aliya)
    make_story("Someone else's story", authors=["Marat Ospanov"])

    story_page = html(client.get(stories[0].get_absolute_url()))
    assert '<a class="byline__name" href="/author/aliya-sultanova/">Aliya Sultanova</a>' in story_page

    page = html(client.get("/author/aliya-sultanova/"))
    assert ">Aliya Sultanova</h1>" in page and "Foreign correspondent" in page
    assert "<p>Aliya reports from Central Asia.</p>" in page
    assert "&lt;b&gt;Radio Azattyq&lt;/b&gt;" in page  # plain text, escaped
    assert 'alt="Aliya Sultanova, smiling"' in page and "/media/renditions/" in page
    assert headlines(page) == ["Dispatch 0 from Almaty", "Dispatch 1 from Almaty"]
    assert headlines(html(client.get("/author/aliya-sultanova/?page=2"))) == ["Dispatch 2 from Almaty"]
    assert '<meta property="og:type" content="profile">' in page
    assert client.get("/author/nobody/").status_code == 404


def test_a_writers_page_shows_only_their_public_stories(client):
    make_story("Out now", authors=["Marat Ospanov"])
    make_story("Still a draft", authors=["Marat Ospanov"], status=Article.Status.DRAFT)
    make_story("Embargoed", authors=["Marat Ospanov"], publish_at=timezone.now() + datetime.timedelta(days=1))

    assert headlines(html(client.get("/author/marat-ospanov/"))) == ["Out now"]


def test_an_edited_bio_shows_at_once(client):
    make_story("Out now", authors=["Marat Ospanov"])
    assert "Covers energy." not in html(client.get("/author/marat-ospanov/"))
    marat = Author.objects.get(slug="marat-ospanov")
    marat.bio = "Covers energy."
    marat.save()
    assert "Covers energy." in html(client.get("/author/marat-ospanov/"))


@pytest.mark.parametrize("address", ["/topic/kazakhstan/", "/author/newsroom-staff/", "/topic/kazakhstan/?page=2"])
def test_topic_and_writer_pages_take_the_list_pages_three_queries(
    client, settings, django_assert_max_num_queries, kazakhstan, address
):
    settings.NEWSROOM_STORIES_PER_PAGE = 12
    for n in range(30):
        make_story(authors=["Newsroom staff", f"Writer {n}"], publish_at=ago(n + 1)).topics.add(kazakhstan)

    client.get(address)  # the site's first page of this generation: sections, topic and writer remembered
    caches["pages"].clear()
    with django_assert_max_num_queries(3):  # the stories, their bylines, their reply counts
        assert client.get(address).status_code == 200


# -- Related stories ---------------------------------------------------------------------------------------------


def related(page):
    section = page[page.index('<section class="related"') :]
    return re.findall(r'<a class="related__headline" href="[^"]+">([^<]+)</a>', section[: section.index("</section>")])


def test_related_stories_share_a_topic_first_then_the_section(client, kazakhstan):
    elections = Topic.objects.create(name="Elections", slug="elections")
    business = make_section("Business")
    story = make_story("Shooting continues in Almaty", publish_at=ago(1))
    story.topics.add(kazakhstan, elections)
    make_story("Older story on the unrest", publish_at=ago(30), section=business).topics.add(kazakhstan)
    make_story("Vote counted", publish_at=ago(20), section=business).topics.add(elections)
    make_story("Unrest draft", status=Article.Status.DRAFT).topics.add(kazakhstan)
    make_story("Embargoed unrest", publish_at=timezone.now() + datetime.timedelta(hours=1)).topics.add(kazakhstan)
    make_story("Newest world story", publish_at=ago(2))
    make_story("Older world story", publish_at=ago(40))
    for n in range(3):
        make_story(f"Business story {n}", section=business, publish_at=ago(3 + n))

    page = html(client.get(story.get_absolute_url()))

    assert related(page) == ["Vote counted", "Older story on the unrest", "Newest world story", "Older world story"]


def test_a_story_alone_in_its_section_without_topics_has_no_related_stories(client):
    story = make_story("The only story")
    assert '<section class="related"' not in html(client.get(story.get_absolute_url()))


@pytest.mark.parametrize("count", [1, 40])
def test_topics_corrections_and_related_stories_cost_the_story_page_no_query(
    client, django_assert_max_num_queries, kazakhstan, count
):
    for n in range(count):
        story = make_story(authors=["Newsroom staff"], publish_at=ago(n + 1))
        story.topics.add(kazakhstan)
        story.corrections.create(text=f"Correction {n}.")
    story = Article.objects.order_by("-publish_at").first()

    client.get(story.get_absolute_url())
    caches["pages"].clear()
    with django_assert_max_num_queries(4):  # the story (with all of the above), bylines, reply count, replies
        page = html(client.get(story.get_absolute_url()))
    assert "/topic/kazakhstan/" in page and "Correction 0." in page
    if count > 1:
        assert len(related(page)) == 4


def test_editors_find_topics_by_name_as_they_type_in_the_story_form(client, django_user_model, kazakhstan):
    from django.contrib.auth.models import Group

    Topic.objects.create(name="Elections", slug="elections")
    editor = django_user_model.objects.create_user("editor", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)

    form = client.get("/admin/articles/article/add/").content.decode()
    answer = client.get(
        "/admin/autocomplete/",
        {"app_label": "articles", "model_name": "article", "field_name": "topics", "term": "kaz"},
    )

    assert 'data-ajax--url="/admin/autocomplete/"' in form and 'name="topics"' in form
    assert [result["text"] for result in answer.json()["results"]] == ["Kazakhstan"]


def test_section_and_writer_pages_without_public_stories_say_so(client, kazakhstan):
    make_section("Culture")
    Author.objects.create(name="Dana Kim", slug="dana-kim")

    assert "No stories in Culture yet." in html(client.get("/section/culture/"))
    assert "No stories yet." in html(client.get("/author/dana-kim/"))
