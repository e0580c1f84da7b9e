"""Load the seed story from fixtures/almaty/ once: the first story Newsroom ships."""

import datetime
import json
from pathlib import Path

import reversion
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles.models import Article, Author, Byline, Section, SeedStory
from pictures.models import Image
from sanitize import render_markdown

SEED_DIR = Path(settings.BASE_DIR) / "fixtures" / "almaty"


class Command(BaseCommand):
    help = (
        "Load the seed story (fixtures/almaty/) with its section, byline and a generated placeholder picture. "
        "Recognised by its seed key, not its slug: once loaded, nothing is changed, whatever editors did to it "
        "since (edited, moved, deleted)."
    )

    def handle(self, *args, **options):
        seed = json.loads((SEED_DIR / "story.json").read_text(encoding="utf-8"))
        with transaction.atomic():
            loaded = SeedStory.objects.select_for_update().filter(key=seed["key"]).first()
            if loaded is None:
                story = self._create_story(seed)
                SeedStory.objects.create(key=seed["key"], article=story)
        if loaded is not None:
            where = (
                f"now at {loaded.article.get_absolute_url()}" if loaded.article else "since deleted by an editor"
            )
            self.stdout.write(f"Seed story “{seed['story']['headline']}” was loaded before ({where}); nothing changed.")
            return
        self.stdout.write(self.style.SUCCESS(f"Loaded seed story “{story.headline}” at {story.get_absolute_url()}"))

    def _create_story(self, seed):
        section_fields = dict(seed["section"])
        section, _ = Section.objects.get_or_create(slug=section_fields.pop("slug"), defaults=section_fields)
        lead_image = Image.objects.create_placeholder(**seed["lead_image"])
        fields = dict(seed["story"])
        slug = fields.pop("slug")
        if Article.objects.filter(slug=slug).exists():
            # Another story took the address: the seed story comes in beside it, never over it.
            slug = f"{slug}-seed"
        with reversion.create_revision():
            reversion.set_comment("Loaded from the seed story.")
            story = Article.objects.create(
                section=section,
                lead_image=lead_image,
                slug=slug,
                body=render_markdown((SEED_DIR / fields.pop("body_file")).read_text(encoding="utf-8")),
                publish_at=timezone.make_aware(datetime.datetime.fromisoformat(fields.pop("publish_at"))),
                **fields,
            )
            for position, author_fields in enumerate(seed["byline"]):
                author_fields = dict(author_fields)
                author, _ = Author.objects.get_or_create(slug=author_fields.pop("slug"), defaults=author_fields)
                Byline.objects.create(article=story, author=author, position=position)
        return story
