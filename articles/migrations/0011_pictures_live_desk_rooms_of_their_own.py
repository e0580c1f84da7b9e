"""Pictures, live updates, editing sessions, preview links and the front page leave the articles app for
pictures/, live/ and desk/. Nothing in the database moves: their tables keep their names (db_table), and
this migration only takes them out of Django's picture of articles (state). Their content types are
renamed in place, so every permission (and each group's hold of it), admin log entry and django-reversion
version that points at them comes across unchanged; the versions' own copy of the model's name is
rewritten so old versions still open.
"""

import django.db.models.deletion
import json

from django.db import migrations, models

# Where each model went: (model name, its new app).
MOVED = [
    ("image", "pictures"),
    ("liveupdate", "live"),
    ("editsession", "desk"),
    ("previewlink", "desk"),
    ("frontpage", "desk"),
    ("featuredstory", "desk"),
]


def rename_content_types(apps, schema_editor, moves):
    """Give each moved model's content type its new app: same row, same id, so what points at it comes along.

    A content type made for the new app already (a `migrate` run halfway before) is merged into the old one.
    Each django-reversion version of the model also carries the model's name in its serialised data
    ("articles.liveupdate"): rewritten, or reversion could not read it back.
    """
    db = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Version = apps.get_model("reversion", "Version")
    for model, old_app, new_app in moves:
        old = ContentType.objects.using(db).filter(app_label=old_app, model=model).first()
        if old is None:
            continue
        made_since = ContentType.objects.using(db).filter(app_label=new_app, model=model).first()
        if made_since is not None:
            Permission.objects.using(db).filter(content_type=made_since).delete()
            made_since.delete()
        old.app_label = new_app
        old.save(update_fields=["app_label"])
        for version in Version.objects.using(db).filter(content_type=old, format="json"):
            data = json.loads(version.serialized_data)
            for record in data:
                if record.get("model") == f"{old_app}.{model}":
                    record["model"] = f"{new_app}.{model}"
            version.serialized_data = json.dumps(data)
            version.save(update_fields=["serialized_data"])


def move_out(apps, schema_editor):
    rename_content_types(apps, schema_editor, [(model, "articles", app) for model, app in MOVED])


def move_back(apps, schema_editor):
    rename_content_types(apps, schema_editor, [(model, app, "articles") for model, app in MOVED])


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0010_live_coverage'),
        ('pictures', '0001_initial'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('reversion', '0002_add_index_on_version_for_content_type_and_db'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='featuredstory',
                    name='article',
                ),
                migrations.RemoveField(
                    model_name='featuredstory',
                    name='front',
                ),
                migrations.RemoveField(
                    model_name='frontpage',
                    name='banner_story',
                ),
                migrations.RemoveField(
                    model_name='frontpage',
                    name='lead',
                ),
                migrations.RemoveField(
                    model_name='liveupdate',
                    name='image',
                ),
                migrations.AlterField(
                    model_name='article',
                    name='lead_image',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pictures.image'),
                ),
                migrations.AlterField(
                    model_name='author',
                    name='portrait',
                    field=models.ForeignKey(blank=True, help_text="Optional. A picture uploaded under Images, shown on the writer's page.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pictures.image'),
                ),
                migrations.RemoveField(
                    model_name='liveupdate',
                    name='article',
                ),
                migrations.RemoveField(
                    model_name='liveupdate',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='liveupdate',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='previewlink',
                    name='article',
                ),
                migrations.RemoveField(
                    model_name='previewlink',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='EditSession',
                ),
                migrations.DeleteModel(
                    name='FeaturedStory',
                ),
                migrations.DeleteModel(
                    name='FrontPage',
                ),
                migrations.DeleteModel(
                    name='Image',
                ),
                migrations.DeleteModel(
                    name='LiveUpdate',
                ),
                migrations.DeleteModel(
                    name='PreviewLink',
                ),
            ],
        ),
        migrations.RunPython(move_out, move_back),
    ]
