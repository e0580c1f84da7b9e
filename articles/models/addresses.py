"""How a story is found again: the addresses it had before it moved, and the seed story's own key."""


from django.db import models


class StoryAddress(models.Model):
    """An address a story had before its slug or date changed: it answers a permanent redirect, for good.

    Every old address points at the story itself, not at the next address, so a chain of
    moves is one hop. A story found at an address always wins over an old one.
    """

    path = models.CharField(max_length=300, unique=True)
    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="old_addresses")
    moved_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "old address"
        verbose_name_plural = "old addresses"

    def __str__(self):
        return self.path




class SeedStory(models.Model):
    """The seed stories `load_seed_story` has loaded, by a key of their own (not the slug editors may change).

    Kept after the story is edited, moved or deleted, so loading again neither duplicates nor resurrects it.
    """

    key = models.CharField(max_length=80, unique=True)
    article = models.ForeignKey("Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    loaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.key
