"""`{% picture image sizes="…" priority=False %}`: a responsive <picture> from recorded renditions.

It reads only the renditions recorded in the Image row itself, so it never
opens a file and never adds a query.
"""

from django import template

import pagecache

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
