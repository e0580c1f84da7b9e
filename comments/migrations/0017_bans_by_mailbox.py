"""Existing bans compared by mailbox (identity.canonical_email) from now on, their emails trimmed and in
lower case as new ones are saved, and their histories begun with what their rows already say: set by whom
and when, lifted by whom and when."""

from django.db import migrations

from comments.models.identity import canonical_email, normalize_email


def by_mailbox(apps, schema_editor):
    Ban, BanChange = apps.get_model("comments", "Ban"), apps.get_model("comments", "BanChange")
    changes = []
    for ban in Ban.objects.all().iterator():
        if ban.email:
            Ban.objects.filter(pk=ban.pk).update(email=normalize_email(ban.email), email_key=canonical_email(ban.email))
        changes.append(BanChange(ban_id=ban.pk, by_id=ban.created_by_id, at=ban.created_at, what="set"))
        if ban.lifted_at:
            changes.append(BanChange(ban_id=ban.pk, by_id=ban.lifted_by_id, at=ban.lifted_at, what="lifted", after="lifted"))
    BanChange.objects.bulk_create(changes, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("comments", "0016_nothing_published_unseen_reasons_bans_that_stick")]

    operations = [migrations.RunPython(by_mailbox, migrations.RunPython.noop)]
