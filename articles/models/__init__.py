"""Stories and what they are filed under, one module per noun; every model is importable from here."""

from .addresses import SeedStory, StoryAddress
from .body_pictures import BodyPicture
from .corrections import Correction
from .filing import Author, Byline, Section, Topic
from .search_entry import SearchEntry
from .site import absolute_url, remembered
from .story import RESTORED_FIELDS, Article, normalise_newlines, publisher_data, story_path

__all__ = [
    "RESTORED_FIELDS",
    "Article",
    "Author",
    "BodyPicture",
    "Byline",
    "Correction",
    "SearchEntry",
    "Section",
    "SeedStory",
    "StoryAddress",
    "Topic",
    "absolute_url",
    "normalise_newlines",
    "publisher_data",
    "remembered",
    "story_path",
]
