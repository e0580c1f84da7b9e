"""The privacy notice says what the code keeps: every cookie, reports, an author's history, bans, and when
replies appear (the {reply_moderation} placeholder). A site still showing the first default notice gets
the new one; a notice an editor has changed is left alone."""

import hashlib
from pathlib import Path

from django.db import migrations, models

DEFAULT = Path(__file__).resolve().parent.parent / "defaults" / "privacy.md"
# SHA-256 of the notice 0002_default_pages stored (line ends and outer blank lines aside).
FIRST_DEFAULT = "f186a15e89d66ae930d771f6045675c383a9f70f4a0254ff8214e194a363fde9"


def fingerprint(body):
    return hashlib.sha256(body.replace("\r\n", "\n").strip().encode()).hexdigest()


def update_the_default_notice(apps, schema_editor, replacing=FIRST_DEFAULT):
    """The default notice of today for one that is still, word for word, the default `replacing` fingerprints."""
    from sanitize import render_markdown

    pages = apps.get_model("pages", "Page").objects.using(schema_editor.connection.alias)
    notice = pages.filter(slug="privacy").first()
    if notice is not None and fingerprint(notice.body) == replacing:
        notice.body = DEFAULT.read_text()
        notice.body_html = render_markdown(notice.body)
        notice.save(update_fields=["body", "body_html", "updated_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('pages', '0002_default_pages'),
    ]

    operations = [
        migrations.AlterField(
            model_name='page',
            name='body',
            field=models.TextField(help_text="Markdown, as in stories. These words are replaced by their current value when the page is shown: {site_name}, {ip_retention_days}, {contact_email}, {reply_moderation} (the number of days replies' IP addresses are kept, the contact address, and when replies appear as the discussion settings say)."),
        ),
        migrations.RunPython(update_the_default_notice, migrations.RunPython.noop),
    ]
