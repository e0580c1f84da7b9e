"""The pictures inside a story's text (picture blocks of its body), kept as rows so the library refuses to delete
a picture a story shows.

Apart from story.py, which keeps them in step on every save (BodyPicture.keep_for); the story is named by its
model name here, so this module imports nothing of story.py.
"""

from django.db import models

from pictures.blocks import picture_ids
from pictures.models import Image


class BodyPicture(models.Model):
    """A picture inside a story's text (a picture block of its body): the library refuses to delete it meanwhile."""

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="body_pictures")
    image = models.ForeignKey(Image, on_delete=models.PROTECT, related_name="in_story_text")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "image"], name="unique_body_picture")]
        verbose_name = "picture in a story's text"

    def __str__(self):
        return f"{self.article.headline} (in its text)"

    @classmethod
    def keep_for(cls, story):
        """Record the pictures the story's body shows now (ids that name no picture are left out)."""
        wanted = set(Image.objects.filter(pk__in=picture_ids(story.body_html)).values_list("pk", flat=True))
        have = set(cls.objects.filter(article=story).values_list("image_id", flat=True))
        cls.objects.filter(article=story, image_id__in=have - wanted).delete()
        cls.objects.bulk_create([cls(article=story, image_id=pk) for pk in wanted - have])
