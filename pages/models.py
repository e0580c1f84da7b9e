"""The pages a newsroom needs beside its stories (About, Contact, Privacy notice, Corrections policy),
written and edited by editors in the admin."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import Resolver404, resolve, reverse
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

import pagecache
from sanitize import clean_story_html


def placeholders():
    """What `{name}` in a page's text stands for, as functions giving its HTML, called when a page that
    has it is shown, so it follows the settings (and the moderators' discussion settings, whose every
    change makes pages stale)."""
    from comments.conf import app_settings
    from comments.models import DiscussionSettings

    email = settings.NEWSROOM_CONTACT_EMAIL
    return {
        "site_name": lambda: escape(settings.NEWSROOM_SITE_NAME),
        "ip_retention_days": lambda: escape(app_settings.IP_RETENTION_DAYS),
        "contact_email": lambda: format_html('<a href="mailto:{}">{}</a>', email, email),
        "reply_moderation": lambda: escape(DiscussionSettings.current().in_readers_words()),
    }


PLACEHOLDER_HELP = ", ".join(
    "{" + name + "}" for name in ("site_name", "ip_retention_days", "contact_email", "reply_moderation")
)


class PageQuerySet(models.QuerySet):
    def listed(self):
        """Every page (title, address, whether it is in the footer), remembered until something readers see changes."""
        return pagecache.per_generation("pages", lambda: list(self.all()))

    def footer(self):
        return [page for page in self.listed() if page.in_footer]

    def by_slug(self, slug):
        return next((page for page in self.listed() if page.slug == slug), None)


class Page(models.Model):
    title = models.CharField(max_length=120)
    slug = models.SlugField(
        max_length=80, unique=True, help_text='The page\'s address on the site: "about" makes it /about/.'
    )
    summary = models.CharField(
        max_length=250, blank=True, help_text="One sentence for search engines and link previews."
    )
    body = models.TextField(
        help_text="Written as stories are. These words are replaced by their current value when the page is shown: "
        + PLACEHOLDER_HELP
        + " (the number of days replies' IP addresses are kept, the contact address, and when replies appear"
        " as the discussion settings say)."
    )
    body_html = models.TextField(editable=False, blank=True)
    in_footer = models.BooleanField("linked in the footer", default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Footer links are in the order of this number.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = clean_story_html(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("pages:page", kwargs={"slug": self.slug})

    def clean(self):
        """A page may not take an address the site already uses (/search/, /admin/, …)."""
        if self.slug:
            try:
                match = resolve(f"/{self.slug}/")
            except Resolver404:
                return
            if match.view_name != "pages:page":
                raise ValidationError({"slug": f"/{self.slug}/ is already an address of the site: choose another."})

    def html(self):
        """The page's sanitised HTML, its placeholders filled with today's values (each escaped)."""
        html = self.body_html
        for name, value in placeholders().items():
            if "{" + name + "}" in html:
                html = html.replace("{" + name + "}", str(value()))
        return mark_safe(html)  # noqa: S308 - sanitised at save, placeholder values escaped above
