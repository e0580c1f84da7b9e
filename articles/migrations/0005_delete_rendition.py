"""The Rendition model goes (its rows were copied into Image.renditions by 0004), and so do its permissions."""

from django.db import migrations


def forget_rendition_permissions(apps, schema_editor):
    # The content type's permissions, and the Editors group's hold on them, go with it.
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.using(schema_editor.connection.alias).filter(app_label="articles", model="rendition").delete()


def restore_rendition_permissions(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    db = schema_editor.connection.alias
    app_config = apps.get_app_config("articles")
    app_config.models_module = True  # As in 0002: a historical app config otherwise counts as having no models.
    create_permissions(app_config, verbosity=0, apps=apps, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(db).filter(content_type__app_label="articles", content_type__model="rendition")
    for editors in Group.objects.using(db).filter(name="Editors"):
        editors.permissions.add(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_image_renditions_json"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forget_rendition_permissions, restore_rendition_permissions),
        migrations.DeleteModel(name="Rendition"),
    ]
