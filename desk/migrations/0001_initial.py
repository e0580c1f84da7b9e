"""Editing sessions, preview links and the front page's choice move from the articles app into the desk:
their tables (articles_*) and rows stay where they are, only Django's picture of the models changes.
"""

import desk.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('articles', '0011_pictures_live_desk_rooms_of_their_own'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FrontPage',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('banner_text', models.CharField(blank=True, help_text='A line shown above the front page, e.g. “Curfew lifted in Almaty”.', max_length=160, verbose_name='breaking news')),
                        ('banner_ends_at', models.DateTimeField(blank=True, help_text='The banner disappears by itself at this time. Leave empty to keep it.', null=True, verbose_name='banner ends at')),
                        ('modified_at', models.DateTimeField(auto_now=True)),
                        ('banner_story', models.ForeignKey(blank=True, help_text='The banner links to this story; it shows only while the story is public.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='articles.article', verbose_name='banner links to')),
                        ('lead', models.ForeignKey(blank=True, help_text='Leave empty to lead with the newest story.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='articles.article', verbose_name='lead story')),
                    ],
                    options={
                        'verbose_name': 'front page',
                        'verbose_name_plural': 'front page',
                        'db_table': 'articles_frontpage',
                    },
                ),
                migrations.CreateModel(
                    name='PreviewLink',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token', models.CharField(default=desk.models.new_preview_token, editable=False, max_length=64, unique=True)),
                        ('shared_with', models.CharField(help_text='Who the link is for, e.g. "Legal: A. Kaliyeva". Shown only in the admin.', max_length=120, verbose_name='for')),
                        ('expires_at', models.DateTimeField(help_text='The link stops working at this time.', verbose_name='expires')),
                        ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='preview_links', to='articles.article')),
                        ('created_by', models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'articles_previewlink',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='EditSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('seen_at', models.DateTimeField(blank=True, null=True)),
                        ('draft', models.JSONField(blank=True, default=dict)),
                        ('draft_saved_at', models.DateTimeField(blank=True, null=True)),
                        ('draft_version', models.PositiveIntegerField(default=0, help_text="The story's edit version the draft started from.")),
                        ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='edit_sessions', to='articles.article')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'articles_editsession',
                        'constraints': [models.UniqueConstraint(fields=('article', 'user'), name='one_edit_session_per_person')],
                    },
                ),
                migrations.CreateModel(
                    name='FeaturedStory',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('article', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='articles.article', verbose_name='story')),
                        ('front', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='featured', to='desk.frontpage')),
                    ],
                    options={
                        'verbose_name': 'featured story',
                        'verbose_name_plural': 'featured stories, after the lead, lowest position first',
                        'db_table': 'articles_featuredstory',
                        'ordering': ['position', 'pk'],
                        'constraints': [models.UniqueConstraint(fields=('front', 'article'), name='feature_a_story_once')],
                    },
                ),
            ],
        ),
    ]
