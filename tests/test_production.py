"""Production settings: the deploy check, security headers, login lockouts, /healthz, storage choices."""

import json
import os
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.db.utils import OperationalError
from django.utils import timezone

from newsroom import health

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "correct-horse-battery-staple-42"
# Variables a developer's shell may carry that must not leak into a "production" subprocess.
DEV_ONLY = ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SECURE_SSL_REDIRECT", "DJANGO_SECURE_COOKIES", "DJANGO_SECURE_HSTS_SECONDS")


def production_env(tmp_path, **extra):
    env = {key: value for key, value in os.environ.items() if key not in DEV_ONLY and not key.startswith("AWS_")}
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="news.example.org",
        DJANGO_DATA_DIR=str(tmp_path),
        **extra,
    )
    return env


def settings_in(env, *names):
    """The named settings as a separate process sees them with `env` (test settings are already loaded here)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names!r}}}, default=str))"
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path, NEWSROOM_SITE_URL="https://news.example.org"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_debug(tmp_path):
    """The check above has teeth: the same environment with DEBUG on fails it."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path, DJANGO_DEBUG="1", NEWSROOM_SITE_URL="https://news.example.org"),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DEBUG" in result.stdout + result.stderr


def test_check_deploy_refuses_the_local_default_site_address_and_says_what_to_set(tmp_path):
    """Without NEWSROOM_SITE_URL, canonical links, feeds, sitemaps and emails would name http://127.0.0.1:8000:
    `make serve` (which runs check --deploy first) stops and tells the operator to set it."""
    env = production_env(tmp_path)
    env.pop("NEWSROOM_SITE_URL", None)
    deploy = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert deploy.returncode != 0
    assert "newsroom.E001" in deploy.stderr and "Set NEWSROOM_SITE_URL to the https address readers use" in deploy.stderr
    # Only the deploy check: migrate and the rest (the test servers, the benchmark) run as before.
    plain = subprocess.run([sys.executable, "manage.py", "check"], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0, plain.stderr


@pytest.mark.parametrize(
    ("address", "error"),
    [
        ("http://127.0.0.1:8000", "newsroom.E001"),
        ("https://127.0.1.1", "newsroom.E001"),
        ("https://localhost", "newsroom.E001"),
        ("https://[::1]:8443", "newsroom.E001"),
        ("https://newsroom.local", "newsroom.E001"),
        ("https://10.0.0.5", "newsroom.E001"),
        ("https://0.0.0.0", "newsroom.E001"),
        ("", "newsroom.E001"),
        ("news.example.org", "newsroom.E001"),
        ("http://news.example.org", "newsroom.E002"),
        ("https://news.example.org", None),
        ("https://news.example.org:8443/", None),
    ],
)
def test_the_site_address_must_be_public_and_https_under_production_settings(settings, address, error):
    from newsroom.checks import site_address_is_public

    settings.DEBUG = False
    settings.NEWSROOM_SITE_URL = address
    assert [found.id for found in site_address_is_public(None)] == ([error] if error else [])
    settings.DEBUG = True
    assert site_address_is_public(None) == [], "development on the local address is fine"


def test_every_page_carries_the_security_headers(client):
    from sanitize.embeds import FRAME_SOURCES

    response = client.get("/admin/login/", secure=True)
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy == {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
        # Frames only from the site itself (the editors' side-by-side preview, whose frame alone may be framed)
        # and the embed providers, for the embeds a reader asks for (sanitize/embeds.py).
        "frame-src": " ".join(["'self'", *FRAME_SOURCES]),
    }
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "interest-cohort=()"):
        assert feature in permissions


def test_plain_http_is_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # production's default (the deploy check above insists on it)
    response = client.get("/admin/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_cookies_are_secure_and_hidden_from_scripts(client, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.org", PASSWORD)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "chief", "password": PASSWORD}, secure=True
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["samesite"] == "Lax"
    csrf = client.get("/admin/login/", secure=True).cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]


# -- /healthz -------------------------------------------------------------------------------------------------


def test_healthz_reports_database_cache_and_queue_ok_to_a_load_balancer(client):
    # A load balancer probes by address, over plain HTTP: no host check, no HTTPS redirect.
    for path in ("/healthz", "/healthz/live"):
        response = client.get(path, HTTP_HOST="10.1.2.3:8000")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "queue": {"status": "ok"}}
        assert response["Cache-Control"] == "no-store"
    response = client.get("/healthz/ready", HTTP_HOST="10.1.2.3:8000")
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


def test_only_readiness_fails_when_the_database_is_unreachable_without_saying_why(client, monkeypatch):
    def unreachable():
        raise OperationalError('connection to server at "db.internal" failed: password "hunter2-secret" rejected')

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "failing"}
    assert b"hunter2" not in response.content and b"db.internal" not in response.content
    live = client.get("/healthz")
    assert live.status_code == 200, "the process still answers: restarting it would not bring the database back"
    assert live.json()["status"] == "failing" and live.json()["database"] == "failing"
    assert b"hunter2" not in live.content


def test_a_cache_outage_is_degraded_logged_and_still_live_and_ready(client, settings, caplog):
    # Nothing listens on port 9 (discard) of loopback: the Redis client fails at once.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["cache"]) == ("degraded", "failing")
    assert "healthz: cache check failed" in caplog.text
    assert client.get("/healthz/ready").status_code == 200


def test_other_methods_on_healthz_are_not_answered_by_the_probe(client):
    response = client.post("/healthz", secure=True)
    assert response.status_code in (404, 405)


# -- admin login lockout ---------------------------------------------------------------------------------------


def attempt_login(client, username, password, ip):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, secure=True, REMOTE_ADDR=ip
    )


@pytest.fixture
def chief(django_user_model):
    return django_user_model.objects.create_superuser("chief", "chief@example.org", PASSWORD)


def test_repeated_failures_for_one_account_lock_it_from_that_address(client, chief, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attempt_login(client, "chief", "wrong-guess", "198.51.100.1")
        assert response.status_code == 200
        assert "Please enter the correct username and password" in response.content.decode()

    response = attempt_login(client, "chief", "wrong-guess", "198.51.100.1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Sign-in paused" in page and "15 minutes" in page

    # Even the right password from that address is refused while the lock holds.
    response = attempt_login(client, "chief", PASSWORD, "198.51.100.1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_nobody_can_lock_an_editor_out_from_another_address(client, chief, settings):
    """Failures for a username lock it only together with the address they came from."""
    for n in range(settings.AXES_FAILURE_LIMIT * 2):
        attempt_login(client, "chief", "wrong-guess", f"198.51.100.{n}")
    response = attempt_login(client, "chief", PASSWORD, "192.0.2.200")
    assert response.status_code == 302, "the editor was locked out by someone else's failures"
    assert client.session["_auth_user_id"] == str(chief.pk)


def test_repeated_failures_from_one_address_lock_that_address_only(client, chief, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, f"guess{n}", "wrong-guess", "203.0.113.7")

    assert attempt_login(client, "chief", PASSWORD, "203.0.113.7").status_code == 429
    assert attempt_login(client, "chief", PASSWORD, "203.0.113.8").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lock(client, chief, settings):
    settings.NEWSROOM_TRUST_PROXY = False
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            "/admin/login/",
            {"username": f"guess{n}", "password": "x"},
            secure=True,
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        )
    assert attempt_login(client, "chief", PASSWORD, "203.0.113.9").status_code == 429


def test_the_lock_lifts_after_the_cool_off(client, chief, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, "chief", "wrong-guess", "198.51.100.1")
    assert attempt_login(client, "chief", PASSWORD, "198.51.100.1").status_code == 429

    later = timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    AccessAttempt.objects.update(attempt_time=later)
    assert attempt_login(client, "chief", PASSWORD, "198.51.100.1").status_code == 302


def test_superusers_see_locked_accounts_in_the_admin(client, chief, settings, admin_client):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt_login(client, "chief", "wrong-guess", "198.51.100.1")

    response = admin_client.get("/admin/axes/accessattempt/", secure=True)
    assert response.status_code == 200
    assert "chief" in response.content.decode() and "198.51.100.1" in response.content.decode()


def test_editors_cannot_see_login_attempts(client, django_user_model):
    editor = django_user_model.objects.create_user("edna", password=PASSWORD, is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/axes/accessattempt/", secure=True).status_code == 403


# -- where things are kept, from the environment --------------------------------------------------------------


def test_postgres_and_redis_come_from_the_environment(tmp_path):
    found = settings_in(
        production_env(
            tmp_path,
            DATABASE_URL="postgres://newsroom:pw@db.internal:5432/newsroom",
            REDIS_URL="redis://cache.internal:6379/0",
        ),
        "DATABASES",
        "CACHES",
        "SESSION_ENGINE",
    )
    database = found["DATABASES"]["default"]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 60 and database["CONN_HEALTH_CHECKS"] is True
    assert found["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert found["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/0"
    assert found["CACHES"]["pages-shared"]["LOCATION"] == "redis://cache.internal:6379/0"  # pages shared by every worker
    # Sessions stay in the database: a Redis outage signs no editor out.
    assert found["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_without_redis_the_shared_cache_is_files_every_worker_reads(tmp_path):
    env = production_env(tmp_path)
    env.pop("REDIS_URL", None)  # "without Redis", even when the suite itself runs with it
    found = settings_in(env, "CACHES")["CACHES"]
    assert found["default"]["BACKEND"] == "pagecache.files.SharedFileCache"
    assert found["default"]["LOCATION"] == str(tmp_path / "cache")
    # Pages too, in files every worker reads, with each worker's hottest pages in its memory in front.
    assert found["pages"]["BACKEND"] == "pagecache.store.MemoryInFront"
    assert found["pages-shared"]["BACKEND"] == "pagecache.files.SharedFileCache"
    assert found["pages-shared"]["LOCATION"] == str(tmp_path / "pages")


def test_media_goes_to_object_storage_when_a_bucket_is_named(tmp_path):
    found = settings_in(
        production_env(tmp_path, AWS_STORAGE_BUCKET_NAME="newsroom-media", AWS_S3_CUSTOM_DOMAIN="media.example.org"),
        "STORAGES",
        "CONTENT_SECURITY_POLICY",
        "NEWSROOM_SERVE_MEDIA",
    )
    assert found["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert found["STORAGES"]["default"]["OPTIONS"]["querystring_auth"] is False
    assert found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == ["'self'", "data:", "https://media.example.org"]
    assert found["NEWSROOM_SERVE_MEDIA"] is False


def test_pictures_from_the_bucket_itself_are_allowed_when_there_is_no_custom_domain(tmp_path):
    from storages.backends.s3 import S3Storage

    found = settings_in(production_env(tmp_path, AWS_STORAGE_BUCKET_NAME="newsroom-media"), "CONTENT_SECURITY_POLICY")
    sources = found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]
    url = S3Storage(bucket_name="newsroom-media", querystring_auth=False).url("images/2026/11/lead.jpg")
    assert any(url.startswith(source) for source in sources[2:]), (url, sources)
    assert "https://s3.amazonaws.com/newsroom-media/" in sources  # that bucket only, not all of S3


def test_media_stays_on_disk_without_a_bucket(tmp_path):
    found = settings_in(production_env(tmp_path), "STORAGES", "CONTENT_SECURITY_POLICY")
    assert found["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert found["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert found["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"] == ["'self'", "data:"]


# -- media on disk served by Django only when asked ------------------------------------------------------------


@pytest.fixture
def reload_urls(settings):
    """Rebuild the URL patterns after a settings change (they are read once, at import)."""
    import importlib

    from django.urls import clear_url_caches

    import newsroom.urls

    def reload():
        importlib.reload(newsroom.urls)
        clear_url_caches()

    yield reload
    settings.NEWSROOM_SERVE_MEDIA = False
    reload()


def test_media_is_served_by_django_only_when_the_install_asks(client, settings, media_root, reload_urls):
    (media_root / "images").mkdir(parents=True)
    (media_root / "images" / "lead.txt").write_text("picture bytes")

    settings.NEWSROOM_SERVE_MEDIA = False
    reload_urls()
    assert client.get("/media/images/lead.txt").status_code == 404

    settings.NEWSROOM_SERVE_MEDIA = True
    reload_urls()
    response = client.get("/media/images/lead.txt")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"picture bytes"
    assert client.get("/media/../../newsroom/settings.py").status_code in (400, 404)
    assert client.get("/media/images/").status_code == 404


def test_the_readme_lists_every_environment_variable_the_settings_read():
    settings_source = (REPO / "newsroom" / "settings.py").read_text()
    gunicorn_source = (REPO / "newsroom" / "gunicorn.conf.py").read_text()
    read = set(re.findall(r'env(?:_bool|_int|_list)?\(\s*"([A-Z0-9_]+)"', settings_source))
    read |= set(re.findall(r'environ\.get\("([A-Z0-9_]+)"', gunicorn_source))
    assert "DATABASE_URL" in read and "WEB_CONCURRENCY" in read
    readme = (REPO / "README.md").read_text().split("## Running in production", 1)[1]
    listed = set(re.findall(r"`([A-Z0-9_]+)`", readme))
    missing = {name for name in read - listed if not name.startswith("NEWSROOM_COMMENTS_")}
    assert not missing, f"README's table does not list {sorted(missing)}"


# -- make audit --------------------------------------------------------------------------------------------------


def fake_tools(monkeypatch, dependencies, pillow="INSTALLED: 13.0.0\n  LATEST:    13.0.0\n"):
    """Stand-ins for pip-audit's JSON report and `pip index versions Pillow`."""
    from newsroom import audit

    def run(*args):
        stdout = json.dumps({"dependencies": dependencies, "fixes": []}) if "pip-audit" in args[0] else pillow
        return subprocess.CompletedProcess(args, 0, stdout=stdout, stderr="")

    monkeypatch.setattr(audit, "run", run)
    return audit


def test_audit_fails_on_a_known_vulnerability(monkeypatch, capsys):
    audit = fake_tools(
        monkeypatch,
        [
            {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"]}]},
            {"name": "bleach", "version": "6.4.0", "vulns": []},
        ],
    )
    assert audit.main() == 1
    assert "django 5.2.0: PYSEC-2025-1" in capsys.readouterr().out


def test_audit_says_plainly_when_the_advisory_service_did_not_answer(monkeypatch, capsys):
    skipped = [{"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited"}]
    audit = fake_tools(monkeypatch, skipped)
    assert audit.main() == 0
    assert "NOT AUDITED" in capsys.readouterr().out

    monkeypatch.setenv("AUDIT_STRICT", "1")
    assert audit.main() == 1


def test_audit_fails_when_pillow_is_behind(monkeypatch, capsys):
    audit = fake_tools(
        monkeypatch, [{"name": "pillow", "version": "12.3.0", "vulns": []}], pillow="INSTALLED: 12.3.0\nLATEST: 13.0.0\n"
    )
    assert audit.main() == 1
    assert "Pillow 12.3.0 is installed but 13.0.0 is out" in capsys.readouterr().out


def test_the_sites_own_address_follows_the_port_it_is_served_on(tmp_path):
    assert settings_in(production_env(tmp_path), "NEWSROOM_SITE_URL") == {"NEWSROOM_SITE_URL": "http://127.0.0.1:8000"}
    on_8080 = production_env(tmp_path, PORT="8080")
    assert settings_in(on_8080, "NEWSROOM_SITE_URL") == {"NEWSROOM_SITE_URL": "http://127.0.0.1:8080"}
    public = production_env(tmp_path, PORT="8080", NEWSROOM_SITE_URL="https://news.example.org")
    assert settings_in(public, "NEWSROOM_SITE_URL") == {"NEWSROOM_SITE_URL": "https://news.example.org"}


def test_make_run_gives_its_port_to_the_site(tmp_path):
    """`PORT=8080 make run` serves on 8080, and every command it runs is told so (links, canonical, emails)."""
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "PORT=8080"], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    commands = [line for line in result.stdout.splitlines() if "manage.py" in line]
    assert any("runserver 127.0.0.1:8080" in line for line in commands), result.stdout
    assert all("PORT=8080" in line for line in commands), commands


def test_make_run_and_make_serve_run_the_background_workers_with_the_web_server():
    """One command serves the site: the workers (the readers' queue, the rest) start beside the web server, in its
    shell, and stop with it."""
    for target, server in (("run", "manage.py runserver"), ("serve", "gunicorn newsroom.wsgi")):
        result = subprocess.run(
            ["make", "--dry-run", "--always-make", target], cwd=REPO, capture_output=True, text=True, timeout=60
        )
        assert re.search(
            r"manage\.py db_worker --queue-name pages & pages_worker=\$!; [^\n]*manage\.py db_worker --exclude-queues pages "
            r"& worker=\$!; trap 'kill \$pages_worker \$worker 2>/dev/null' EXIT INT TERM; \\\n[^\n]*" + server,
            result.stdout,
        ), result.stdout
