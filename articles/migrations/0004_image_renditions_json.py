"""Renditions move into their Image's row (a JSON list), so printing a picture costs no query.

The Rendition rows are copied into Image.renditions here; 0005 removes the model.
Backwards, the rows are made again from the JSON. No file is touched either way.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 500


def rows_to_json(apps, schema_editor):
    Image = apps.get_model("articles", "Image")
    Rendition = apps.get_model("articles", "Rendition")
    db = schema_editor.connection.alias
    pks = list(Image.objects.using(db).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        records = {pk: [] for pk in pks[start : start + BATCH]}
        rows = (
            Rendition.objects.using(db)
            .filter(image_id__in=list(records))
            .exclude(file="")
            .order_by("image_id", "crop", "format", "width")
            .values_list("image_id", "file", "crop", "format", "width", "height")
        )
        for image_id, name, crop, fmt, width, height in rows:
            records[image_id].append({"crop": crop, "format": fmt, "width": width, "height": height, "name": name})
        changed = [Image(pk=pk, renditions=made) for pk, made in records.items() if made]
        Image.objects.using(db).bulk_update(changed, ["renditions"])


def json_to_rows(apps, schema_editor):
    Image = apps.get_model("articles", "Image")
    Rendition = apps.get_model("articles", "Rendition")
    db = schema_editor.connection.alias
    rows = []
    for image in Image.objects.using(db).only("pk", "renditions").iterator(chunk_size=BATCH):
        rows += [
            Rendition(
                image_id=image.pk,
                file=record["name"],
                crop=record["crop"],
                format=record["format"],
                width=record["width"],
                height=record["height"],
            )
            for record in image.renditions or []
        ]
        if len(rows) >= BATCH:
            Rendition.objects.using(db).bulk_create(rows)
            rows = []
    Rendition.objects.using(db).bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_comments_close_help"),
    ]

    operations = [
        # No change in the database: the old reverse accessor "renditions" would hide the new field while copying.
        migrations.AlterField(
            model_name="rendition",
            name="image",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="articles.image"
            ),
        ),
        migrations.AddField(
            model_name="image",
            name="renditions",
            field=models.JSONField(
                default=list,
                editable=False,
                help_text="The resized copies Newsroom made of the picture: crop, format, width, height and stored name of each.",
            ),
        ),
        migrations.RunPython(rows_to_json, json_to_rows, elidable=False),
    ]
