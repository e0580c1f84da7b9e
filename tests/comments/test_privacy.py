"""A commenter's data on request: export as JSON, erase by anonymising or deleting, and IPs purged after N days."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment, RememberedAuthor, Throttle
from tests.comments.support import make_reply, post_reply

pytestmark = pytest.mark.django_db



def run(*args):
    out, err = StringIO(), StringIO()
    call_command("comments_privacy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_export_prints_everything_stored_about_an_email_as_json(story):
    make_reply(
        story, email="me@example.org", body="First.", ip_address="192.0.2.1", user_agent="Firefox", spam_score=0.25
    )
    make_reply(story, email="me@example.org", body="Second.", status=Comment.Status.SPAM)
    make_reply(story, email="someone@example.org", body="Not mine.")
    out, _ = run("export", "ME@example.org")
    data = json.loads(out)
    assert data["emails"] == ["me@example.org"]
    assert [r["body"] for r in data["replies"]] == ["First.", "Second."]
    first = data["replies"][0]
    assert (first["ip_address"], first["user_agent"], first["story"]) == ("192.0.2.1", "Firefox", story.headline)
    assert (first["offensive_score"], first["spam_score"]) == (None, 0.25), "the scores inferred from their words"
    assert first["story_url"].endswith(story.get_absolute_url())


def test_purge_forgets_bans_by_address_that_ended_long_ago_and_keeps_those_in_force(settings):
    from datetime import timedelta

    from django.utils import timezone

    from comments.models import Ban
    from comments.privacy import purge

    now = timezone.now()
    kept = [
        Ban.objects.create(ip_address="192.0.2.1", reason="In force"),
        Ban.objects.create(ip_address="192.0.2.2", reason="Ended lately", until=now - timedelta(days=2)),
        Ban.objects.create(email="old@example.org", reason="By email", until=now - timedelta(days=90)),
    ]
    Ban.objects.create(ip_address="192.0.2.3", reason="Expired long ago", until=now - timedelta(days=31))
    Ban.objects.create(ip_address="192.0.2.4", reason="Lifted long ago", lifted_at=now - timedelta(days=40))
    Ban.objects.create(author_token="b" * 64, reason="A browser, long ago", until=now - timedelta(days=31))
    kept.append(Ban.objects.create(author_token="c" * 64, reason="A browser, in force"))
    purge(days=30)
    assert set(Ban.objects.all()) == set(kept)


def test_export_includes_the_bans_on_an_email_and_erasure_keeps_them(story):
    from comments.models import Ban

    Ban.objects.create(email="me@example.org", reason="Threats")
    Ban.objects.create(email="someone@example.org", reason="Not mine")
    [ban] = json.loads(run("export", "me@example.org")[0])["bans"]
    assert (ban["email"], ban["reason"], ban["lifted_at"]) == ("me@example.org", "Threats", None)
    make_reply(story, email="me.too+x@gmail.com", author_token="d" * 64)
    Ban.objects.create(email="metoo@googlemail.com", reason="Same mailbox")
    Ban.objects.create(author_token="d" * 64, reason="Same browser")
    reasons = [ban["reason"] for ban in json.loads(run("export", "me.too+x@gmail.com")[0])["bans"]]
    assert reasons == ["Same mailbox", "Same browser"]
    run("erase", "me@example.org", "--mode", "delete")
    assert Ban.objects.filter(email="me@example.org").exists()


def test_export_of_an_unknown_email_is_empty_not_an_error(story):
    assert json.loads(run("export", "nobody@example.org")[0])["replies"] == []


def test_erase_anonymise_keeps_the_words_and_drops_the_person(story):
    reply = make_reply(story, name="Dana K", email="me@example.org", website="https://dana.example/", ip_address="192.0.2.1")
    kept = make_reply(story, email="other@example.org")
    _, err = run("erase", "me@example.org", "--mode", "anonymise")
    assert "1 reply" in err
    reply.refresh_from_db()
    assert (reply.name, reply.email, reply.website, reply.ip_address, reply.user_agent, reply.author_token) == (
        "Anonymous", "", "", None, "", ""
    )
    assert reply.body.startswith("Stored reply")
    kept.refresh_from_db()
    assert kept.email == "other@example.org"


def test_erase_delete_removes_the_replies_and_keeps_others_answers(story):
    mine = make_reply(story, email="me@example.org")
    answer = make_reply(story, email="other@example.org", parent=mine)
    run("erase", "me@example.org", "--mode", "delete")
    assert not Comment.objects.filter(email="me@example.org").exists()
    answer.refresh_from_db()
    assert answer.parent is None


def test_erase_needs_a_mode_and_an_email():
    with pytest.raises(CommandError):
        run("erase", "me@example.org")
    with pytest.raises(CommandError):
        run("export", "not-an-email")


def test_purge_clears_ips_and_user_agents_older_than_the_retention(story, settings):
    settings.NEWSROOM_COMMENTS_IP_RETENTION_DAYS = 30
    old = make_reply(story, ip_address="192.0.2.1", user_agent="Old browser", created_at=timezone.now() - timedelta(days=31))
    recent = make_reply(story, ip_address="192.0.2.2", user_agent="New browser", created_at=timezone.now() - timedelta(days=29))
    out = StringIO()
    call_command("purge_comment_ips", stdout=out)
    assert "Cleared the IP address of 1 reply." in out.getvalue()
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.ip_address, old.user_agent) == (None, "")
    assert (recent.ip_address, recent.user_agent) == ("192.0.2.2", "New browser")

    call_command("purge_comment_ips", "--days", "0", stdout=out)
    recent.refresh_from_db()
    assert recent.ip_address is None


def test_a_browsers_remembered_details_are_exported_and_erased_with_the_replies(client, story):
    post_reply(client, story, name="Dana K", email="Me@example.org", body="Remember me.", remember="on")
    data = json.loads(run("export", "me@example.org")[0])
    assert [saved["name"] for saved in data["remembered_in_a_browser"]] == ["Dana K"]
    assert [reply["body"] for reply in data["replies"]] == ["Remember me."]

    run("erase", "me@example.org", "--mode", "anonymise")
    assert not RememberedAuthor.objects.exists()
    assert not Throttle.objects.filter(key__startswith="email:").exists()
    assert 'value="Dana K"' not in client.get(story.get_absolute_url()).content.decode()


def test_purge_forgets_flood_counts_and_unused_remembered_details(client, story):
    post_reply(client, story, email="me@example.org", body="Counted.", remember="on")
    assert Throttle.objects.count() == 2 and RememberedAuthor.objects.count() == 1

    call_command("purge_comment_ips", verbosity=0)
    assert Throttle.objects.count() == 2, "this hour's counts are still needed"

    a_year_on = timezone.now() + timedelta(days=366)
    with pytest.MonkeyPatch.context() as later:
        later.setattr(timezone, "now", lambda: a_year_on)
        call_command("purge_comment_ips", verbosity=0)
    assert not Throttle.objects.exists()
    assert not RememberedAuthor.objects.exists()
    assert Comment.objects.get(body="Counted.").ip_address is None


def test_the_database_and_media_folders_are_for_their_owner_only(tmp_path):
    import stat
    import subprocess
    import sys

    from tests.test_production import REPO, production_env

    data_dir = tmp_path / "data"
    env = production_env(data_dir)
    env.pop("DATABASE_URL", None)  # the embedded default: SQLite in the data folder
    code = (
        "import django; django.setup(); from django.core.files.base import ContentFile; "
        "from django.core.files.storage import default_storage; from django.db import connection; "
        "connection.ensure_connection(); print(default_storage.save('images/2026/11/x.txt', ContentFile(b'x')))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    for path in (data_dir, data_dir / "media", data_dir / "media" / "images" / "2026"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    assert stat.S_IMODE((data_dir / "media" / result.stdout.strip()).stat().st_mode) == 0o600
    assert (data_dir / "db.sqlite3").exists()
