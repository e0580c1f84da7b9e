"""Joins the editors' desk (0006-0007) and topics (0006-0008); reporters may tag their stories with topics."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    view_topic = Permission.objects.get(content_type__app_label="articles", codename="view_topic")
    for reporters in Group.objects.filter(name="Reporters"):
        reporters.permissions.add(view_topic)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for reporters in Group.objects.filter(name="Reporters"):
        reporters.permissions.remove(*Permission.objects.filter(content_type__app_label="articles", codename="view_topic"))


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_reporters_and_review"),
        ("articles", "0008_editors_topics_corrections"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
