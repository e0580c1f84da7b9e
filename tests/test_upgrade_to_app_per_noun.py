"""A site running the layout before pictures/, live/ and desk/ existed upgrades without losing anything.

The database is taken back to the migrations of that layout (everything in the articles app), filled
through the models as they were then, and migrated forward: every row, every right a group holds,
every admin log entry and every django-reversion version comes across, pointing at the new apps.
"""

import datetime
import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from reversion.models import Version

from articles.models import Article
from comments.models import Ban, Comment, Report
from desk.models import EditSession, FeaturedStory, FrontPage, PreviewLink
from live.models import LiveUpdate
from pictures.models import Image

# The migrations of the layout before: pictures, live updates and the desk's models in the articles app.
BEFORE = [("articles", "0010_live_coverage"), ("pictures", None), ("live", None), ("desk", None)]
MOVED = {"image": "pictures", "liveupdate": "live", "editsession": "desk", "previewlink": "desk",
         "frontpage": "desk", "featuredstory": "desk"}

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def migrate(targets):
    """Migrate to `targets`; the models as they are in the migrations now applied."""
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def fill_the_old_site(apps):
    """A newsroom as it stood: stories in every state, a picture, live updates, the desk's rows, revisions,
    replies, a report and a ban; a reporter and an editor in their groups; what the admin logged."""
    get = apps.get_model
    user = get("auth", "User")
    editor = user.objects.create(username="edna", is_staff=True)
    reporter = user.objects.create(username="rita", is_staff=True)
    editor.groups.add(get("auth", "Group").objects.get(name="Editors"))
    reporter.groups.add(get("auth", "Group").objects.get(name="Reporters"))
    section = get("articles", "Section").objects.create(name="World", slug="world")
    picture = get("articles", "Image").objects.create(file="images/2026/12/almaty.jpg", alt_text="A square", width=4, height=3)
    now = timezone.now()
    stories = {}
    for status, publish_at in [("draft", now), ("review", now), ("published", now - datetime.timedelta(hours=1)),
                               ("published", now + datetime.timedelta(days=1)), ("taken_down", now)]:
        slug = f"{status}-{publish_at:%H%M%S%f}"
        stories[slug] = get("articles", "Article").objects.create(
            section=section, headline=slug, slug=slug, body="Words.", status=status, publish_at=publish_at,
            lead_image=picture, live_from=now,
        )
    story = next(s for s in stories.values() if s.status == "published" and s.publish_at < now)
    update = get("articles", "LiveUpdate").objects.create(article=story, body="Shots heard.", image=picture,
                                                         is_key_event=True, created_by=editor)
    get("articles", "LiveUpdate").objects.create(article=story, body="Later.", publish_at=now + datetime.timedelta(hours=2))
    get("articles", "EditSession").objects.create(article=story, user=reporter, draft={"headline": "Draft"})
    get("articles", "PreviewLink").objects.create(article=story, token="t" * 43, shared_with="Legal",
                                                  expires_at=now + datetime.timedelta(days=1))
    front = get("articles", "FrontPage").objects.create(pk=1, lead=story, banner_text="Curfew", banner_story=story)
    get("articles", "FeaturedStory").objects.create(front=front, article=story, position=1)

    content_type = get("contenttypes", "ContentType").objects.get
    revision = get("reversion", "Revision").objects.create(date_created=now, user=editor, comment="Posted.")
    for model, obj in [("liveupdate", update), ("image", picture), ("article", story)]:
        fields = {"article": story.pk, "body": update.body} if model == "liveupdate" else {}
        get("reversion", "Version").objects.create(
            revision=revision, object_id=str(obj.pk), content_type=content_type(app_label="articles", model=model),
            db="default", format="json", object_repr=str(obj.pk),
            serialized_data=json.dumps([{"model": f"articles.{model}", "pk": obj.pk, "fields": fields}]),
        )
    get("admin", "LogEntry").objects.create(
        user=editor, content_type=content_type(app_label="articles", model="liveupdate"), object_id=str(update.pk),
        object_repr="Shots heard.", action_flag=1, action_time=now,
    )

    reply = get("comments", "Comment").objects.create(article=story, name="Reader", email="r@example.com",
                                                      body="Stay safe.", status="approved")
    get("comments", "Comment").objects.create(article=story, parent=reply, root=reply, depth=2, name="Other",
                                              email="o@example.com", body="Held.", status="pending")
    get("comments", "Report").objects.create(comment=reply, reason="spam", reporter="x" * 64)
    get("comments", "Ban").objects.create(email="troll@example.com", reason="Abuse", created_by=editor)
    return {"update": update.pk, "picture": picture.pk, "story": story.pk, "stories": len(stories)}


def rights(group):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=group).permissions.all()}


def test_an_old_site_upgrades_with_every_row_right_and_revision():
    migrate(BEFORE)
    old_type_ids = {
        model: ContentType.objects.get(app_label="articles", model=model).pk for model in MOVED
    }
    filled = fill_the_old_site(migrate(BEFORE))

    migrate(latest())

    # The rows, read through the models where they live now.
    assert Article.objects.count() == filled["stories"]
    assert set(Article.objects.values_list("status", flat=True)) == {"draft", "review", "published", "taken_down"}
    update = LiveUpdate.objects.get(pk=filled["update"])
    assert update.article_id == filled["story"] and update.image_id == filled["picture"] and update.is_key_event
    assert LiveUpdate.objects.count() == 2
    assert Image.objects.get(pk=filled["picture"]).alt_text == "A square"
    assert Article.objects.get(pk=filled["story"]).lead_image_id == filled["picture"]
    assert EditSession.objects.get().draft == {"headline": "Draft"}
    assert PreviewLink.objects.get().shared_with == "Legal"
    assert FrontPage.objects.get().lead_id == filled["story"] and FeaturedStory.objects.count() == 1
    assert Comment.objects.count() == 2 and Report.objects.count() == 1 and Ban.objects.count() == 1

    # The same content types, renamed: nothing that points at them had to move.
    for model, app in MOVED.items():
        assert ContentType.objects.get(app_label=app, model=model).pk == old_type_ids[model]
    assert ContentType.objects.get_for_model(LiveUpdate).pk == old_type_ids["liveupdate"]
    assert not ContentType.objects.filter(app_label="articles", model__in=list(MOVED)).exists()

    # The groups' rights came across, under the new apps' names.
    assert {"pictures.add_image", "pictures.change_image", "desk.change_frontpage", "desk.add_previewlink"} <= rights("Editors")
    assert {"pictures.add_image", "pictures.view_image"} <= rights("Reporters")
    assert not {r for r in rights("Reporters") if r.startswith("desk.")}
    assert not {r for r in rights("Moderators") if r.split(".")[0] in ("pictures", "live", "desk", "articles")}
    editor, reporter = User.objects.get(username="edna"), User.objects.get(username="rita")
    assert editor.has_perm("pictures.change_image") and editor.has_perm("desk.change_frontpage")
    assert reporter.has_perm("pictures.add_image") and not reporter.has_perm("desk.change_frontpage")

    # The revisions: found for the objects where they live now, and readable.
    [version] = Version.objects.get_for_object(update)
    assert version.field_dict["body"] == "<p>Shots heard.</p>"  # and, since, in the editor's HTML
    assert version.content_type.app_label == "live"
    picture_version = Version.objects.get(content_type__app_label="pictures", object_id=str(filled["picture"]))
    assert json.loads(picture_version.serialized_data)[0]["model"] == "pictures.image"
    assert Version.objects.get_for_object(Article.objects.get(pk=filled["story"])).count() == 1
    assert LogEntry.objects.get().get_admin_url() == f"/admin/live/liveupdate/{update.pk}/change/"


def test_the_move_can_be_undone():
    migrate(latest())
    picture_type = ContentType.objects.get(app_label="pictures", model="image").pk
    migrate(BEFORE)
    assert ContentType.objects.get(app_label="articles", model="image").pk == picture_type
    migrate(latest())
    assert ContentType.objects.get(app_label="pictures", model="image").pk == picture_type
