"""The story: its words, its states and who may publish (the one rule of what is public, ArticleQuerySet.published,
is in querysets.py)."""

import html
import re
from functools import cached_property

import reversion
from django.conf import settings
from django.db import models
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify

from pictures.models import Image
from sanitize import clean_standfirst_html, clean_story_html

from .. import reading
from ..text import plain_text
from .addresses import StoryAddress
from .body_pictures import BodyPicture
from .filing import Author, Byline, Section, Topic
from .querysets import ArticleQuerySet
from .search_and_social import SearchAndSocial
from .site import absolute_url

PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def normalise_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def story_path(slug, publish_at):
    """A story's address: its publish date in the site's time zone, then its slug."""
    local = timezone.localtime(publish_at)
    return reverse(
        "articles:detail",
        kwargs={"year": local.year, "month": f"{local.month:02d}", "day": f"{local.day:02d}", "slug": slug},
    )


# What a revision of a story keeps and a restore brings back: its text, section and picture (the byline
# comes with its Byline rows). Not its address nor its publishing state: restoring old words must
# neither move a story nor publish or take it down.
RESTORED_FIELDS = ["section", "kicker", "headline", "standfirst", "body", "lead_image"]


@reversion.register(follow=["bylines"])
class Article(SearchAndSocial, models.Model):
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
    standfirst = models.TextField(
        blank=True,
        help_text="The summary under the headline, one paragraph (bold, italic and links), "
        "also used in feeds, search results and shared links.",
    )
    body = models.TextField(
        help_text="Sub-headings, bold, italic, links, lists and quotes from the toolbar (or Ctrl+B, Ctrl+I, …); "
        "the Picture button puts pictures from the library anywhere in the text, several at once as a gallery. "
        "Pasted text keeps its paragraphs, headings, lists and links, not its fonts or colours."
    )
    body_html = models.TextField(editable=False, blank=True)
    lead_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.PROTECT, related_name="lead_of",
        help_text="A picture a story uses cannot be deleted from the library.",
    )
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
        """Clean the standfirst, render the body, count the save, keep a revision, and remember the address the story leaves.

        The revision joins the one a caller opened (the admin's, with the byline and who
        saved); a script's save gets one of its own.
        """
        if not self.slug:
            self.slug = slugify(self.headline)[:200]
        # Browsers send a textarea's lines ending in CR LF, and the form strips the ends: stored one way
        # whoever saves, revisions compare words, not line ends.
        self.body = normalise_newlines(self.body).strip()
        self.body_html = clean_story_html(self.body)
        self.standfirst = clean_standfirst_html(self.standfirst)
        with reversion.create_revision():
            before = None
            if self.pk:
                # Locked: two saves at once each count, and the form check in the admin sees the last.
                before = (
                    Article.objects.select_for_update()
                    .filter(pk=self.pk)
                    .values("headline", "standfirst", "body", "slug", "publish_at", "edit_version", "section_id")
                    .first()
                )
            if before:
                self._section_before = before["section_id"]  # its old section's list changes too (page_keys)
                text = {"headline": self.headline, "standfirst": self.standfirst, "body": self.body}
                if self.is_published() and text != {name: before[name] for name in text}:
                    self.updated_at = timezone.now()
                self.edit_version = before["edit_version"] + 1
            else:
                self.edit_version += 1
            super().save(*args, **kwargs)
            BodyPicture.keep_for(self)
            if before:
                self._remember_move(story_path(before["slug"], before["publish_at"]))

    def get_absolute_url(self):
        return story_path(self.slug, self.publish_at)

    def page_keys(self):
        """What moves in the page cache when this story changes: its own page and the lists it is in
        (the latest stories, its section, before and after a move, its topics and its writers)."""
        sections = {self.section_id, getattr(self, "_section_before", None)} - {None}
        topics = Article.topics.through.objects.filter(article_id=self.pk).values_list("topic_id", flat=True)
        authors = Byline.objects.filter(article_id=self.pk).values_list("author_id", flat=True)
        return {
            f"story-{self.pk}", "latest", *(f"section-{pk}" for pk in sections),
            *(f"topic-{pk}" for pk in topics), *(f"author-{pk}" for pk in authors),
        }

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

    @staticmethod
    def may_publish(user):
        """The one rule for who may publish, schedule and take a story down, by any path: the publishing right (Editors)."""
        return user.has_perm("articles.publish_article")

    def may_be_changed_by(self, user):
        """Writers change stories that are not out (draft, in review); a public, scheduled or taken-down one is the
        editors'. (The admin's change right comes on top: a moderator changes no story.)"""
        return self.may_publish(user) or self.status in self.WRITERS_STATUSES

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
        """Where an open page asks whether there are new updates (live.views.live_check)."""
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
        return self.live_updates.for_readers().count()

    @property
    def key_events(self):
        """The key events readers can see, newest first, as (number, headline or summary), from the row's data."""
        return reading.key_events_of(self)

    def live_update_list(self):
        """The updates search engines are told about: those on the page being shown, or else the newest page."""
        shown = getattr(self, "shown_live_updates", None)
        if shown is not None:
            return shown
        return list(self.live_updates.for_readers().select_related("author")[: settings.NEWSROOM_LIVE_UPDATES_PER_PAGE])

    @property
    def live_spans_days(self):
        """Whether the updates readers see run over more than one day (in the site's time zone): their times then
        carry the day ("5 Dec 23:40"), else the hour is enough ("14:05"). From the row's data on the story page."""
        if hasattr(self, "live_first_at"):
            first, last = self.live_first_at, self.live_last_at
        else:
            times = [update.publish_at for update in self.live_updates.for_readers().only("publish_at")]
            first, last = (min(times), max(times)) if times else (None, None)
        return bool(first and last and timezone.localdate(first) != timezone.localdate(last))

    @property
    def byline(self):
        """The authors in their byline order: from the row's data when it was read with for_story_page(), else
        from the bylines (prefetched by for_listing())."""
        return reading.byline_of(self)

    def is_dated(self, year, month, day):
        """Whether the story's address date (its publish time in the site's time zone) is this day."""
        local = timezone.localtime(self.publish_at)
        return (local.year, local.month, local.day) == (year, month, day)

    @property
    def last_modified(self):
        """When readers last saw a change: the "Updated" time, or else the publish time (sitemaps, feeds, JSON-LD);
        read with for_story_page() or with_live_changes(), a later live update's time or edit."""
        return max(filter(None, [self.updated_at or self.publish_at, getattr(self, "live_updates_changed_at", None)]))

    @property
    def standfirst_text(self):
        """The standfirst (HTML) as text, for whatever wants no markup: meta tags, feeds, structured data, search."""
        return plain_text(self.standfirst)

    @cached_property
    def summary(self):
        """The standfirst's text, or else the body's opening paragraphs cut to 40 words, for feeds and link previews
        (lists show the standfirst itself, with its marks and links).

        Only paragraphs: a sub-heading run into the next sentence would read as nonsense.
        """
        if self.standfirst:
            return self.standfirst_text
        paragraphs = PARAGRAPH.findall(self.body_html) or [self.body_html]
        return Truncator(" ".join(html.unescape(strip_tags(p)).strip() for p in paragraphs)).words(40)

    @property
    def topic_list(self):
        """The story's topics by name, from its row's data when it was read with with_topics()."""
        return reading.topics_of(self)

    @property
    def correction_list(self):
        """The story's corrections, oldest first, from its row's data when it was read with for_story_page()."""
        return reading.corrections_of(self)

    @property
    def related_stories(self):
        """Up to four public stories sharing a topic with this one, then from its section, newest first."""
        return reading.related_to(self)

    def structured_data(self):
        """schema.org NewsArticle for search engines: the story and its publisher, never anything about replies.

        Its headline, description, picture and address are what search engines are to show (SearchAndSocial).
        While the story is live it is a LiveBlogPosting with its coverage times and its updates
        (liveBlogUpdate); once coverage ends, a NewsArticle again.
        """
        picture = self.share_picture
        crops = [picture.crop(ratio) for ratio in ("16:9", "4:3", "1:1")] if picture else []
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
            "url": self.canonical_address,
            "headline": self.search_title,
            "description": self.search_description,
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
