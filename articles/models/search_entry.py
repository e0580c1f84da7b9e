"""A story's words as search reads them (articles/search.py does the searching)."""


from django.db import models


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
