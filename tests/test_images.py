"""Pictures: uploads are checked and stripped, renditions are made once and recorded in the Image row, the tag prints them."""

import io
import os
import struct
import zlib
from unittest import mock

import pytest
from django.template import Context, Template
from PIL import Image as PILImage
from PIL import ImageCms

from articles.models import Article, Section
from pictures.images import Rendition, make_placeholder
from pictures.models import Image

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


def path_of(name):
    from django.core.files.storage import default_storage

    return default_storage.path(name)


def test_renditions_are_recorded_with_the_sizes_of_their_files():
    image = stored_image((2000, 1000))
    renditions = Image.objects.get(pk=image.pk).all_renditions()
    assert renditions == image.all_renditions()
    assert all(isinstance(r, Rendition) for r in renditions)
    assert all(set(record) == {"crop", "format", "width", "height", "name"} for record in image.renditions)
    assert {(r.crop, r.format, r.width) for r in renditions} >= {
        ("", "webp", 480), ("", "jpeg", 800), ("", "webp", 1600), ("16:9", "jpeg", 1200),
        ("4:3", "jpeg", 1200), ("1:1", "jpeg", 1000),
    }
    for rendition in renditions:
        assert rendition.url == f"/media/{rendition.name}"
        assert rendition.mime_type == ("image/webp" if rendition.format == "webp" else "image/jpeg")
        with PILImage.open(path_of(rendition.name)) as made:
            assert made.size == (rendition.width, rendition.height)
            assert made.format == ("WEBP" if rendition.format == "webp" else "JPEG")
    assert {(r.width, r.height) for r in renditions if r.crop == "16:9"} == {(1200, 675)}
    assert {(r.width, r.height) for r in renditions if r.crop == "1:1"} == {(1000, 1000)}


def test_a_small_picture_is_never_upscaled():
    image = stored_image((600, 400))
    widths = {r.width for r in image.all_renditions()}
    assert max(widths) == 600
    assert sorted({r.width for r in image.sources("jpeg")}) == [480, 600]


def test_replacing_the_file_replaces_renditions_and_deletes_old_files_after_commit(django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    image = stored_image((2000, 1000))
    old_files = [image.file.path] + [path_of(r.name) for r in image.all_renditions()]
    image = Image.objects.get(pk=image.pk)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        image.file = ContentFile(picture_bytes((900, 900)), name="square.jpg")
        image.save()
    # Until the replacement is committed, the old picture is still served.
    assert all(os.path.exists(path) for path in old_files)
    for callback in callbacks:
        callback()

    assert not any(os.path.exists(path) for path in old_files)
    stored = Image.objects.get(pk=image.pk)
    assert stored.renditions == image.renditions
    assert max(r.width for r in stored.all_renditions()) == 900
    assert all(os.path.exists(path_of(r.name)) for r in stored.all_renditions())


def test_a_replacement_that_fails_keeps_the_old_picture_and_stores_nothing_new(monkeypatch, media_root):
    from django.core.files.base import ContentFile

    from pictures import images

    image = stored_image((2000, 1000))
    old_files = sorted(stored_files(media_root))
    old_renditions = image.renditions
    real_render = images.render
    made = []

    def fails_on_the_fourth(*args):
        if len(made) == 3:
            raise OSError("disk full")
        made.append(args)
        return real_render(*args)

    monkeypatch.setattr(images, "render", fails_on_the_fourth)
    image = Image.objects.get(pk=image.pk)
    image.file = ContentFile(picture_bytes((900, 900)), name="square.jpg")
    with pytest.raises(OSError):
        image.save()

    assert sorted(stored_files(media_root)) == old_files
    assert Image.objects.get(pk=image.pk).renditions == old_renditions


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


def test_listing_pictures_come_with_their_stories(django_assert_num_queries):
    section = Section.objects.create(name="World", slug="world")
    for n in range(3):
        Article.objects.create(
            section=section, headline=f"Story {n}", body="Text.", status="published", lead_image=stored_image((800, 600))
        )
    with django_assert_num_queries(2):  # The stories with their sections and pictures, then the bylines.
        stories = list(Article.objects.for_listing())
    with django_assert_num_queries(0):
        for story in stories:
            render_picture(story.lead_image)
            assert story.lead_image.crop("16:9") is not None


# Uploads, through the real admin form.

SECRETS = [b"SERIAL-8842", b"Secret Camera", b"SECRET-XMP", b"SECRET-COMMENT"]


@pytest.fixture
def editor_client(client, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("editor", password="unused-in-tests", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    return client


def upload(client, data, name="photo.jpg", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    form = {"alt_text": "A street in the city centre", "caption": "", "label": "", "taken_note": "", "credit": "",
            "taken_at": "", **fields}
    form["file"] = SimpleUploadedFile(name, data)
    return client.post(reverse("admin:pictures_image_add"), form)


def stored_files(media_root):
    return [path for path in media_root.rglob("*") if path.is_file()] if media_root.exists() else []


def png_declaring(width, height):
    """A tiny PNG whose header claims `width` × `height` pixels: how a decompression bomb starts."""
    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def assert_refused(response, media_root, message):
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_a_file_that_is_not_a_picture_is_refused_and_nothing_stored(editor_client, media_root):
    response = upload(editor_client, b"%PDF-1.7 this is a document", name="report.jpg")
    assert_refused(response, media_root, "This is not a picture Newsroom can use")
    assert "A street in the city centre" in response.content.decode()  # What the editor typed is kept.


def test_a_gif_is_refused(editor_client, media_root):
    response = upload(editor_client, picture_bytes((40, 40), "GIF"), name="moving.gif")
    assert_refused(response, media_root, "upload a JPEG, PNG or WebP file")


def test_a_truncated_jpeg_is_refused(editor_client, media_root):
    whole = picture_bytes((1200, 800), quality=95)
    response = upload(editor_client, whole[: len(whole) // 2])
    assert_refused(response, media_root, "damaged or incomplete")


def test_a_decompression_bomb_is_refused(editor_client, media_root):
    response = upload(editor_client, png_declaring(100_000, 100_000), name="bomb.png")
    assert_refused(response, media_root, "too many pixels")


def test_a_picture_above_the_newsroom_pixel_limit_is_refused(editor_client, media_root, settings):
    """Below Pillow's own bomb threshold, above ours: Pillow would only warn, we refuse."""
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 100_000
    response = upload(editor_client, picture_bytes((400, 300)))
    assert_refused(response, media_root, "at most 0.1 megapixels")


def test_a_file_above_the_byte_limit_is_refused(editor_client, media_root, settings):
    settings.NEWSROOM_IMAGE_MAX_BYTES = 1000
    response = upload(editor_client, picture_bytes((400, 300), quality=100))
    assert_refused(response, media_root, "pictures may be at most 1000")


def jpeg_with_secrets(size=(400, 200), orientation=6):
    """A camera JPEG with GPS position, serial number, XMP, a comment, and a sideways orientation."""
    picture = PILImage.new("RGB", size, (200, 30, 30))
    picture.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))  # Left half blue, to see the rotation.
    exif = PILImage.Exif()
    exif[0x0110] = "Secret Camera"  # Model
    exif[0x0112] = orientation
    exif[0x013B] = "Ana Reporter"  # Artist
    exif[0x8298] = "Agency Photo"  # Copyright
    exif.get_ifd(0x8769).update({0x9003: "2022:01:06 14:30:00", 0xA431: "SERIAL-8842"})
    exif.get_ifd(0x8825).update({1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 54.0, 0.0)})
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    picture.save(
        out, "JPEG", exif=exif, xmp=b"<x:xmpmeta>SECRET-XMP</x:xmpmeta>", comment=b"SECRET-COMMENT", icc_profile=icc
    )
    data = out.getvalue()
    assert all(secret in data for secret in SECRETS)
    return data


def test_camera_metadata_is_gone_from_the_master_and_every_rendition(editor_client):
    response = upload(editor_client, jpeg_with_secrets(), name="source-ahmet-kabul.jpg")
    assert response.status_code == 302
    image = Image.objects.get()
    assert not any("ahmet" in name for name in [image.file.name, *(r.name for r in image.all_renditions())])
    files = [image.file.path] + [path_of(r.name) for r in image.all_renditions()]
    assert len(files) > 5
    for path in files:
        with open(path, "rb") as f:
            data = f.read()
        assert not any(secret in data for secret in SECRETS), path
        with PILImage.open(path) as stored:
            assert not stored.getexif(), path
            assert not stored.info.get("xmp") and not stored.info.get("comment"), path
            assert not stored.info.get("icc_profile"), path


def test_exif_orientation_is_applied(editor_client):
    upload(editor_client, jpeg_with_secrets((400, 200), orientation=6))
    image = Image.objects.get()
    assert (image.width, image.height) == (200, 400)
    with PILImage.open(image.file.path) as stored:
        assert stored.size == (200, 400)
        # Turned 90° clockwise, the blue left half is now on top.
        top, bottom = stored.getpixel((100, 50)), stored.getpixel((100, 350))
    assert top[2] > 150 > top[0] and bottom[0] > 150 > bottom[2]


def test_date_taken_and_credit_are_offered_from_the_metadata(editor_client):
    response = upload(editor_client, jpeg_with_secrets())
    assert response.status_code == 302
    image = Image.objects.get()
    assert str(image.taken_at) == "2022-01-06"
    assert image.credit == "Ana Reporter, Agency Photo"
    page = editor_client.get(response["Location"]).content.decode()
    assert "The date taken and credit came from the picture&#x27;s own data: please check them." in page


def test_what_the_editor_typed_wins_over_the_metadata(editor_client):
    upload(editor_client, jpeg_with_secrets(), credit="Staff photographer", taken_at="2022-01-07")
    image = Image.objects.get()
    assert (str(image.taken_at), image.credit) == ("2022-01-07", "Staff photographer")


def test_editing_captions_keeps_the_picture_and_its_renditions(editor_client):
    from django.urls import reverse

    upload(editor_client, picture_bytes((1000, 600)))
    image = Image.objects.get()
    before = image.renditions
    response = editor_client.post(
        reverse("admin:pictures_image_change", args=[image.pk]),
        {"alt_text": "New alt", "caption": "New caption", "label": "KILLED", "taken_note": "", "credit": "", "taken_at": ""},
    )
    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.caption, image.label) == ("New caption", "KILLED")
    assert image.renditions == before
    assert all(os.path.exists(path_of(r.name)) for r in image.all_renditions())


def test_deleting_a_picture_deletes_its_files_after_commit(django_capture_on_commit_callbacks, media_root):
    image = stored_image((900, 600))
    assert len(stored_files(media_root)) == 1 + len(image.renditions)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Image.objects.filter(pk=image.pk).delete()
    assert len(stored_files(media_root)) == 1 + len(image.renditions)  # Still served until the deletion commits.
    for callback in callbacks:
        callback()
    assert stored_files(media_root) == []


def test_a_deletion_that_is_rolled_back_keeps_the_files(media_root):
    from django.db import transaction

    pk = stored_image((900, 600)).pk
    before = sorted(stored_files(media_root))
    with pytest.raises(RuntimeError), transaction.atomic():
        Image.objects.get(pk=pk).delete()
        raise RuntimeError("the editor's request failed later")
    assert sorted(stored_files(media_root)) == before
    assert Image.objects.filter(pk=pk).exists()


def test_an_editor_deleting_pictures_in_bulk_deletes_all_their_files(
    editor_client, media_root, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    pictures = [stored_image((900, 600)), stored_image((700, 700))]
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:pictures_image_changelist"),
            {"action": "delete_selected", "post": "yes", "_selected_action": [p.pk for p in pictures]},
        )
    assert response.status_code == 302
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []


def test_pages_print_pictures_without_opening_a_file(client):
    from django.core.files.storage import FileSystemStorage

    from tests.stories import make_story

    story = make_story("With a picture", lead_image=stored_image((900, 600)))
    make_story("Another", lead_image=stored_image((600, 900)))
    with mock.patch.object(FileSystemStorage, "open", side_effect=AssertionError("a page opened a file")):
        for address in ["/", "/section/world/", story.get_absolute_url(), "/feeds/latest/"]:
            response = client.get(address)
            assert response.status_code == 200, address
    assert 'srcset="/media/renditions/' in client.get("/").content.decode()


def test_a_failure_while_making_renditions_stores_nothing(monkeypatch, media_root):
    from pictures import images

    made = []

    def fails_on_the_fourth(*args):
        if len(made) == 3:
            raise OSError("disk full")
        made.append(args)
        return real_render(*args)

    real_render = images.render
    monkeypatch.setattr(images, "render", fails_on_the_fourth)
    with pytest.raises(OSError):
        stored_image((900, 600))
    assert Image.objects.count() == 0
    assert stored_files(media_root) == []
