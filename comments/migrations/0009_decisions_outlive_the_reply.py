"""Moderators' decisions outlive the reply: each keeps the reply's number and its story, and the link to
the reply empties when it is deleted (it used to take its whole history with it)."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def note_reply_and_story(apps, schema_editor):
    Comment = apps.get_model("comments", "Comment")
    ModerationEvent = apps.get_model("comments", "ModerationEvent")
    ModerationEvent.objects.update(
        reply_number=models.F("comment_id"),
        article_id=Subquery(Comment.objects.filter(pk=OuterRef("comment_id")).values("article_id")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("comments", "0008_held_for_who_wrote_it"),
    ]

    operations = [
        migrations.AlterField(
            model_name="moderationevent",
            name="comment",
            field=models.ForeignKey(
                blank=True, help_text="Empty once the reply is deleted; its number and story stay.", null=True,
                on_delete=django.db.models.deletion.SET_NULL, related_name="events", to="comments.comment",
                verbose_name="reply",
            ),
        ),
        migrations.AddField(
            model_name="moderationevent",
            name="article",
            field=models.ForeignKey(
                blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                to="articles.article", verbose_name="story",
            ),
        ),
        migrations.AddField(
            model_name="moderationevent",
            name="reply_number",
            field=models.PositiveBigIntegerField(
                db_index=True, default=0, editable=False, help_text="The reply's id, kept when it is deleted."
            ),
            preserve_default=False,
        ),
        migrations.RunPython(note_reply_and_story, migrations.RunPython.noop),
    ]
