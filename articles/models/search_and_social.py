"""What search engines and link previews are told of a story, when it is not simply the story itself.

Each field is optional and falls back to the story: the search title to the headline, the
search description and the social text to the standfirst (or the body's opening), the social
picture to the lead picture. The page's <title>, meta description, OpenGraph and Twitter tags
and the NewsArticle JSON-LD all read the properties below, never the fields themselves.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models

from pictures.models import Image

from .site import absolute_url


def validate_canonical_url(value):
    """A canonical address is where the story was first published: an absolute https address on another site."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname:
        raise ValidationError("Give the full https:// address of the page where the story was first published.")


class SearchAndSocial(models.Model):
    """The fields editors fill in for search engines and link previews (the story model inherits them)."""

    seo_title = models.CharField(
        "search title", max_length=70, blank=True,
        help_text="The title search engines show, at most 70 characters. Leave empty to use the headline.",
    )
    seo_description = models.CharField(
        "search description", max_length=160, blank=True,
        help_text="The line under the title in search results, at most 160 characters. "
        "Leave empty to use the standfirst.",
    )
    social_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="social picture",
        help_text="The picture shown when the story is shared. Leave empty to use the lead picture.",
    )
    social_title = models.CharField(
        max_length=200, blank=True, help_text="The title shown when the story is shared. Leave empty to use the headline."
    )
    social_description = models.CharField(
        "social text", max_length=300, blank=True,
        help_text="The text shown when the story is shared. Leave empty to use the standfirst.",
    )
    canonical_url = models.URLField(
        "first published at", max_length=500, blank=True, validators=[validate_canonical_url],
        help_text="For a story first published elsewhere (a partner, a wire): the https:// address of the original. "
        "Search engines then credit that page.",
    )
    noindex = models.BooleanField(
        "keep out of search engines", default=False,
        help_text="Search engines are asked not to list the story, and it is left out of the sitemaps. "
        "Readers still find it on the site.",
    )

    class Meta:
        abstract = True

    @property
    def search_title(self):
        return self.seo_title or self.headline

    @property
    def search_description(self):
        return self.seo_description or self.summary

    @property
    def share_title(self):
        return self.social_title or self.headline

    @property
    def share_description(self):
        return self.social_description or self.summary

    @property
    def share_picture(self):
        """The picture a shared link shows: the social picture, else the lead picture, else None."""
        return self.social_image or self.lead_image

    def share_image(self):
        """The 16:9 crop of the shared picture for OpenGraph and Twitter cards, or None."""
        return self.share_picture.crop("16:9") if self.share_picture else None

    @property
    def canonical_address(self):
        """Where search engines are told the story lives: its first publication elsewhere, else its own address."""
        return self.canonical_url or absolute_url(self.get_absolute_url())
