"""`{% picture image sizes="…" priority=False %}`: a responsive <picture> from recorded renditions;
`{% with_pictures html %}`: a story body with its pictures in place.

`picture` reads only the renditions recorded in the Image row itself, so it never
opens a file and never adds a query.
"""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

import pagecache

from ..blocks import PICTURE_BLOCK, picture_ids
from ..models import Image

register = template.Library()


@register.inclusion_tag("articles/includes/picture.html", takes_context=True)
def picture(context, image, sizes="100vw", priority=False, css_class=""):
    """WebP sources with a JPEG <img> fallback; width and height set so nothing shifts while it loads.

    priority=True is for the one picture above the fold (the lead picture):
    it loads eagerly with high fetch priority; every other picture is lazy.
    Renders nothing when there is no image.
    """
    if not image:
        return {"image": None}
    if request := getattr(context, "request", None):  # an `only` include keeps it here too
        pagecache.shows(request, f"picture-{image.pk}")  # a replaced picture or caption renders the page again
    fallback = image.fallback()
    return {
        "image": image,
        "webp_srcset": image.srcset("webp"),
        "jpeg_srcset": image.srcset("jpeg"),
        "src": fallback.url if fallback else image.file.url,
        "width": fallback.width if fallback else image.width,
        "height": fallback.height if fallback else image.height,
        "sizes": sizes,
        "priority": priority,
        "css_class": css_class,
    }


@register.simple_tag(takes_context=True)
def with_pictures(context, html):
    """Sanitised story HTML with each picture block expanded into figures, as the lead picture is shown.

    One query for all the pictures of the body, none when it has none. Each picture's key goes on the
    page (a new caption renders it again); an id that names no picture shows nothing.
    """
    ids = picture_ids(html)
    if not ids:
        return mark_safe(html)  # noqa: S308 - sanitised on save
    found = Image.objects.in_bulk(ids)
    request = getattr(context, "request", None)
    figure = get_template("articles/includes/body_pictures.html")

    def expand(match):
        images = [found[pk] for pk in map(int, match.group(1).split()) if pk in found]
        if request:
            pagecache.shows(request, *(f"picture-{image.pk}" for image in images))
        return figure.render({"images": images, "gallery": len(images) > 1})

    return mark_safe(PICTURE_BLOCK.sub(expand, html))  # noqa: S308 - sanitised on save, figures from a template
