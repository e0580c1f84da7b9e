"""The four pages a newsroom needs, with the default text that ships with Newsroom (pages/defaults/),
and the Editors' rights over pages."""

from pathlib import Path

from django.db import migrations

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"
PAGES = [
    # slug, title, summary
    ("about", "About us", "Who we are and how we work."),
    ("contact", "Contact", "How to reach the newsroom."),
    ("privacy", "Privacy notice", "What we keep about readers who reply, for how long, and how to ask for it or have it erased."),
    ("corrections-policy", "Corrections policy", "How we correct our mistakes, and how to tell us about one."),
]


def create_pages(apps, schema_editor):
    from sanitize import render_markdown

    Page = apps.get_model("pages", "Page")
    db = schema_editor.connection.alias
    for position, (slug, title, summary) in enumerate(PAGES):
        body = (DEFAULTS / f"{slug}.md").read_text()
        Page.objects.using(db).get_or_create(
            slug=slug,
            defaults={"title": title, "summary": summary, "body": body, "body_html": render_markdown(body), "position": position},
        )


def grant_editors(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    db = schema_editor.connection.alias
    app_config = apps.get_app_config("pages")
    app_config.models_module = True  # A historical app config otherwise counts as having no models.
    create_permissions(app_config, verbosity=0, apps=apps, using=db)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.using(db).filter(content_type__app_label="pages", content_type__model="page")
    if permissions.count() != 4:
        raise RuntimeError("Editors group: the page permissions were not made.")
    editors, _ = Group.objects.using(db).get_or_create(name="Editors")
    editors.permissions.add(*permissions)


def remove_pages(apps, schema_editor):
    apps.get_model("pages", "Page").objects.using(schema_editor.connection.alias).filter(
        slug__in=[slug for slug, _, _ in PAGES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("pages", "0001_initial"),
        ("articles", "0002_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_pages, remove_pages),
        migrations.RunPython(grant_editors, migrations.RunPython.noop),
    ]
