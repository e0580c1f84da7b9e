"""The "Moderators" group: view, change and delete replies; nothing about stories."""

from django.db import migrations

CODENAMES = ["view_comment", "change_comment", "delete_comment"]


def create_moderators(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations have run; make them now so a
    # fresh database gets a complete group (the historical app config has no models module).
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="comments", codename__in=CODENAMES)
    if permissions.count() != len(CODENAMES):
        raise RuntimeError("Moderators group: comment permissions not found.")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.set(permissions)


def remove_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderators").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderators, remove_moderators)]
