"""Logs: one line per event on stdout, and never a reader's email address or a secret."""

import io
import logging
import time
import urllib.error
import urllib.request

import pytest

from tests import gunicorn_server

log = logging.getLogger("newsroom.tests")


@pytest.fixture
def stdout_log():
    """What the configured stdout handler (with its filter and formatter) writes, read back as text."""
    handler = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "stdout")
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_an_email_address_in_a_log_message_is_masked(stdout_log):
    log.warning("reply held for moderation from %s", "jane.doe+news@example.co.uk")
    out = stdout_log.getvalue()
    assert "reply held for moderation from [email]" in out
    assert "example.co.uk" not in out


def test_the_secret_key_and_service_passwords_are_masked(stdout_log, settings):
    settings.EMAIL_HOST_PASSWORD = "smtp-password-9f8e7d"
    log.error("settings dump: key=%s smtp=%s", settings.SECRET_KEY, "smtp-password-9f8e7d")
    log.error("could not reach redis://default:r3dis-pa55word@cache.internal:6379/0")
    out = stdout_log.getvalue()
    assert settings.SECRET_KEY not in out
    assert "smtp-password-9f8e7d" not in out
    assert "r3dis-pa55word" not in out
    assert "key=[secret] smtp=[secret]" in out
    assert "redis://[secret]@cache.internal" in out


def test_a_traceback_is_one_masked_line(stdout_log):
    try:
        raise ValueError("no reader with address\nreader@example.org")
    except ValueError:
        log.exception("lookup failed")
    lines = [line for line in stdout_log.getvalue().splitlines() if "lookup failed" in line or "Traceback" in line]
    assert len(lines) == 1
    assert "Traceback" in lines[0] and "ValueError" in lines[0]
    assert "reader@example.org" not in lines[0] and "[email]" in lines[0]


def test_a_server_error_is_logged_without_the_posted_email(client, stdout_log, monkeypatch):
    """Django's request logger includes the error; an exception message quoting form data is masked too."""
    from django.contrib.admin.sites import site

    def broken_login(request, extra_context=None):
        raise RuntimeError(f"login broke for {request.POST.get('username')}")

    monkeypatch.setattr(site, "login", broken_login)
    client.raise_request_exception = False
    response = client.post("/admin/login/", {"username": "chief@example.org", "password": "pw"})
    assert response.status_code == 500
    out = stdout_log.getvalue()
    assert "Internal Server Error: /admin/login/" in out
    assert "chief@example.org" not in out


@pytest.mark.django_db
def test_a_preview_links_token_is_in_no_log_line(client, stdout_log):
    """Whoever holds /preview/<token>/ reads the unpublished story: the token is masked in every line that
    names the path (Django's 404 and 500 lines, runserver's request lines, anything a view logs)."""
    import datetime

    from django.utils import timezone

    from desk.models import PreviewLink
    from tests.stories import make_story

    draft = make_story("Merger agreed", status="draft")
    link = PreviewLink.objects.create(article=draft, expires_at=timezone.now() + datetime.timedelta(days=1))
    expired = PreviewLink.objects.create(article=draft, expires_at=timezone.now() - datetime.timedelta(days=1))
    assert client.get(link.get_absolute_url()).status_code == 200
    assert client.get(expired.get_absolute_url()).status_code == 404  # Django logs "Not Found: <path>"
    try:
        raise RuntimeError(f"preview of {link.get_absolute_url()} broke")
    except RuntimeError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", link.get_absolute_url())
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {link.get_absolute_url()} HTTP/1.1", 200, 512)
    log.warning("a preview was opened: %s", link.get_absolute_url())

    out = stdout_log.getvalue()
    assert "Not Found: /preview/[secret]/" in out
    assert '"GET /preview/[secret]/ HTTP/1.1" 200 512' in out
    assert link.token not in out and expired.token not in out


@pytest.fixture
def gunicorn(tmp_path):
    """gunicorn with the production config; yields its URL and a reader of what it logged."""
    log_path = tmp_path / "gunicorn.log"
    with gunicorn_server.gunicorn(gunicorn_server.server_env(tmp_path), log_path) as base:
        yield base, log_path


def test_gunicorn_access_log_leaves_out_query_strings_and_referrers(gunicorn):
    base, log_path = gunicorn
    request = urllib.request.Request(
        base + "/healthz?unsubscribe=reader%40example.org&email=reader@example.org",
        headers={"Referer": "https://news.example.org/search?q=reader@example.org"},
    )
    assert urllib.request.urlopen(request, timeout=5).status == 200
    time.sleep(0.5)  # gunicorn writes the access line after the response
    access = [line for line in log_path.read_text().splitlines() if "gunicorn.access" in line]
    assert any('"GET /healthz HTTP/1.1" 200' in line for line in access), access
    assert not any("reader" in line or "unsubscribe" in line or "search" in line for line in access)


def test_gunicorn_access_log_masks_an_email_address_in_the_path(gunicorn):
    base, log_path = gunicorn
    with pytest.raises(urllib.error.HTTPError):  # no such page (and this bare server has no error templates' static files)
        urllib.request.urlopen(base + "/unsubscribe/reader@example.org/", timeout=5)
    time.sleep(0.5)
    access = [line for line in log_path.read_text().splitlines() if "gunicorn.access" in line]
    assert any('"GET [email]/ HTTP/1.1"' in line for line in access), access
    assert not any("example.org" in line for line in access)


def test_gunicorn_access_log_masks_a_preview_links_token(gunicorn):
    base, log_path = gunicorn
    token = "pr3view-t0ken-" + "k" * 30
    with pytest.raises(urllib.error.HTTPError):  # this bare server has no database: a 500, logged with its path
        urllib.request.urlopen(base + f"/preview/{token}/", timeout=5)
    time.sleep(0.5)
    access = [line for line in log_path.read_text().splitlines() if "gunicorn.access" in line]
    assert any('"GET /preview/[secret]/ HTTP/1.1"' in line for line in access), access
    assert token not in log_path.read_text(), "nor in Django's error line and traceback"
