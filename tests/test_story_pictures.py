"""Pictures inside a story: placed anywhere in the text from the editor, shown as the lead picture is (caption,
label, credit, when taken, renditions with their size), several at once as a gallery; a picture a story uses
cannot be deleted; a changed caption shows at once; and the editor offers nothing the sanitiser throws away."""

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.config import allowlist_from_extensions, expand_extensions
from PIL import Image as PILImage

from articles.models import Article
from pictures.models import Image
from sanitize import ARTICLE_TAGS, STANDFIRST_TAGS, clean_story_html
from sanitize.editor import EXTENSIONS, STANDFIRST_EXTENSIONS
from tests.stories import make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def pictures(media_root):
    """Three small pictures in the library (small: few renditions to make)."""
    made = []
    for n in (1, 2, 3):
        out = io.BytesIO()
        PILImage.new("RGB", (480, 320), (40 * n, 90, 90)).save(out, "JPEG")
        image = Image(alt_text=f"Soldiers at checkpoint {n}", label="KILLED" if n == 1 else "",
                      caption=f"Checkpoint number {n}.", taken_note="The picture is from January 6.",
                      credit=f"Photographer {n} / Agency")
        image.file = ContentFile(out.getvalue(), name=f"checkpoint-{n}.jpg")
        image.save()
        made.append(image)
    return made


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def figures_of(page):
    body = page[page.index('<div class="story__body">'):page.index("</article>")]
    return re.findall(r"<figure class=\"story__figure story__figure--inline\">.*?</figure>", body, re.DOTALL), body


@pytest.mark.parametrize(("extensions", "allowed"), [(EXTENSIONS, ARTICLE_TAGS), (STANDFIRST_EXTENSIONS, STANDFIRST_TAGS)])
def test_the_editor_offers_nothing_the_sanitiser_throws_away(extensions, allowed):
    made = allowlist_from_extensions(expand_extensions(extensions))
    assert made["tags"] - {"p"} <= allowed  # a standfirst's one paragraph is clean_standfirst_html's own
    assert made["url_schemes"] == {"http", "https", "mailto"}


def test_pictures_inside_the_text_show_in_place_with_caption_credit_and_size(client, pictures, django_assert_max_num_queries):
    one, two, three = pictures
    story = make_story(body=f'<p>Before.</p><figure data-pictures="{one.pk}"></figure><p>Between.</p>'
                            f'<figure data-pictures="{two.pk} {three.pk} 999999"></figure><p>After.</p>')
    with django_assert_max_num_queries(6):
        page = html(client.get(story.get_absolute_url()))
    figures, body = figures_of(page)
    assert len(figures) == 3
    assert body.index("Before.") < body.index("Checkpoint number 1.") < body.index("Between.") < body.index(
        "Checkpoint number 2.") < body.index("Checkpoint number 3.") < body.index("After.")
    assert "<figcaption><strong>KILLED:</strong> Checkpoint number 1. The picture is from January 6. " \
           '<span class="credit">Photographer 1 / Agency</span></figcaption>' in figures[0]
    for figure, picture in zip(figures, pictures, strict=True):
        fallback = picture.fallback()
        assert f'src="{fallback.url}"' in figure and f'width="{fallback.width}" height="{fallback.height}"' in figure
        assert f'alt="{picture.alt_text}"' in figure and 'loading="lazy"' in figure
        assert picture.srcset("webp") in figure
    assert body.count('aria-label="Gallery of 2 pictures"') == 1  # the two of one block, side by side
    assert "999999" not in page  # an id that names no picture shows nothing


def test_a_changed_caption_shows_on_the_story_at_once(client, pictures):
    story = make_story(body=f'<figure data-pictures="{pictures[0].pk}"></figure>')
    assert "Checkpoint number 1." in html(client.get(story.get_absolute_url()))
    pictures[0].caption = "Troops at the checkpoint on Friday."
    pictures[0].save()
    assert "Troops at the checkpoint on Friday." in html(client.get(story.get_absolute_url()))


@pytest.mark.parametrize("block", [
    '<figure data-pictures="1 x"></figure>', '<figure data-pictures="1" onload="alert(1)"></figure>',
    '<figure data-pictures="0"></figure>', '<figure data-pictures="' + "1 " * 30 + '1"></figure>',
    '<figure data-pictures="1;2"></figure>', '<figure data-pictures="-1"></figure>',
])
def test_only_well_formed_picture_blocks_pass_the_sanitiser(block):
    cleaned = clean_story_html(block)
    assert "onload" not in cleaned
    assert cleaned == "<figure></figure>" or cleaned == '<figure data-pictures="1"></figure>'


def test_a_picture_a_story_uses_cannot_be_deleted_and_the_stories_are_named(client, pictures, django_user_model):
    lead, inside, free = pictures
    make_story("Lead story", lead_image=lead)
    story = make_story("Story with a gallery", status=Article.Status.DRAFT,
                       body=f'<p>Words.</p><figure data-pictures="{free.pk} {inside.pk}"></figure>')
    for picture in (lead, inside):
        with pytest.raises(ProtectedError):
            picture.delete()
    editor = django_user_model.objects.create_user("edna", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    for picture, headline in ((lead, "Lead story"), (inside, "Story with a gallery")):
        url = reverse("admin:pictures_image_delete", args=[picture.pk])
        page = html(client.get(url))
        assert "would require deleting the following protected related objects" in page and headline in page
        assert client.post(url, {"post": "yes"}).status_code == 200
        assert Image.objects.filter(pk=picture.pk).exists()

    story.body = "<p>Words.</p>"  # taken out of the text, the pictures may go
    story.save()
    inside.delete()
    assert not Image.objects.filter(pk=inside.pk).exists()


def test_the_chooser_lists_the_library_for_those_who_may_see_it(client, pictures, django_user_model):
    reporter = django_user_model.objects.create_user("rita", is_staff=True)
    reporter.groups.add(Group.objects.get(name="Reporters"))
    client.force_login(reporter)
    url = reverse("admin:pictures_image_choose")
    found = client.get(url, {"q": "number 2"}).json()["pictures"]
    assert [(p["id"], p["caption"]) for p in found] == [(pictures[1].pk, "Checkpoint number 2.")]
    named = client.get(url, {"ids": f"{pictures[0].pk},x,{'9' * 40},-1,²,٣"}).json()["pictures"]
    assert [p["caption"] for p in named] == ["KILLED: Checkpoint number 1."]
    assert named[0]["thumbnail"].startswith("/media/renditions/") and named[0]["width"] == 120
    assert client.post(url).status_code == 405


def test_pictures_inside_an_embargoed_story_stay_unguessable_until_it_is_out(client, pictures):
    """Served under random names, as the lead picture is: nobody finds them before the story is public."""
    inside = pictures[1]
    story = make_story("Embargoed until noon", publish_at=timezone.now() + timedelta(hours=2),
                       body=f'<p>Under embargo.</p><figure data-pictures="{inside.pk}"></figure>')
    names = [inside.file.name, *(rendition.name for rendition in inside.all_renditions())]
    assert all(re.search(r"picture-[0-9a-f]{32}", name) for name in names), names
    for address in [story.get_absolute_url(), "/", "/feeds/latest/", "/sitemap.xml", "/search/?q=embargo"]:
        response = client.get(address)
        assert response.status_code in (200, 404)
        assert not any(name.rsplit("/", 1)[-1] in response.content.decode() for name in names), address
    story.publish_at = timezone.now() - timedelta(minutes=1)
    story.save()
    assert inside.fallback().url in html(client.get(story.get_absolute_url()))
