"""Editors keep topics and corrections as they keep stories."""

from django.db import migrations

MODELS = ["topic", "correction"]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    db = schema_editor.connection.alias
    app_config = apps.get_app_config("articles")
    app_config.models_module = True  # As in 0002: a historical app config otherwise counts as having no models.
    create_permissions(app_config, verbosity=0, apps=apps, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in MODELS for action in ("add", "change", "delete", "view")]
    permissions = Permission.objects.using(db).filter(content_type__app_label="articles", codename__in=codenames)
    if permissions.count() != len(codenames):
        raise RuntimeError("Editors group: the topic and correction permissions were not made.")
    editors, _ = Group.objects.using(db).get_or_create(name="Editors")
    editors.permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    db = schema_editor.connection.alias
    permissions = Permission.objects.using(db).filter(content_type__app_label="articles", content_type__model__in=MODELS)
    for editors in Group.objects.using(db).filter(name="Editors"):
        editors.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_search_index"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
