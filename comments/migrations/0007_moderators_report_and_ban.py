"""Moderators also read readers' reports and keep the list of bans and suspensions."""

from django.db import migrations

CODENAMES = ["view_report", "view_ban", "add_ban", "change_ban"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # As in 0002: permissions are normally made after all migrations; make the new ones now.
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="comments", codename__in=CODENAMES)
    if permissions.count() != len(CODENAMES):
        raise RuntimeError("Moderators group: report and ban permissions not found.")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for moderators in Group.objects.filter(name="Moderators"):
        moderators.permissions.remove(*Permission.objects.filter(content_type__app_label="comments", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("comments", "0006_moderation_at_newsroom_speed")]

    operations = [migrations.RunPython(grant, revoke)]
