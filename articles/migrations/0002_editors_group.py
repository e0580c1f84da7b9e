"""The "Editors" group: everything about stories, pictures, sections and authors, plus previewing drafts."""

from django.db import migrations

EDITOR_MODELS = ["article", "byline", "image", "rendition", "section", "author"]


def create_editors(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after all migrations have run; make them now
    # so a fresh database gets a complete group. The historical app config has
    # no models module, which create_permissions() takes as "nothing to do".
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model in EDITOR_MODELS for action in ("add", "change", "delete", "view")]
    codenames.append("preview_article")
    permissions = Permission.objects.filter(content_type__app_label="articles", codename__in=codenames)
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise RuntimeError(f"Editors group: permissions not found: {sorted(missing)}")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*permissions)


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
