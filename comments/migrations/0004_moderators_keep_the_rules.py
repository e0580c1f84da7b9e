"""Moderators also keep the discussion settings and read every reply's history."""

from django.db import migrations

CODENAMES = ["view_discussionsettings", "change_discussionsettings", "view_moderationevent"]


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
        raise RuntimeError("Moderators group: discussion settings permissions not found.")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for moderators in Group.objects.filter(name="Moderators"):
        moderators.permissions.remove(*Permission.objects.filter(content_type__app_label="comments", codename__in=CODENAMES))


class Migration(migrations.Migration):
    dependencies = [("comments", "0003_replies_you_can_trust")]

    operations = [migrations.RunPython(grant, revoke)]
