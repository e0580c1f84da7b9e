"""Pictures: uploads are checked and stripped, renditions are made once and recorded, the tag prints them."""

import io

import pytest
from django.template import Context, Template
from PIL import Image as PILImage

from articles.images import make_placeholder
from articles.models import Article, Image, Rendition, Section

pytestmark = pytest.mark.django_db


def picture_bytes(size=(2000, 1000), fmt="JPEG", color=(200, 30, 30), **save_options):
    out = io.BytesIO()
    PILImage.new("RGB", size, color).save(out, fmt, **save_options)
    return out.getvalue()


def stored_image(size=(2000, 1000), **fields):
    from django.core.files.base import ContentFile

    image = Image(alt_text="A red square", **fields)
    image.file = ContentFile(picture_bytes(size), name="red.jpg")
    image.save()
    return image


def test_placeholder_is_labelled_and_marked_as_placeholder():
    image = Image.objects.create_placeholder(
        alt_text="Placeholder: the picture is not available",
        label="KILLED",
        caption="A caption",
        taken_note="The picture is from January 6.",
        lines=["Almaty, January 2022"],
    )
    image.refresh_from_db()
    assert image.is_placeholder is True
    assert (image.width, image.height) == (1600, 900)
    assert image.label == "KILLED"
    with PILImage.open(image.file.path) as stored:
        assert stored.size == (1600, 900)
        assert stored.format == "JPEG"
    assert image.crop("16:9") is not None


def test_placeholder_is_not_a_blank_picture():
    """The words are really drawn: the picture has both the grey ground and light lettering."""
    content = make_placeholder(["Line one"], size=(800, 450))
    with PILImage.open(io.BytesIO(content.read())) as drawn:
        darkest, lightest = drawn.convert("L").getextrema()
    assert darkest < 110 and lightest > 220


def test_renditions_are_recorded_with_the_sizes_of_their_files():
    image = stored_image((2000, 1000))
    renditions = list(image.renditions.all())
    assert {(r.crop, r.format, r.width) for r in renditions} >= {
        ("", "webp", 480), ("", "jpeg", 800), ("", "webp", 1600), ("16:9", "jpeg", 1200),
        ("4:3", "jpeg", 1200), ("1:1", "jpeg", 1000),
    }
    for rendition in renditions:
        with PILImage.open(rendition.file.path) as made:
            assert made.size == (rendition.width, rendition.height)
            assert made.format == ("WEBP" if rendition.format == "webp" else "JPEG")
    assert {(r.width, r.height) for r in renditions if r.crop == "16:9"} == {(1200, 675)}
    assert {(r.width, r.height) for r in renditions if r.crop == "1:1"} == {(1000, 1000)}


def test_a_small_picture_is_never_upscaled():
    image = stored_image((600, 400))
    widths = set(image.renditions.values_list("width", flat=True))
    assert max(widths) == 600
    assert sorted({r.width for r in image.sources("jpeg")}) == [480, 600]


def test_replacing_the_file_replaces_renditions_and_deletes_old_files(django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    image = stored_image((2000, 1000))
    old_master = image.file.path
    old_files = [r.file.path for r in image.renditions.all()]
    image = Image.objects.get(pk=image.pk)
    with django_capture_on_commit_callbacks(execute=True):
        image.file = ContentFile(picture_bytes((900, 900)), name="square.jpg")
        image.save()
    import os

    assert not os.path.exists(old_master)
    assert not any(os.path.exists(path) for path in old_files)
    assert Rendition.objects.filter(image=image).count() == len(image.renditions.all())
    assert max(r.width for r in image.renditions.all()) == 900


def render_picture(image, **options):
    args = " ".join(f'{key}="{value}"' if isinstance(value, str) else f"{key}={value}" for key, value in options.items())
    return Template("{% load pictures %}{% picture image " + args + " %}").render(Context({"image": image}))


def test_picture_tag_prints_webp_sources_and_a_sized_jpeg():
    image = stored_image((2000, 1000))
    html = render_picture(image, sizes="(min-width: 60rem) 40rem, 100vw")
    assert '<source type="image/webp" srcset="' in html
    assert " 480w" in html and " 1600w" in html
    assert 'sizes="(min-width: 60rem) 40rem, 100vw"' in html
    assert 'width="1200" height="600"' in html
    assert 'alt="A red square"' in html
    assert 'loading="lazy"' in html and "fetchpriority" not in html


def test_lead_picture_loads_eagerly_with_high_priority():
    html = render_picture(stored_image(), priority=True)
    assert 'loading="eager" fetchpriority="high"' in html
    assert "lazy" not in html


def test_picture_tag_prints_nothing_without_an_image():
    assert render_picture(None).strip() == ""


def test_listing_pictures_need_no_query_per_story(django_assert_num_queries, django_assert_max_num_queries):
    section = Section.objects.create(name="World", slug="world")
    for n in range(3):
        Article.objects.create(
            section=section, headline=f"Story {n}", body="Text.", status="published", lead_image=stored_image((800, 600))
        )
    with django_assert_max_num_queries(4):
        stories = list(Article.objects.for_listing())
    with django_assert_num_queries(0):
        for story in stories:
            render_picture(story.lead_image)
            assert story.lead_image.crop("16:9") is not None
