"""A story's search entry follows its live updates (articles.search.index_story): when one is posted, edited,
published, moved or deleted, and again when a scheduled one comes due (a task that waits for its time, where the
task backend can wait), so an update's words are found from the moment readers can see them, never before."""

from articles import search
from articles.models import Article
from background import task


@task()
def index_story(article_id):
    """Index the story's words and its updates readers see now."""
    story = Article.objects.filter(pk=article_id).first()
    if story is not None:
        search.index_story(story)


def updates_changed(sender, instance, origin=None, **kwargs):
    """LiveUpdate's post_save and post_delete: the story's entry now, and at a scheduled update's time. Not when the
    update goes with its story (the deletion began elsewhere): the story's entry goes too."""
    if origin is not None and getattr(origin, "model", type(origin)) is not sender:
        return
    story = Article.objects.filter(pk=instance.article_id).first()
    if story is None:
        return
    search.index_story(story)
    if instance.is_scheduled() and index_story.get_backend().supports_defer:
        index_story.using(run_after=instance.publish_at).enqueue(story.pk)
