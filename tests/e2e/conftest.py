"""Browser plumbing for the end-to-end paths: Debian's Chromium driven by Playwright against a live server.

Playwright's own browser download does not work on our machines, so the tests
drive the system Chromium. Where none is found they skip with a reason, unless
E2E=1 (as in CI), where a missing browser is a failure.
"""

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-results" / "screenshots"
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a-long-test-passphrase-42"
TIMEOUT_MS = 15_000  # for every action and expectation


def find_chromium():
    """NEWSROOM_CHROMIUM when set (and then only it), else Debian's /usr/bin/chromium, else `chromium` on PATH."""
    chosen = os.environ.get("NEWSROOM_CHROMIUM")
    for candidate in [chosen] if chosen else [DEBIAN_CHROMIUM, shutil.which("chromium")]:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test, whoever wrote it."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One headless Chromium for these tests; each test gets its own context (cookies, storage).

    Package-scoped rather than session-scoped: while Playwright runs, the test
    thread counts as async, and the rest of the suite should not run that way.
    """
    executable = find_chromium()
    if executable is None:
        where = os.environ.get("NEWSROOM_CHROMIUM") or f"{DEBIAN_CHROMIUM} or on PATH"
        reason = f"Chromium not found at {where}; install Debian's chromium or set NEWSROOM_CHROMIUM"
        if os.environ.get("E2E") == "1":
            pytest.fail(reason + " (E2E=1: browser tests must run)", pytrace=False)
        pytest.skip(reason)
    from django.db import connections
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # a shared CI machine can be slow; 5 s is Playwright's default

    snapshots = {conn.alias: getattr(conn, "_test_serialized_contents", None) for conn in connections.all()}
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        # Playwright's sync API runs an event loop in the test thread; without this,
        # Django refuses every ORM call made there (SynchronousOnlyOperation).
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        # From here on the test thread has a running event loop, so Django hands
        # it a second set of connection objects (asgiref's Local switches storage).
        # They need the snapshot that serialised rollback restores the groups from.
        for alias, snapshot in snapshots.items():
            if snapshot is not None:
                connections[alias]._test_serialized_contents = snapshot
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package", autouse=True)
def migrated_database(browser, django_db_blocker):
    """Start the browser tests from the database exactly as migrations left it.

    A transactional test elsewhere in the suite that does not roll back
    serialised leaves a flushed database whose content types were re-made
    with new ids; restoring the snapshot over those fails on their unique
    names. So flush once, without re-making them, and restore the snapshot.
    """
    from django.core.management import call_command
    from django.db import connections

    with django_db_blocker.unblock():
        for conn in connections.all():
            snapshot = getattr(conn, "_test_serialized_contents", None)
            if snapshot is not None:
                call_command("flush", database=conn.alias, interactive=False, verbosity=0, inhibit_post_migrate=True)
                conn.creation.deserialize_db_from_string(snapshot)


@dataclass
class BrowserLog:
    """What went wrong in the browser while a test ran, so the test can assert that nothing did."""

    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    failed_requests: list = field(default_factory=list)

    def watch(self, page):
        page.on(
            "console", lambda msg: msg.type == "error" and self.console_errors.append(f"{msg.text} ({msg.location})")
        )
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_request_failed(self, request):
        # Cancelled, not failed: a script's superseded lookup (admin's autocomplete as the editor types),
        # or a picture still loading when the test moved on to the next page.
        if request.failure == "net::ERR_ABORTED":
            return
        self.failed_requests.append(f"{request.method} {request.url}: {request.failure}")

    def _on_response(self, response):
        # A page the test asked for may answer 4xx on purpose (a 403 for the
        # moderator); a stylesheet, script or picture that fails never should.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed_requests.append(f"{response.request.method} {response.url}: {response.status}")

    @property
    def problems(self):
        return self.console_errors + self.page_errors + self.failed_requests


@pytest.fixture
def new_page(browser, live_server, django_db_serialized_rollback):
    """Open pages in fresh browser contexts: one per person in the story (reader, moderator, editor).

    Each returned page has a `.log` (BrowserLog). Serialised rollback restores
    the groups made by data migrations, which a transactional test would
    otherwise flush away. The production cookie settings stay as they are:
    Chromium counts http://localhost as a secure context and keeps Secure cookies.
    """
    contexts = []

    def open_page(width=1280, height=900, javascript=True, color_scheme="light"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            color_scheme=color_scheme,  # the reader's system setting: "light" or "dark"
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.log = BrowserLog()
        page.log.watch(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """The reader's page, in a fresh browser context."""
    return new_page()


@pytest.fixture
def screenshot():
    """Save a full-page PNG to test-results/screenshots/<name>.png (kept by CI).

    With SAVE_DOC_SCREENSHOTS=1, a shot taken with `for_docs=True` is also
    copied to docs/screenshots/, where the README shows it.
    """

    def shoot(page, name, *, for_docs=False):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        if for_docs and os.environ.get("SAVE_DOC_SCREENSHOTS") == "1":
            DOC_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOC_SCREENSHOTS / path.name)
        return path

    return shoot


def _staff_member(django_user_model, username, group_name):
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name=group_name).first()
    assert group is not None, f'Group "{group_name}" does not exist: its data migration has not run'
    user = django_user_model.objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(group)
    return user


@pytest.fixture
def editor(django_user_model, django_db_serialized_rollback):
    """A staff user in the "Editors" group."""
    return _staff_member(django_user_model, "edna-editor", "Editors")


@pytest.fixture
def moderator(django_user_model, django_db_serialized_rollback):
    """A staff user in the "Moderators" group."""
    return _staff_member(django_user_model, "moe-moderator", "Moderators")


@pytest.fixture
def log_in():
    """Log a user into /admin/ through its login form, as a person would."""

    def log_in_as(page, user):
        page.goto("/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        return page

    return log_in_as


@pytest.fixture
def axe():
    """axe-core (bundled with axe-playwright-python), returning the serious and critical violations of a page."""
    from axe_playwright_python.sync_playwright import Axe

    checker = Axe()

    def serious_violations(page):
        violations = checker.run(page).response["violations"]
        return [
            {
                "id": v["id"],
                "impact": v["impact"],
                "help": v["help"],
                "nodes": [node["target"] for node in v["nodes"]][:5],
            }
            for v in violations
            if v["impact"] in ("serious", "critical")
        ]

    return serious_violations


@pytest.fixture
def seed_story(django_db_serialized_rollback):
    """The Almaty story, loaded by the same command `make run` uses."""
    from django.core.management import call_command

    from articles.models import Article

    call_command("load_seed_story")
    return Article.objects.get(headline="Shooting continues in Almaty")


@pytest.fixture
def open_for_replies(settings):
    """Comments open on the 2022 seed story whatever the environment says, and no waiting between replies.

    The defaults refuse a form sent within seconds of loading it and a second
    reply from the same IP within seconds; a test types faster than any person
    and posts from one IP.
    """
    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = 0
    settings.NEWSROOM_COMMENTS_MIN_SECONDS = 0
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 0
