"""Sections, authors, images and the stories that editors publish."""

import html
import re
import secrets
from datetime import timedelta
from functools import cached_property
from urllib.parse import urljoin

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.db.models import Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

import pagecache
from sanitize import render_markdown

from . import images

PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)
# Where rendition files are stored, beside the masters' "images/%Y/%m/".
RENDITIONS_FOLDER = "renditions/%Y/%m/"


def remembered(name, key, compute, size=1000):
    """`compute()` for `key`, remembered in this process until the generation moves on (pagecache.per_generation).

    A few hundred topics or writers a worker is asked about, not the whole table: the
    memo holds at most `size` keys (misses included) and starts afresh when full.
    """
    found = pagecache.per_generation(f"remembered:{name}", dict)
    if key not in found:
        if len(found) >= size:
            found.clear()
        found[key] = compute()
    return found[key]


def absolute_url(url):
    """A page or file address made absolute with NEWSROOM_SITE_URL, for feeds, link previews and JSON-LD."""
    return urljoin(settings.NEWSROOM_SITE_URL, url)


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
        "Image",
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
        return self.filter(articles__in=Article.objects.published().values("pk")).distinct()

    def by_slug(self, slug):
        """The public topic with this slug, or None; remembered until something readers see changes."""
        return remembered("topics", slug, lambda: self.public().filter(slug=slug).first())


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


class CorrectionQuerySet(models.QuerySet):
    def public(self):
        """Corrections of stories readers can see, newest first, with their story."""
        return (
            self.filter(article__in=Article.objects.published().values("pk"))
            .select_related("article")
            .order_by("-published_at", "-pk")
        )


class Correction(models.Model):
    """A dated note an editor adds to a story when something in it was wrong (or unclear).

    Shown on the story (at its top or foot: NEWSROOM_CORRECTIONS_AT), in its structured
    data, and on the corrections page; saving one moves the story's modified time.
    """

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    text = models.TextField(
        help_text="What was wrong and what is right, in a sentence or two, e.g. "
        "\"An earlier version of this story gave the wrong date for the curfew.\""
    )
    published_at = models.DateTimeField(
        "date", default=timezone.now, help_text="When the correction was made. Shown with it, e.g. \"Correction, 17 January 2022\"."
    )

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["published_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}, {timezone.localtime(self.published_at):%d %B %Y}"

    def save(self, *args, **kwargs):
        """Save, and move the story's "Updated" time (its dateModified) to the correction's date if that is later."""
        with transaction.atomic():
            super().save(*args, **kwargs)
            story = Article.objects.filter(pk=self.article_id).first()
            if story and story.is_published() and (story.updated_at is None or story.updated_at < self.published_at):
                Article.objects.filter(pk=story.pk).update(updated_at=self.published_at)
                pagecache.changed()  # update() sends no signal

    def clean(self):
        if self.published_at and self.published_at > timezone.now() + timedelta(minutes=5):
            raise ValidationError({"published_at": "A correction cannot be dated in the future."})

    def structured_data(self):
        """schema.org CorrectionComment, for the story's `correction` property."""
        return {"@type": "CorrectionComment", "text": self.text, "datePublished": self.published_at.isoformat()}


class SearchEntry(models.Model):
    """A story's words as plain text, the one thing search indexes (articles/search.py).

    On PostgreSQL a generated, weighted tsvector column with a GIN index is added
    to this table; on SQLite an FTS5 table mirrors it through triggers. Kept in
    step with the story by Article's post_save; whether a story may be found is
    always decided by Article.objects.published() at search time.
    """

    article = models.OneToOneField("Article", on_delete=models.CASCADE, primary_key=True, related_name="search_entry")
    headline = models.TextField(blank=True)
    standfirst = models.TextField(blank=True)
    body = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self):
        return self.headline


class ImageManager(models.Manager):
    def create_placeholder(self, *, alt_text, label="", caption="", taken_note="", lines=(), **fields):
        """Store a generated, clearly labelled stand-in where the real picture is not available.

        `lines` are printed on it under "PICTURE NOT AVAILABLE"; the other
        arguments are the usual Image fields.
        """
        image = self.model(
            alt_text=alt_text, label=label, caption=caption, taken_note=taken_note, is_placeholder=True, **fields
        )
        image.file = images.make_placeholder(lines)
        image.save()
        return image


class Image(models.Model):
    """A picture as the newsroom received it, stored without its metadata.

    Caption and alt text are different things: the caption is journalism
    for every reader, the alt text describes the picture for those who
    cannot see it. Neither falls back to the file name.
    """

    file = models.ImageField(upload_to="images/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    alt_text = models.CharField(
        max_length=250, help_text="What the picture shows, for readers who cannot see it. Required."
    )
    label = models.CharField(
        max_length=40, blank=True, help_text='A word or two printed in bold before the caption, e.g. "KILLED".'
    )
    caption = models.TextField(blank=True, help_text="The caption printed under the picture.")
    taken_note = models.CharField(
        "when taken",
        max_length=200,
        blank=True,
        help_text='Printed after the caption, e.g. "The picture is from January 6."',
    )
    taken_at = models.DateField(null=True, blank=True, help_text="The date the picture was taken, if known.")
    credit = models.CharField(max_length=200, blank=True, help_text="Photographer and agency.")
    renditions = models.JSONField(
        default=list,
        editable=False,
        help_text="The resized copies Newsroom made of the picture: crop, format, width, height and stored name of each.",
    )
    is_placeholder = models.BooleanField(
        default=False, editable=False, help_text="Generated by Newsroom where the real picture is not available."
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = ImageManager()

    class Meta:
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.caption[:60] or self.alt_text[:60]

    def save(self, *args, **kwargs):
        """Save, and when the file is new, make its renditions in the same transaction.

        The old master and renditions are deleted from storage only once the
        replacement is committed, so a failure never leaves a story without a picture.
        """
        stored = getattr(self, "_stored_file_name", None)
        file_is_new = bool(self.file) and (self._state.adding or self.file.name != stored)
        if self.file and not self.file._committed:
            self._clean_new_file()
        renditions_before = self.renditions
        try:
            with transaction.atomic():
                super().save(*args, **kwargs)
                if file_is_new:
                    self.make_renditions()
                    if stored:
                        _delete_files_on_commit(self.file.storage, [stored])
        except BaseException:
            # The row was rolled back: files already written for it must not linger.
            if file_is_new:
                written = [self.file.name] if self.file._committed else []
                if self.renditions is not renditions_before:
                    written += [record["name"] for record in self.renditions]
                    self.renditions = renditions_before
                for name in written:
                    self.file.storage.delete(name)
            raise
        self._stored_file_name = self.file.name

    def _clean_new_file(self):
        """Check a file not yet stored and replace it by its bare pixels under an unguessable name.

        Done here, not only in the admin's form, so a picture stored by any path (a
        script, the live desk, a placeholder) is validated and carries no metadata,
        and neither it nor its renditions can be found by guessing a name before
        the story that uses it is public. A file cleaned already is not re-encoded.
        """
        content = self.file.file
        if not getattr(content, "newsroom_clean", False):
            master = images.prepare_master(content)
            content, self.width, self.height = master.content, master.width, master.height
        self.file = content

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        # Remembered so save() can tell a replaced file from an unchanged one.
        instance._stored_file_name = instance.file.name if "file" in instance.__dict__ else None
        return instance

    def make_renditions(self):
        """Resize the saved master once into every rendition and record them in this row, replacing any made before.

        The files of the renditions it replaces are deleted once the new record is
        committed; files written by an attempt that fails are deleted at once.
        """
        if self.pk is None:
            raise ValueError("Save the picture before making its renditions.")
        picture = images.open_master(self.file)
        storage = self.file.storage
        folder = timezone.localtime().strftime(RENDITIONS_FOLDER)
        made = []
        try:
            for crop, fmt, width, height in images.rendition_specs(picture.width, picture.height):
                data = images.render(picture, crop, fmt, width, height)
                # Recorded with the size it was made at: nothing reopens the file to measure it.
                filename = images.rendition_filename(self.file.name, crop, fmt, width)
                name = storage.save(storage.generate_filename(folder + filename), ContentFile(data))
                made.append(images.Rendition(name, crop, fmt, width, height, storage))
            made.sort(key=lambda r: (r.crop, r.format, r.width))
            records = [rendition.as_record() for rendition in made]
            Image.objects.filter(pk=self.pk).update(renditions=records)
        except BaseException:
            for rendition in made:
                storage.delete(rendition.name)
            raise
        _delete_files_on_commit(storage, [record["name"] for record in self.renditions])
        self.renditions = records

    def all_renditions(self):
        """Every recorded rendition as a Rendition value (url, width, height, format, crop, mime_type)."""
        storage = self.file.storage
        return [images.Rendition.from_record(record, storage) for record in self.renditions]

    def sources(self, fmt="jpeg"):
        """The original-shape renditions in one format, narrowest first."""
        return sorted((r for r in self.all_renditions() if r.crop == "" and r.format == fmt), key=lambda r: r.width)

    def srcset(self, fmt="jpeg"):
        """A srcset attribute value for the original shape, e.g. "/media/…-w480.webp 480w, …"."""
        return ", ".join(f"{r.url} {r.width}w" for r in self.sources(fmt))

    def fallback(self):
        """The JPEG rendition for browsers that ignore srcset: the widest up to 1200 pixels."""
        jpegs = self.sources("jpeg")
        fitting = [r for r in jpegs if r.width <= 1200]
        return (fitting or jpegs or [None])[-1]

    def crop(self, shape):
        """The centre crop for OpenGraph and JSON-LD: shape is "16:9", "4:3" or "1:1"; None if not made."""
        return next((r for r in self.all_renditions() if r.crop == shape), None)


def _delete_files_on_commit(storage, names):
    """Delete stored files once the current transaction commits (at once outside one); never on a rollback."""
    if names:
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


@receiver(post_delete, sender=Image)
def delete_stored_files(sender, instance, **kwargs):
    """A deleted picture stops being served: its master and renditions are removed once the deletion is committed.

    A signal rather than delete(), so bulk deletes in the admin and cascades are covered too.
    """
    names = [instance.file.name] if instance.file else []
    _delete_files_on_commit(instance.file.storage, names + [record["name"] for record in instance.renditions])


def normalise_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def story_path(slug, publish_at):
    """A story's address: its publish date in the site's time zone, then its slug."""
    local = timezone.localtime(publish_at)
    return reverse(
        "articles:detail",
        kwargs={"year": local.year, "month": f"{local.month:02d}", "day": f"{local.day:02d}", "slug": slug},
    )


class ArticleQuerySet(models.QuerySet):
    def published(self):
        """The one rule for what readers may see: published, its publish time come, its take-down time not."""
        now = timezone.now()
        return self.filter(
            Q(expire_at__isnull=True) | Q(expire_at__gt=now), status=Article.Status.PUBLISHED, publish_at__lte=now
        )

    def scheduled(self):
        return self.filter(status=Article.Status.PUBLISHED, publish_at__gt=timezone.now())

    def taken_down(self):
        """Stories that were public and no longer are: their addresses answer 410 Gone."""
        return self.filter(
            Q(status=Article.Status.TAKEN_DOWN) | Q(status=Article.Status.PUBLISHED, expire_at__lte=timezone.now())
        )

    def in_review(self):
        return self.filter(status=Article.Status.REVIEW)

    def for_listing(self):
        """What list pages, story pages and feeds print, in two queries whatever the number of stories.

        The stories with their section and lead picture (whose renditions are in its row),
        then every byline with its author.
        """
        return self.select_related("section", "lead_image").prefetch_related(
            models.Prefetch("bylines", queryset=Byline.objects.select_related("author"))
        )

    def with_topics(self):
        """Each story with its topics as data in its own row (`topics_data`), so showing them costs no query."""
        from . import reading

        return self.annotate(topics_data=reading.topics_data())

    def for_story_page(self):
        """What the story page prints, in one query: the story with its section and lead picture, and its
        byline, topics, corrections and related stories in its own row, as data (articles/reading.py)."""
        from . import reading

        return self.select_related("section", "lead_image").with_topics().annotate(**reading.story_page_data())


# What a revision of a story keeps and a restore brings back: its text, section and picture (the byline
# comes with its Byline rows). Not its address nor its publishing state: restoring old words must
# neither move a story nor publish or take it down.
RESTORED_FIELDS = ["section", "kicker", "headline", "standfirst", "body", "lead_image"]


@reversion.register(follow=["bylines"])
class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        REVIEW = "review", "In review"
        PUBLISHED = "published", "Published"
        TAKEN_DOWN = "taken_down", "Taken down"

    # Who may set which status: anyone who may write stories, or only those with the publishing right.
    WRITERS_STATUSES = (Status.DRAFT, Status.REVIEW)

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    kicker = models.CharField(max_length=60, blank=True, help_text='A word or two above the headline, e.g. "Kazakhstan".')
    headline = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The last part of the story's address. If you change it once the story is out, "
        "the old address keeps leading readers here.",
    )
    standfirst = models.TextField(blank=True, help_text="The summary under the headline, also used in feeds and search results.")
    body = models.TextField(
        help_text="Write paragraphs separated by a blank line. "
        "## Sub-heading, *emphasis*, **bold**, [link text](https://…), > quote, and - list items work."
    )
    body_html = models.TextField(editable=False, blank=True)
    lead_image = models.ForeignKey(Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    topics = models.ManyToManyField(
        Topic, related_name="articles", blank=True, help_text="What the story is about; it is listed on each topic's page."
    )
    authors = models.ManyToManyField(Author, through="Byline", related_name="articles", blank=True)
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Reporters write drafts and send them for review; an editor publishes. "
        "Taken down: the story leaves every list and its address says it was withdrawn.",
    )
    publish_at = models.DateTimeField(
        "publish time",
        default=timezone.now,
        help_text="For a story to be public it must be Published and this time must have come. "
        "A time in the future schedules it; no one needs to come back and press a button.",
    )
    expire_at = models.DateTimeField(
        "take down at",
        null=True,
        blank=True,
        help_text="Leave empty to keep the story up. At this time it leaves every list and feed, "
        "and its address says it was taken down.",
    )
    live_from = models.DateTimeField(
        "live coverage from",
        null=True,
        blank=True,
        help_text="For a developing story: from this time the story is marked LIVE and readers' open pages "
        "pick up its updates by themselves. Post updates from the story's live desk.",
    )
    live_until = models.DateTimeField(
        "live coverage until",
        null=True,
        blank=True,
        help_text="Leave empty while the story is developing. From this time it reads as a normal story again, "
        "with its updates kept on the page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)
    updated_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set when the text of a public story changes."
    )
    edit_version = models.PositiveIntegerField(
        default=0, editable=False, help_text="Counts the saves of the story, so a form older than the story can be told."
    )
    comments_enabled = models.BooleanField(
        "comments open", default=True, help_text="Untick to close comments on this story now."
    )
    comments_close_at = models.DateTimeField(
        "close comments at",
        null=True,
        blank=True,
        help_text="Leave empty to keep comments open, unless the site is set to close them a number of days after publication.",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at"]
        indexes = [models.Index(fields=["status", "-publish_at"])]
        permissions = [
            ("preview_article", "Can preview unpublished stories"),
            ("publish_article", "Can publish, schedule and take down stories"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        """Render the body, count the save, keep a revision, and remember the address the story leaves.

        The revision joins the one a caller opened (the admin's, with the byline and who
        saved); a script's save gets one of its own.
        """
        if not self.slug:
            self.slug = slugify(self.headline)[:200]
        # Browsers send a textarea's lines ending in CR LF, and the form strips the ends: stored one way
        # whoever saves, revisions compare words, not line ends.
        self.body, self.standfirst = normalise_newlines(self.body).strip(), normalise_newlines(self.standfirst).strip()
        self.body_html = render_markdown(self.body)
        with reversion.create_revision():
            before = None
            if self.pk:
                # Locked: two saves at once each count, and the form check in the admin sees the last.
                before = (
                    Article.objects.select_for_update()
                    .filter(pk=self.pk)
                    .values("headline", "standfirst", "body", "slug", "publish_at", "edit_version")
                    .first()
                )
            if before:
                text = {"headline": self.headline, "standfirst": self.standfirst, "body": self.body}
                if self.is_published() and text != {name: before[name] for name in text}:
                    self.updated_at = timezone.now()
                self.edit_version = before["edit_version"] + 1
            else:
                self.edit_version += 1
            super().save(*args, **kwargs)
            if before:
                self._remember_move(story_path(before["slug"], before["publish_at"]))

    def get_absolute_url(self):
        return story_path(self.slug, self.publish_at)

    def _remember_move(self, old_path):
        """The address the story had leads to it from now on; its own address is no longer a way to another story."""
        new_path = self.get_absolute_url()
        StoryAddress.objects.filter(path=new_path).delete()
        if old_path != new_path:
            StoryAddress.objects.update_or_create(path=old_path, defaults={"article": self})

    def is_published(self):
        now = timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.publish_at <= now
            and (self.expire_at is None or self.expire_at > now)
        )

    is_published.boolean = True
    is_published.short_description = "public"

    def is_scheduled(self):
        return self.status == self.Status.PUBLISHED and self.publish_at > timezone.now()

    def is_taken_down(self):
        return self.status == self.Status.TAKEN_DOWN or (
            self.status == self.Status.PUBLISHED and self.expire_at is not None and self.expire_at <= timezone.now()
        )

    @property
    def state(self):
        """What the story is now, for the desk: draft, in review, scheduled, public or taken down."""
        if self.is_taken_down():
            return "taken down"
        if self.is_scheduled():
            return "scheduled"
        if self.is_published():
            return "public"
        return self.get_status_display().lower()

    def is_viewable_by(self, user):
        """Whether `user` may see this story on the site: readers once it is public, staff with the preview right always."""
        return self.is_published() or user.has_perm("articles.preview_article")

    # Changes of state, each a save: it counts, keeps a revision and tells the page cache.

    def publish(self, when=None):
        """Publish now (a publish time that has passed becomes now), or at `when`; a public story keeps its time."""
        now = timezone.now()
        if not self.is_published():
            self.publish_at = when or (self.publish_at if self.publish_at > now else now)
            if self.expire_at and self.expire_at <= self.publish_at:
                self.expire_at = None
        self.status = self.Status.PUBLISHED
        self.save()

    def take_down(self):
        self.status = self.Status.TAKEN_DOWN
        self.save()

    # Live coverage: the one rule for "is this story LIVE now", from its two times.

    @property
    def is_live(self):
        """Live coverage has started and not ended: LIVE on its page and in lists, updates picked up by open pages."""
        now = timezone.now()
        return self.live_from is not None and self.live_from <= now and (self.live_until is None or self.live_until > now)

    @property
    def live_coverage_ended(self):
        return self.live_from is not None and self.live_until is not None and self.live_until <= timezone.now()

    def go_live(self, when=None):
        """Start live coverage now (or at `when`); coverage that had ended starts again."""
        self.live_from = when or timezone.now()
        self.live_until = None
        self.save()

    def end_live(self, when=None):
        """End live coverage now (or at `when`): the story reads as a normal story again, its updates kept."""
        self.live_until = when or timezone.now()
        if self.live_from is None or self.live_from > self.live_until:
            self.live_from = self.live_until
        self.save()

    @property
    def live_check_url(self):
        """Where an open page asks whether there are new updates (articles.views.live_check)."""
        return self.get_absolute_url() + "updates/check/"

    @property
    def live_updates_url(self):
        return self.get_absolute_url() + "updates/"

    @property
    def live_feed_url(self):
        return self.get_absolute_url() + "updates/feed/"

    @property
    def live_update_count(self):
        """How many updates readers can see, from the row's data when it was read with for_story_page()."""
        if hasattr(self, "live_updates_public"):
            return self.live_updates_public or 0
        if self.pk is None:
            return 0
        return self.live_updates.published().count()

    @property
    def key_events(self):
        """The key events readers can see, newest first, as (number, headline or summary), from the row's data."""
        from . import reading

        return reading.key_events_of(self)

    def live_update_list(self):
        """The updates search engines are told about: those on the page being shown, or else the newest page."""
        shown = getattr(self, "shown_live_updates", None)
        if shown is not None:
            return shown
        return list(self.live_updates.published().select_related("author")[: settings.NEWSROOM_LIVE_UPDATES_PER_PAGE])

    @property
    def byline(self):
        """The authors in their byline order: from the row's data when it was read with for_story_page(), else
        from the bylines (prefetched by for_listing())."""
        from . import reading

        return reading.byline_of(self)

    def is_dated(self, year, month, day):
        """Whether the story's address date (its publish time in the site's time zone) is this day."""
        local = timezone.localtime(self.publish_at)
        return (local.year, local.month, local.day) == (year, month, day)

    @property
    def last_modified(self):
        """When readers last saw a change: the "Updated" time, or else the publish time (sitemaps, feeds, JSON-LD);
        on the story page (for_story_page()), a later live update's time or edit."""
        return max(filter(None, [self.updated_at or self.publish_at, getattr(self, "live_updates_changed_at", None)]))

    @cached_property
    def summary(self):
        """The standfirst, or else the body's opening paragraphs cut to 40 words, for lists, feeds and link previews.

        Only paragraphs: a sub-heading run into the next sentence would read as nonsense.
        """
        if self.standfirst:
            return self.standfirst
        paragraphs = PARAGRAPH.findall(self.body_html) or [self.body_html]
        return Truncator(" ".join(html.unescape(strip_tags(p)).strip() for p in paragraphs)).words(40)

    @property
    def topic_list(self):
        """The story's topics by name, from its row's data when it was read with with_topics()."""
        from . import reading

        return reading.topics_of(self)

    @property
    def correction_list(self):
        """The story's corrections, oldest first, from its row's data when it was read with for_story_page()."""
        from . import reading

        return reading.corrections_of(self)

    @property
    def related_stories(self):
        """Up to four public stories sharing a topic with this one, then from its section, newest first."""
        from . import reading

        return reading.related_to(self)

    def share_image(self):
        """The 16:9 crop of the lead picture for OpenGraph and Twitter cards, or None."""
        return self.lead_image.crop("16:9") if self.lead_image else None

    def structured_data(self):
        """schema.org NewsArticle for search engines: the story and its publisher, never anything about replies.

        While the story is live it is a LiveBlogPosting with its coverage times and its updates
        (liveBlogUpdate); once coverage ends, a NewsArticle again.
        """
        crops = [self.lead_image.crop(ratio) for ratio in ("16:9", "4:3", "1:1")] if self.lead_image else []
        live = {}
        if self.is_live:
            live = {
                "coverageStartTime": self.live_from.isoformat(),
                **({"coverageEndTime": self.live_until.isoformat()} if self.live_until else {}),
                "liveBlogUpdate": [update.structured_data() for update in self.live_update_list()],
            }
        return {
            **live,
            "@context": "https://schema.org",
            "@type": "LiveBlogPosting" if self.is_live else "NewsArticle",
            "mainEntityOfPage": absolute_url(self.get_absolute_url()),
            "headline": self.headline,
            "description": self.summary,
            "articleSection": self.section.name,
            "datePublished": self.publish_at.isoformat(),
            "dateModified": self.last_modified.isoformat(),
            "author": [author.structured_data() for author in self.byline],
            "image": [absolute_url(crop.url) for crop in crops if crop],
            "keywords": [topic.name for topic in self.topic_list],
            "publisher": publisher_data(),
            **({"correction": [c.structured_data() for c in self.correction_list]} if self.correction_list else {}),
        }

    def breadcrumbs(self):
        """The way to the story from the front page: the site, its section, the story itself."""
        return [
            (settings.NEWSROOM_SITE_NAME, absolute_url("/")),
            (self.section.name, absolute_url(self.section.get_absolute_url())),
            (self.headline, absolute_url(self.get_absolute_url())),
        ]

    def breadcrumb_data(self):
        """schema.org BreadcrumbList of breadcrumbs(), a block of its own beside the NewsArticle."""
        return {
            "@context": "https://schema.org",
            "@type": "BreadcrumbList",
            "itemListElement": [
                {"@type": "ListItem", "position": n, "name": name, "item": url}
                for n, (name, url) in enumerate(self.breadcrumbs(), start=1)
            ],
        }


def publisher_data():
    """The newsroom as schema.org Organization with its logo (NEWSROOM_PUBLISHER_LOGO), for structured data."""
    logo = settings.NEWSROOM_PUBLISHER_LOGO
    return {
        "@type": "Organization",
        "name": settings.NEWSROOM_SITE_NAME,
        "url": absolute_url("/"),
        "logo": {"@type": "ImageObject", "url": absolute_url(logo if "://" in logo else static(logo))},
    }


class StoryAddress(models.Model):
    """An address a story had before its slug or date changed: it answers a permanent redirect, for good.

    Every old address points at the story itself, not at the next address, so a chain of
    moves is one hop. A story found at an address always wins over an old one.
    """

    path = models.CharField(max_length=300, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="old_addresses")
    moved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "old address"
        verbose_name_plural = "old addresses"

    def __str__(self):
        return self.path


@reversion.register()
class Byline(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="unique_byline")]

    def __str__(self):
        return str(self.author)


class LiveUpdateQuerySet(models.QuerySet):
    def published(self):
        """The one rule for which updates readers see: their time has come (a scheduled one stays hidden until then)."""
        return self.filter(publish_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(publish_at__gt=timezone.now())

    def newer_than(self, update):
        """Updates that come before `update` in the newest-first order readers see."""
        return self.filter(Q(publish_at__gt=update.publish_at) | Q(publish_at=update.publish_at, pk__gt=update.pk))


@reversion.register()
class LiveUpdate(models.Model):
    """A short, timestamped update on a developing story, posted from the story's live desk.

    Written in the same Markdown as story bodies and cleaned by the same sanitiser on save.
    Its number is its permanent address on the page (#update-N). Readers see it from its
    time on (a time in the future schedules it); an edit after that is marked "edited".
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="live_updates", verbose_name="story")
    headline = models.CharField(max_length=200, blank=True, help_text="Optional: a few words above the update.")
    body = models.TextField("text", help_text="Markdown, as in story bodies: *emphasis*, **bold**, [link](https://…), > quote, - list.")
    body_html = models.TextField(editable=False, blank=True)
    image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="picture"
    )
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.SET_NULL, related_name="live_updates", verbose_name="byline"
    )
    is_key_event = models.BooleanField(
        "key event", default=False, help_text="Listed at the top of the story among the key events, linking here."
    )
    publish_at = models.DateTimeField(
        "time", default=timezone.now, help_text="Readers see the update from this time; a time in the future schedules it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="Set when the words of an update readers have seen change."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = LiveUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-publish_at", "-pk"]
        indexes = [models.Index(fields=["article", "-publish_at"])]
        verbose_name = "live update"

    def __str__(self):
        return self.headline or Truncator(strip_tags(self.body_html) or self.body).words(10)

    def save(self, *args, **kwargs):
        """Render the text once; mark the update edited when readers had seen other words."""
        self.body = normalise_newlines(self.body).strip()
        self.body_html = render_markdown(self.body)
        if self.pk:
            before = LiveUpdate.objects.filter(pk=self.pk).values("headline", "body", "publish_at").first()
            if (
                before
                and before["publish_at"] <= timezone.now()
                and (before["headline"], before["body"]) != (self.headline, self.body)
            ):
                self.edited_at = timezone.now()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The update's permanent address (articles.views.live_update): it leads to the page of the story that
        shows it now, at #update-N."""
        return f"{self.article.live_updates_url}{self.pk}/"

    def is_published(self):
        return self.publish_at <= timezone.now()

    is_published.boolean = True
    is_published.short_description = "visible"

    @property
    def anchor(self):
        return f"update-{self.pk}"

    @property
    def title(self):
        """The headline, or the text's first words (feeds, key events, search engines)."""
        return self.headline or Truncator(html.unescape(strip_tags(self.body_html))).words(12)

    def structured_data(self):
        """schema.org BlogPosting for the story's liveBlogUpdate."""
        data = {
            "@type": "BlogPosting",
            "headline": self.title,
            "datePublished": self.publish_at.isoformat(),
            "dateModified": (self.edited_at or self.publish_at).isoformat(),
            "articleBody": html.unescape(strip_tags(self.body_html)).strip(),
            "url": absolute_url(f"{self.article.get_absolute_url()}#{self.anchor}"),
        }
        if self.author_id:
            data["author"] = self.author.structured_data()
        return data


class EditSessionQuerySet(models.QuerySet):
    def others_editing(self, article, user):
        """Who else has had this story open in the admin within the last few minutes, latest first."""
        since = timezone.now() - EditSession.RECENT
        return (
            self.filter(article=article, seen_at__gte=since)
            .exclude(user=user)
            .select_related("user")
            .order_by("-seen_at")
        )


class EditSession(models.Model):
    """One person's work on one story in the admin: when they last had it open, and their unsaved draft copy.

    The draft copy is what the change form held when it was last autosaved. It is never
    public and never changes the story: it is offered back to its writer after a closed
    tab or a crash, and removed when they save or discard it.
    """

    # How long after its last sign of life an open form still counts as open.
    RECENT = timedelta(minutes=3)

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="edit_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(null=True, blank=True)
    draft = models.JSONField(default=dict, blank=True)
    draft_saved_at = models.DateTimeField(null=True, blank=True)
    draft_version = models.PositiveIntegerField(default=0, help_text="The story's edit version the draft started from.")

    objects = EditSessionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="one_edit_session_per_person")]

    def __str__(self):
        return f"{self.user} on {self.article}"

    # The form fields a draft copy keeps: the story's words, where a crash hurts.
    DRAFT_FIELDS = ("kicker", "headline", "slug", "standfirst", "body")

    @classmethod
    def seen(cls, article, user):
        cls.objects.update_or_create(article=article, user=user, defaults={"seen_at": timezone.now()})

    @classmethod
    def left(cls, article, user):
        cls.objects.filter(article=article, user=user).update(seen_at=None)

    @classmethod
    def keep_draft(cls, article, user, fields, version):
        """Store the writer's unsaved words (only the draft fields, each cut to its field's length)."""
        draft = {}
        for name in cls.DRAFT_FIELDS:
            if name in fields:
                limit = Article._meta.get_field(name).max_length
                value = normalise_newlines(str(fields[name]))
                draft[name] = value[:limit] if limit else value
        now = timezone.now()
        cls.objects.update_or_create(
            article=article,
            user=user,
            defaults={"draft": draft, "draft_saved_at": now, "draft_version": version, "seen_at": now},
        )
        return now

    @classmethod
    def draft_for(cls, article, user):
        """The writer's draft copy of the story when it differs from the story as saved, else None."""
        session = cls.objects.filter(article=article, user=user, draft_saved_at__isnull=False).first()
        if session is None or all(session.draft.get(name, getattr(article, name)) == getattr(article, name)
                                  for name in cls.DRAFT_FIELDS):
            return None
        return session

    @classmethod
    def discard_draft(cls, article, user):
        cls.objects.filter(article=article, user=user).update(draft={}, draft_saved_at=None, draft_version=0)


def new_preview_token():
    return secrets.token_urlsafe(32)


class PreviewLinkQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class PreviewLink(models.Model):
    """A link that shows one unpublished story to someone outside the newsroom (a lawyer, a source checking quotes).

    Its address carries 256 random bits; it works until it expires or is revoked, and
    never outlives what it shows: the page is a preview, marked and never cached or indexed.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, default=new_preview_token, editable=False)
    shared_with = models.CharField(
        "for", max_length=120, help_text='Who the link is for, e.g. "Legal: A. Kaliyeva". Shown only in the admin.'
    )
    expires_at = models.DateTimeField("expires", help_text="The link stops working at this time.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PreviewLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Preview of “{self.article}” for {self.shared_with}"

    def get_absolute_url(self):
        return reverse("articles:preview", kwargs={"token": self.token})

    def is_valid(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class FrontPage(models.Model):
    """What editors choose for the front page: its lead story, featured stories in order, and a breaking-news banner.

    One row. Left empty, the front page is newest first. A chosen story shows only while it is public.
    """

    lead = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="lead story",
        help_text="Leave empty to lead with the newest story.",
    )
    banner_text = models.CharField(
        "breaking news", max_length=160, blank=True, help_text="A line shown above the front page, e.g. “Curfew lifted in Almaty”."
    )
    banner_story = models.ForeignKey(
        Article,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="banner links to",
        help_text="The banner links to this story; it shows only while the story is public.",
    )
    banner_ends_at = models.DateTimeField(
        "banner ends at", null=True, blank=True, help_text="The banner disappears by itself at this time. Leave empty to keep it."
    )
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "front page"
        verbose_name_plural = "front page"

    def __str__(self):
        return "Front page"

    def clean(self):
        if self.banner_text and not self.banner_story_id:
            raise ValidationError({"banner_story": "Choose the story the breaking-news banner links to."})
        if self.banner_story_id and not self.banner_text:
            raise ValidationError({"banner_text": "Write the line the banner shows, or leave both empty."})

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]

    @classmethod
    def curation(cls):
        """What the front page shows of the editors' choice now, remembered until something readers see changes:
        {"order": [story ids, lead first], "lead": id or None, "banner": {"text", "url"} or None}.
        """
        return pagecache.per_generation("front-page", cls._curation)

    @classmethod
    def _curation(cls):
        front = cls.objects.filter(pk=1).first()
        if front is None:
            return {"order": [], "lead": None, "banner": None}
        chosen = [front.lead_id] if front.lead_id else []
        chosen += [pk for pk in front.featured.values_list("article_id", flat=True) if pk not in chosen]
        public = set(Article.objects.published().filter(pk__in=chosen).values_list("pk", flat=True))
        order = [pk for pk in chosen if pk in public]
        banner = None
        if front.banner_text and front.banner_story_id and (front.banner_ends_at is None or front.banner_ends_at > timezone.now()):
            story = Article.objects.published().filter(pk=front.banner_story_id).first()
            if story:
                banner = {"text": front.banner_text, "url": story.get_absolute_url(), "headline": story.headline}
        return {"order": order, "lead": front.lead_id if front.lead_id in public else None, "banner": banner}

    def next_change(self):
        """The banner's end, when it is still to come (the front page changes by itself then)."""
        if self.banner_text and self.banner_ends_at and self.banner_ends_at > timezone.now():
            return self.banner_ends_at
        return None


class FeaturedStory(models.Model):
    front = models.ForeignKey(FrontPage, on_delete=models.CASCADE, related_name="featured")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", verbose_name="story")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "featured story"
        verbose_name_plural = "featured stories, after the lead, lowest position first"
        constraints = [models.UniqueConstraint(fields=["front", "article"], name="feature_a_story_once")]

    def __str__(self):
        return str(self.article)


class SeedStory(models.Model):
    """The seed stories `load_seed_story` has loaded, by a key of their own (not the slug editors may change).

    Kept after the story is edited, moved or deleted, so loading again neither duplicates nor resurrects it.
    """

    key = models.CharField(max_length=80, unique=True)
    article = models.ForeignKey(Article, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    loaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key
