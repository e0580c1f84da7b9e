"""Reporters write and send stories for review; Editors also publish, curate the front page and share previews.

The seed story already loaded (by its original slug) is recorded by its stable key, so
`load_seed_story` recognises it whatever editors do to it from now on.
"""

from django.db import migrations

EDITORS_GAIN = [
    "publish_article",
    *[f"{action}_{model}" for model in ("previewlink", "frontpage", "featuredstory") for action in ("add", "change", "delete", "view")],
    "view_storyaddress",
]
REPORTERS = [
    "add_article", "change_article", "view_article", "preview_article",
    "add_byline", "change_byline", "delete_byline", "view_byline",
    "add_image", "view_image",
    "view_section", "view_author",
]
SEED_SLUG = "shooting-continues-in-almaty"
SEED_HEADLINE = "Shooting continues in Almaty"


def _permissions(apps, codenames):
    Permission = apps.get_model("auth", "Permission")
    permissions = list(Permission.objects.filter(content_type__app_label="articles", codename__in=codenames))
    missing = set(codenames) - {permission.codename for permission in permissions}
    if missing:
        raise RuntimeError(f"permissions not found: {sorted(missing)}")
    return permissions


def forwards(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # As in 0002: permissions are normally made after all migrations; make the new ones now.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps, using=schema_editor.connection.alias)

    Group = apps.get_model("auth", "Group")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(*_permissions(apps, EDITORS_GAIN))
    reporters, _ = Group.objects.get_or_create(name="Reporters")
    reporters.permissions.add(*_permissions(apps, REPORTERS))

    Article = apps.get_model("articles", "Article")
    SeedStory = apps.get_model("articles", "SeedStory")
    # Loaded before keys existed: by its original slug, or (moved since) its original headline, the oldest copy.
    seed = (
        Article.objects.filter(slug=SEED_SLUG).first()
        or Article.objects.filter(headline=SEED_HEADLINE).order_by("pk").first()
    )
    if seed is not None:
        SeedStory.objects.get_or_create(key="almaty", defaults={"article": seed})


def backwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Reporters").delete()
    for editors in Group.objects.filter(name="Editors"):
        editors.permissions.remove(*_permissions(apps, EDITORS_GAIN))


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_editors_desk")]

    operations = [migrations.RunPython(forwards, backwards)]
