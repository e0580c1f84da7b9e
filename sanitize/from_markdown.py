"""Bringing bodies written in Markdown (before the rich-text editor) into HTML once, and back: for data migrations.

Forward, each body becomes the HTML readers already got from it (render_markdown), so nothing changes on the
page. Back, the HTML becomes Markdown again (markdown_from_html), which renders to the same HTML readers saw,
except pictures inside a story, which Markdown never had. The saved revisions of the model (django-reversion)
are converted too, so restoring an old version brings back text in the form the body is written in.
"""

import json

from django.db import migrations

from . import markdown_from_html, render_markdown


def convert_bodies(app_label, model_name, *, revisions=True):
    """A RunPython operation converting `body` (and `body_html`) of app_label.model_name, both ways."""

    def forward(apps, schema_editor):
        _convert(apps, app_label, model_name, revisions, render_markdown, lambda html: html)

    def backward(apps, schema_editor):
        _convert(apps, app_label, model_name, revisions, markdown_from_html, render_markdown)

    return migrations.RunPython(forward, backward)


def _convert(apps, app_label, model_name, revisions, convert, rendered):
    """`convert` turns a body into the other form; `rendered` is what that side's code makes of it for readers."""
    model = apps.get_model(app_label, model_name)
    for pk, body in model.objects.values_list("pk", "body"):
        text = convert(body)
        model.objects.filter(pk=pk).update(body=text, body_html=rendered(text))
    if not revisions:
        return
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    content_type = ContentType.objects.filter(app_label=app_label, model=model_name.lower()).first()
    if content_type is None:
        return
    for version in Version.objects.filter(content_type=content_type, format="json"):
        data = json.loads(version.serialized_data)
        for entry in data:
            if isinstance(entry.get("fields", {}).get("body"), str):
                entry["fields"]["body"] = convert(entry["fields"]["body"])
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])
