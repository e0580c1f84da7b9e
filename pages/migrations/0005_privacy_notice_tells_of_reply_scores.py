"""The privacy notice tells that each reply is scored on arrival, on the site's own server (comments/scores.py).
A site still showing the notice 0004 stored gets the new one; a notice an editor has changed is left alone."""

import importlib

from django.db import migrations

earlier = importlib.import_module("pages.migrations.0003_privacy_notice_follows_the_code")
# SHA-256 of the default notice 0004 stored (line ends and outer blank lines aside).
NOTICE_OF_0004 = "8abe7ee72c09caf0f484292190b57f4cc77688857c780bd29c1d03e507c3b977"


def tell_of_reply_scores(apps, schema_editor):
    earlier.update_the_default_notice(apps, schema_editor, replacing=NOTICE_OF_0004)


class Migration(migrations.Migration):

    dependencies = [
        ("pages", "0004_privacy_notice_names_the_replied_marker"),
    ]

    operations = [
        migrations.RunPython(tell_of_reply_scores, migrations.RunPython.noop),
    ]
