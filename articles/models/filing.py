"""What stories are filed under and by: sections, authors (and their bylines on a story), topics."""


import reversion
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.text import Truncator

import pagecache

from .site import absolute_url, remembered


class SectionQuerySet(models.QuerySet):
    def listed(self):
        """Every section in navigation order, remembered until something readers see changes."""
        return pagecache.per_generation("sections", lambda: list(self.all()))


class Section(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, help_text="One or two sentences shown at the top of the section page.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Sections are listed in the navigation by this number.")

    objects = SectionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:section", kwargs={"slug": self.slug})


class AuthorQuerySet(models.QuerySet):
    def by_slug(self, slug):
        """The writer with this slug (with their portrait), or None; remembered until something readers see changes."""
        return remembered("authors", slug, lambda: self.select_related("portrait").filter(slug=slug).first())


class Author(models.Model):
    """A byline. Linking it to a user account is optional: wire copy and guest writers have none."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="author"
    )
    role = models.CharField(max_length=120, blank=True, help_text='Shown after the name, e.g. "Foreign correspondent".')
    bio = models.TextField(
        blank=True, help_text="A few sentences about the writer for their page. Plain text; a blank line starts a paragraph."
    )
    portrait = models.ForeignKey(
        "pictures.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional. A picture uploaded under Images, shown on the writer's page.",
    )
    is_organization = models.BooleanField(
        "not a person",
        default=False,
        help_text='Tick for a byline that names no one person, e.g. "Newsroom staff" or "Wire services": '
        "search engines are told it is an organisation.",
    )

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:author", kwargs={"slug": self.slug})

    @property
    def summary(self):
        """A sentence or two about the writer for search engines and link previews."""
        if self.bio:
            return Truncator(" ".join(self.bio.split())).words(40)
        return f"{self.role}: stories by {self.name}." if self.role else f"Stories by {self.name}."

    def share_image(self):
        """The square crop of the portrait for link previews, or None."""
        return self.portrait.crop("1:1") if self.portrait else None

    def profile_data(self):
        """schema.org ProfilePage about the writer, for their page."""
        about = self.structured_data()
        if self.bio:
            about["description"] = self.bio
        if self.role and not self.is_organization:
            about["jobTitle"] = self.role
        crop = self.share_image()
        if crop:
            about["image"] = absolute_url(crop.url)
        return {"@context": "https://schema.org", "@type": "ProfilePage", "mainEntity": about}

    def structured_data(self):
        """schema.org Person (or Organization for a staff or agency byline) with the writer's page."""
        return {
            "@type": "Organization" if self.is_organization else "Person",
            "name": self.name,
            "url": absolute_url(self.get_absolute_url()),
        }


class TopicQuerySet(models.QuerySet):
    def public(self):
        """Topics with at least one public story: only these have a page, a feed, a place in /topics/ and the
        sitemap. A topic whose stories are all drafts, embargoed or taken down is not there at all."""
        return self.filter(articles__in=self.model._meta.get_field("articles").related_model.objects.published().values("pk")).distinct()

    def by_slug(self, slug):
        """The public topic with this slug, or None; remembered until something readers see changes."""
        # A topic is public with its first public story: the latest stories' key moves then.
        return remembered("topics", slug, lambda: self.public().filter(slug=slug).first(), shows=("site", "latest"))


class Topic(models.Model):
    """What a story is about, across sections ("Kazakhstan", "Fuel prices"): a story has several, each has a page and a feed."""

    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True, help_text="The last part of the topic page's address.")
    description = models.TextField(blank=True, help_text="One or two sentences shown at the top of the topic page.")

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("articles:topic", kwargs={"slug": self.slug})




@reversion.register()
class Byline(models.Model):
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="unique_byline")]

    def __str__(self):
        return str(self.author)
