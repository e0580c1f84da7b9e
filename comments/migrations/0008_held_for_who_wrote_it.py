"""A reply held for who wrote it may look published to its author; a ban by IPv6 address covers its /64."""

from django.db import migrations, models


def bans_by_network(apps, schema_editor):
    """Existing bans by IPv6 address are stored as their /64, as new ones are (clientip.network)."""
    from clientip import network

    bans = apps.get_model("comments", "Ban").objects.using(schema_editor.connection.alias)
    for ban in bans.filter(ip_address__contains=":"):
        bans.filter(pk=ban.pk).update(ip_address=network(ban.ip_address))


class Migration(migrations.Migration):

    dependencies = [
        ('comments', '0007_moderators_report_and_ban'),
    ]

    operations = [
        migrations.AddField(
            model_name='comment',
            name='looks_published',
            field=models.BooleanField(default=False, editable=False, help_text='Held for who wrote it; its author was told it is published.', verbose_name='shown to its author as published'),
        ),
        migrations.AlterField(
            model_name='ban',
            name='ip_address',
            field=models.GenericIPAddressField(blank=True, help_text='An IPv6 address bans its whole /64 network.', null=True, verbose_name='IP address'),
        ),
        migrations.AlterField(
            model_name='discussionsettings',
            name='disallowed_keys',
            field=models.TextField(blank=True, help_text='One per line: a word, email or IP address. A reply that contains one goes to spam (its author is never told so).', verbose_name='disallowed words'),
        ),
        migrations.RunPython(bans_by_network, migrations.RunPython.noop),
    ]
