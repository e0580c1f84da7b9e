"""Live updates move from the articles app into their own: the table (articles_liveupdate) and its rows
stay where they are, only Django's picture of the models changes.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('articles', '0011_pictures_live_desk_rooms_of_their_own'),
        ('pictures', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LiveUpdate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('headline', models.CharField(blank=True, help_text='Optional: a few words above the update.', max_length=200)),
                        ('body', models.TextField(help_text='Markdown, as in story bodies: *emphasis*, **bold**, [link](https://…), > quote, - list.', verbose_name='text')),
                        ('body_html', models.TextField(blank=True, editable=False)),
                        ('is_key_event', models.BooleanField(default=False, help_text='Listed at the top of the story among the key events, linking here.', verbose_name='key event')),
                        ('publish_at', models.DateTimeField(default=django.utils.timezone.now, help_text='Readers see the update from this time; a time in the future schedules it.', verbose_name='time')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('edited_at', models.DateTimeField(blank=True, editable=False, help_text='Set when the words of an update readers have seen change.', null=True)),
                        ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='live_updates', to='articles.article', verbose_name='story')),
                        ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='live_updates', to='articles.author', verbose_name='byline')),
                        ('created_by', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('image', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='pictures.image', verbose_name='picture')),
                    ],
                    options={
                        'verbose_name': 'live update',
                        'db_table': 'articles_liveupdate',
                        'ordering': ['-publish_at', '-pk'],
                        'indexes': [models.Index(fields=['article', '-publish_at'], name='articles_li_article_849d27_idx')],
                    },
                ),
            ],
        ),
    ]
