"""Pictures inside a story: the block the editor stores, <figure data-pictures="12 34"> (one id a picture,
several a gallery), which sanitize lets through and the story page expands ({% with_pictures %})."""

import re

PICTURE_BLOCK = re.compile(r'<figure data-pictures="([0-9 ]+)">.*?</figure>', re.DOTALL)


def picture_blocks(html):
    """The ids of each picture block of sanitised HTML, in order: [[12], [34, 56]]."""
    return [[int(pk) for pk in ids.split()] for ids in PICTURE_BLOCK.findall(html)]


def picture_ids(html):
    return {pk for block in picture_blocks(html) for pk in block}
