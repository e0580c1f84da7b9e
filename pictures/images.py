"""Everything Newsroom does with Pillow: check an upload, strip it, resize it, draw placeholders.

Uploads are hostile until proven otherwise: only JPEG, PNG and WebP parsers
ever see them, their declared size is checked before any pixel is decoded,
and the master we keep is re-encoded from bare pixels so no metadata (GPS
position, camera serial, embedded thumbnail, comments) survives to expose a
photographer's source.
"""

import io
import re
import secrets
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import Storage
from django.template.defaultfilters import filesizeformat
from PIL import Image as PILImage
from PIL import ImageCms, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp"

# Widths of the original-shape renditions; none is ever wider than the master.
RENDITION_WIDTHS = (480, 800, 1200, 1600)
# Centre crops for OpenGraph and JSON-LD, as JPEG at this width (or the master's, if narrower).
CROPS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1)}
CROP_WIDTH = 1200

JPEG_QUALITY = 85
WEBP_QUALITY = 80

# EXIF tags read before stripping, to offer the editor a date and a credit.
EXIF_IFD = 0x8769
TAG_DATETIME_ORIGINAL = 36867
TAG_DATETIME = 306
TAG_ARTIST = 315
TAG_COPYRIGHT = 33432


@dataclass
class Master:
    """A cleaned upload: the file to store and what its metadata offered before it was stripped."""

    content: ContentFile
    width: int
    height: int
    taken_at: date | None = None
    credit: str = ""


def prepare_master(upload):
    """Check an uploaded file and return it re-encoded without metadata, or raise ValidationError.

    Nothing is written anywhere: the caller stores `Master.content` only once
    the whole form is valid.
    """
    if upload.size > settings.NEWSROOM_IMAGE_MAX_BYTES:
        raise ValidationError(
            "This file is %(size)s; pictures may be at most %(limit)s.",
            code="too_large",
            params={
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.NEWSROOM_IMAGE_MAX_BYTES),
            },
        )
    upload.seek(0)
    picture = _open_checked(upload)
    taken_at, credit = _offered_metadata(picture)
    try:
        picture = _bare_pixels(picture)
    except (OSError, ValueError):
        raise ValidationError(
            "Newsroom cannot read the colours of this picture: save it as an ordinary RGB JPEG or PNG and try again.",
            code="invalid_image",
        ) from None
    has_alpha = picture.mode == "RGBA"
    # A neutral name: the photographer's file name can name a source, as metadata can. And an
    # unguessable one (128 random bits, which the renditions' names inherit): a picture of an
    # embargoed story cannot be found before its time by trying names.
    stem = f"picture-{secrets.token_hex(16)}"
    if has_alpha:
        data = _encode(picture, "PNG")
        name = f"{stem}.png"
    else:
        data = _encode(picture, "JPEG", quality=92)
        name = f"{stem}.jpg"
    content = ContentFile(data, name=name)
    content.newsroom_clean = True  # Image.save() stores it as it is
    return Master(content, picture.width, picture.height, taken_at, credit)


def _open_checked(upload):
    """Open and fully decode the upload, refusing anything but a sound JPEG, PNG or WebP within limits."""
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; we refuse.
        warnings.simplefilter("error", PILImage.DecompressionBombWarning)
        try:
            picture = PILImage.open(upload, formats=ACCEPTED_FORMATS)
        except UnidentifiedImageError:
            raise ValidationError(
                "This is not a picture Newsroom can use: upload a JPEG, PNG or WebP file.", code="not_an_image"
            ) from None
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:
            raise ValidationError("This file is damaged or not a picture.", code="invalid_image") from None
        if picture.width * picture.height > settings.NEWSROOM_IMAGE_MAX_PIXELS:
            raise _too_many_pixels(picture)
        if picture.width < 1 or picture.height < 1:
            raise ValidationError("This picture has no pixels.", code="invalid_image")
        try:
            picture.load()
        except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except Exception:
            raise ValidationError(
                "This picture is damaged or incomplete (perhaps the upload was cut short): "
                "please upload it again.",
                code="invalid_image",
            ) from None
    return picture


def _too_many_pixels(picture=None):
    megapixels = settings.NEWSROOM_IMAGE_MAX_PIXELS / 1_000_000
    if picture is None:
        return ValidationError(
            "This picture has too many pixels: at most %(limit)g megapixels are allowed.",
            code="too_many_pixels",
            params={"limit": megapixels},
        )
    return ValidationError(
        "This picture is %(width)d × %(height)d pixels; at most %(limit)g megapixels are allowed.",
        code="too_many_pixels",
        params={"width": picture.width, "height": picture.height, "limit": megapixels},
    )


def _offered_metadata(picture):
    """The date taken and the credit from EXIF, tidied; the editor's own entries always win."""
    try:
        exif = picture.getexif()
        sub = exif.get_ifd(EXIF_IFD)
    except Exception:
        return None, ""
    taken_at = _exif_date(sub.get(TAG_DATETIME_ORIGINAL) or exif.get(TAG_DATETIME))
    artist, copyright_ = _exif_text(exif.get(TAG_ARTIST)), _exif_text(exif.get(TAG_COPYRIGHT))
    if artist and copyright_ and artist.lower() not in copyright_.lower():
        credit = f"{artist}, {copyright_}"
    else:
        credit = copyright_ or artist
    return taken_at, credit[:200]


def _exif_text(value):
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return ""
    return re.sub(r"[\x00-\x1f\x7f]+", " ", value).strip()


def _exif_date(value):
    text = _exif_text(value)
    try:
        return datetime.strptime(text[:10], "%Y:%m:%d").date()
    except ValueError:
        return None


def _bare_pixels(picture):
    """Upright RGB or RGBA pixels in sRGB, in a new image that carries no metadata at all."""
    picture = ImageOps.exif_transpose(picture)
    icc = picture.info.get("icc_profile")
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info)
    mode = "RGBA" if has_alpha else "RGB"
    in_srgb = None
    if icc and picture.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            in_srgb = ImageCms.profileToProfile(
                picture, ImageCms.ImageCmsProfile(io.BytesIO(icc)), ImageCms.createProfile("sRGB"), outputMode=mode
            )
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # A broken or unusual profile: convert plainly; the profile is dropped either way.
    picture = in_srgb or picture.convert(mode)
    if has_alpha and picture.getchannel("A").getextrema() == (255, 255):
        picture = picture.convert("RGB")
    bare = PILImage.new(picture.mode, picture.size)
    bare.paste(picture)
    return bare


def _encode(picture, fmt, **options):
    """Encode with no metadata; `picture` must come from _bare_pixels (its info is empty)."""
    if fmt == "JPEG" and picture.mode != "RGB":
        flat = PILImage.new("RGB", picture.size, "white")
        flat.paste(picture, mask=picture.getchannel("A"))
        picture = flat
    out = io.BytesIO()
    if fmt == "JPEG":
        options = {"quality": JPEG_QUALITY, "optimize": True, "progressive": True, **options}
    elif fmt == "WEBP":
        options = {"quality": WEBP_QUALITY, "method": 4, **options}
    picture.save(out, fmt, **options)
    return out.getvalue()


def open_master(fieldfile):
    """Open a stored master (already cleaned by prepare_master or drawn by make_placeholder)."""
    fieldfile.open("rb")
    try:
        picture = PILImage.open(fieldfile, formats=ACCEPTED_FORMATS)
        picture.load()
    finally:
        fieldfile.close()
    return _bare_pixels(picture)


@dataclass(frozen=True, slots=True)
class Rendition:
    """One resized copy of a picture as its Image records it: a stored file and its exact size.

    A value, not a model: an Image carries its renditions in its own row, so
    printing a picture costs no query and never opens a file.
    """

    name: str  # The storage name, e.g. "renditions/2026/11/picture-1a2b3c-w480.webp".
    crop: str  # "" for the original shape, or a key of CROPS.
    format: str  # "webp" or "jpeg".
    width: int
    height: int
    storage: Storage = field(compare=False, repr=False)

    @classmethod
    def from_record(cls, record, storage):
        return cls(record["name"], record["crop"], record["format"], record["width"], record["height"], storage)

    def as_record(self):
        """What Image.renditions stores for it (JSON)."""
        return {"crop": self.crop, "format": self.format, "width": self.width, "height": self.height, "name": self.name}

    @property
    def url(self):
        return self.storage.url(self.name)

    @property
    def mime_type(self):
        return f"image/{self.format}"


def rendition_filename(master_name, crop, fmt, width):
    """The file name of a rendition, after its master's: "picture-1a2b3c-16x9w1200.jpg"."""
    stem = master_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    shape = crop.replace(":", "x") or "w"
    return f"{stem}-{shape}{width}.{'webp' if fmt == 'webp' else 'jpg'}"


def rendition_specs(width, height):
    """(crop, format, width, height) for every rendition of a master of this size."""
    widths = sorted({w for w in RENDITION_WIDTHS if w < width} | {min(width, RENDITION_WIDTHS[-1])})
    specs = []
    for w in widths:
        h = max(1, round(height * w / width))
        specs += [("", "webp", w, h), ("", "jpeg", w, h)]
    for crop, (a, b) in CROPS.items():
        box_w, box_h = _crop_box_size(width, height, a, b)
        w = min(CROP_WIDTH, box_w)
        specs.append((crop, "jpeg", w, max(1, round(w * b / a))))
    return specs


def _crop_box_size(width, height, a, b):
    if width * b > height * a:
        return max(1, round(height * a / b)), height
    return width, max(1, round(width * b / a))


def render(picture, crop, fmt, width, height):
    """Encode one rendition of an opened master as bytes, centre-cropped when `crop` names a shape."""
    if crop:
        a, b = CROPS[crop]
        box_w, box_h = _crop_box_size(picture.width, picture.height, a, b)
        left, top = (picture.width - box_w) // 2, (picture.height - box_h) // 2
        picture = picture.crop((left, top, left + box_w, top + box_h))
    resized = picture.resize((width, height), PILImage.Resampling.LANCZOS, reducing_gap=3.0)
    return _encode(resized, "WEBP" if fmt == "webp" else "JPEG")


def make_placeholder(text_lines=(), size=(1600, 900)):
    """A plainly labelled stand-in, never mistakable for a photograph, as a JPEG ContentFile.

    Used where the real picture is not available: grey, crossed through, and
    saying so in large letters, with the given lines (e.g. place and date)
    below. The words fit in the central square, so every crop still says it.
    """
    width, height = size
    ground, ink, faint = (96, 96, 96), (245, 245, 245), (128, 128, 128)
    canvas = PILImage.new("RGB", size, ground)
    draw = ImageDraw.Draw(canvas)
    stroke = max(2, width // 300)
    draw.line((0, 0, width, height), fill=faint, width=stroke)
    draw.line((0, height, width, 0), fill=faint, width=stroke)
    border = max(4, width // 160)
    draw.rectangle((border, border, width - border - 1, height - border - 1), outline=ink, width=border)

    safe_width = min(width, height) * 0.9
    side = min(width, height)

    def fitted(text, px):
        font = ImageFont.load_default(size=px)
        while px > 8 and draw.textlength(text, font=font) > safe_width:
            px -= 2
            font = ImageFont.load_default(size=px)
        return text, font, px

    lines = [fitted("PICTURE NOT AVAILABLE", side // 9), fitted("Placeholder generated by Newsroom", side // 20)]
    lines += [fitted(str(line)[:80], side // 26) for line in text_lines]
    gap = side // 30
    total = sum(px for _, _, px in lines) + gap * (len(lines) - 1)
    y = (height - total) // 2
    for text, font, px in lines:
        x = (width - draw.textlength(text, font=font)) / 2
        # A band of the ground colour behind the words keeps them legible over the cross.
        draw.rectangle((x - gap, y - gap // 2, width - x + gap, y + px + gap // 2), fill=ground)
        draw.text((x, y), text, font=font, fill=ink)
        y += px + gap
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(out.getvalue(), name="placeholder.jpg")
