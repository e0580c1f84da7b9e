"""The privacy notice names the `newsroom_replied` cookie: the marker that tells a story page's script to ask
for the reader's own replies (story pages are the same for every reader). A site still showing the notice
0003 stored gets the new one; a notice an editor has changed is left alone."""

import importlib

from django.db import migrations

earlier = importlib.import_module("pages.migrations.0003_privacy_notice_follows_the_code")
# SHA-256 of the default notice 0003 stored (line ends and outer blank lines aside).
NOTICE_OF_0003 = "01878acf5a35e55edab6185e67130ba72c41f8cdfb8b3d924d429c9992e515cd"


def name_the_replied_marker(apps, schema_editor):
    earlier.update_the_default_notice(apps, schema_editor, replacing=NOTICE_OF_0003)


class Migration(migrations.Migration):

    dependencies = [
        ("pages", "0003_privacy_notice_follows_the_code"),
    ]

    operations = [
        migrations.RunPython(name_the_replied_marker, migrations.RunPython.noop),
    ]
