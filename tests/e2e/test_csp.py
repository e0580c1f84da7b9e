"""Every page a reader, editor or moderator uses runs under the strict Content-Security-Policy.

Chromium reports each blocked inline script, style attribute or foreign
source in its console; a listener for `securitypolicyviolation` events
(added before any page script runs) reports the ones the console might word
differently. A test fails if any page it visited reported one.
"""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect
from reversion.models import Version

from articles.models import Article
from comments.models import Comment
from desk.models import FrontPage
from live.models import LiveUpdate
from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def story():
    call_command("load_seed_story")
    story = Article.objects.published().get()
    Comment.objects.create(
        article=story, name="Aigerim", email="aigerim@example.org", body="Stay safe, Almaty.", status="approved"
    )
    Comment.objects.create(article=story, name="Pending Pat", email="pat@example.org", body="Waiting for a moderator.")
    return story


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("chief", "chief@example.org", PASSWORD)


def csp_violations(page):
    return [line for line in page.log.console_errors if "Content Security Policy" in line or "CSP violation" in line]


def visit(page, path):
    response = page.goto(path)
    assert response.status == 200, f"{path} answered {response.status}"
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, f"{path} has policy {policy!r}"
    page.wait_for_load_state("load")
    return response


def test_reader_pages_run_without_csp_violations(story, page, settings):
    settings.NEWSROOM_COMMENTS_CLOSE_AFTER_DAYS = 0  # the seed story is old: keep its reply form open
    page.context.add_init_script(REPORT_VIOLATIONS)
    for path in [
        "/",
        story.section.get_absolute_url(),
        "/search/?q=almaty",
        "/topics/",
        "/author/newsroom-staff/",
        "/corrections/",
        "/privacy/",
        story.get_absolute_url(),
    ]:
        visit(page, path)

    # "Reply" moves the form under the reply with a script; sent empty, it comes back with its errors.
    page.get_by_role("link", name="Reply to Aigerim").click()
    page.get_by_role("button", name="Post Comment").click()
    # The script first asks /comments/for-me/ for the form's token, then sends: wait for the answer's page.
    expect(page.get_by_text("This field is required").first).to_be_visible()

    # Reporting a reply: its own small page, its form sent empty comes back with its error.
    visit(page, f"/comments/report/{Comment.objects.get(name='Aigerim').pk}/")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Choose a reason.")).to_be_visible()

    page.goto("/no-such-story/")
    assert csp_violations(page) == []


def test_the_login_lockout_page_runs_without_csp_violations(page, settings, screenshot):
    page.context.add_init_script(REPORT_VIOLATIONS)
    page.goto("/admin/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("nobody")
        page.get_by_label("Password").fill("wrong-guess")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="Sign-in paused").is_visible()
    screenshot(page, "login-lockout")
    assert csp_violations(page) == []


def test_admin_pages_run_without_csp_violations(story, superuser, page, log_in):
    page.context.add_init_script(REPORT_VIOLATIONS)
    visit(page, "/admin/login/?next=/admin/")
    log_in(page, superuser)

    comment = Comment.objects.first()
    version = Version.objects.get_for_object(story).first()
    FrontPage.current()
    update = LiveUpdate.objects.create(article=story, body="Gunfire near the airport.")
    for path in [
        f"/admin/articles/article/{story.pk}/history/",
        f"/admin/articles/article/{story.pk}/history/compare/?a={version.pk}&b=now",
        f"/admin/articles/article/{story.pk}/history/{version.pk}/restore/",
        "/admin/desk/frontpage/1/change/",
        f"/admin/articles/article/{story.pk}/live/",
        f"/admin/live/liveupdate/{update.pk}/change/",
        "/admin/articles/article/?state=scheduled",
        "/admin/",
        "/admin/articles/article/",
        f"/admin/articles/article/{story.pk}/change/",
        "/admin/articles/article/add/",
        "/admin/pictures/image/",
        f"/admin/pictures/image/{story.lead_image_id}/change/",
        f"/admin/pictures/image/{story.lead_image_id}/delete/",  # refused: the story named
        "/admin/pages/page/1/change/",
        "/admin/comments/comment/",
        f"/admin/comments/comment/{comment.pk}/change/",
        f"/admin/comments/comment/{comment.pk}/delete/",
        f"/admin/comments/comment/{comment.pk}/history/",
        "/admin/comments/comment/?status__exact=pending",
        "/admin/comments/comment/moderate/",
        f"/admin/comments/comment/moderate/?queue=all&story={story.pk}",
        f"/admin/comments/comment/{comment.pk}/ban/",
        "/admin/comments/ban/",
        "/admin/comments/ban/add/",
        "/admin/auth/user/",
        f"/admin/auth/user/{superuser.pk}/change/",
        "/admin/axes/accessattempt/",
    ]:
        visit(page, path)
    # The popup an editor opens with the "+" beside the lead picture field.
    visit(page, "/admin/pictures/image/add/?_to_field=id&_popup=1")
    assert csp_violations(page) == []


@pytest.mark.parametrize(
    "person, paths",
    [
        (
            "moderator",
            [
                "/admin/", "/admin/comments/comment/", "/admin/comments/comment/{reply}/change/",
                "/admin/comments/comment/moderate/", "/admin/comments/comment/{reply}/ban/", "/admin/comments/ban/",
                "/admin/comments/comment/{reply}/author/", "/admin/comments/comment/moderate/dashboard/",
                "{story_page}",  # with a moderator's buttons on each reply
            ],
        ),
        ("editor", ["/admin/", "/admin/articles/article/add/", "/admin/articles/article/{story}/change/"]),
    ],
)
def test_a_moderators_and_an_editors_pages_run_without_csp_violations(story, person, paths, request, new_page, log_in):
    page = new_page()
    page.context.add_init_script(REPORT_VIOLATIONS)
    log_in(page, request.getfixturevalue(person))
    for path in paths:
        visit(page, path.format(reply=Comment.objects.first().pk, story=story.pk, story_page=story.get_absolute_url()))
    if person == "moderator":  # the keyboard works under the policy too
        page.goto("/admin/comments/comment/moderate/")
        page.locator(".mod-item.is-current").wait_for()
        page.keyboard.press("a")
        page.get_by_role("status").get_by_text("Approved").wait_for()
        page.goto(f"/admin/comments/comment/{Comment.objects.first().pk}/change/")  # the author's panel, fetched
        page.get_by_role("link", name="All replies, notes and bans of Aigerim").click()
        page.get_by_role("heading", name="Notes from the moderators").wait_for()
    assert csp_violations(page) == []
