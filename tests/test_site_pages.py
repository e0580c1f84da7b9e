"""The pages a newsroom needs (About, Contact, Privacy notice, Corrections policy), edited by editors."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from pages.models import Page
from tests.stories import make_story

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    "address, title",
    [("/about/", "About us"), ("/contact/", "Contact"), ("/privacy/", "Privacy notice"), ("/corrections-policy/", "Corrections policy")],
)
def test_the_four_pages_ship_with_the_project_and_are_linked_in_every_footer(client, address, title):
    page = html(client.get(address))
    assert f'<h1 class="story__headline">{title}</h1>' in page
    footer = html(client.get("/"))
    footer = footer[footer.index('<footer class="site-footer">') :]
    assert f'<a href="{address}">{title}</a>' in footer


def test_the_privacy_notice_says_what_is_kept_for_how_long_and_how_to_have_it_erased(client, settings):
    settings.NEWSROOM_COMMENTS_IP_RETENTION_DAYS = "14"
    settings.NEWSROOM_CONTACT_EMAIL = "privacy@news.example"

    page = html(client.get("/privacy/"))

    for kept in ["your name, email address and website", "your email address is never published", "IP) address"]:
        assert kept in page
    assert "deleted 14 days</strong> after the reply is posted" in page
    assert '<a href="mailto:privacy@news.example">privacy@news.example</a>' in page
    assert "a copy" in page and "erase" in page
    assert "{ip_retention_days}" not in page and "{contact_email}" not in page


def test_the_reply_form_links_to_the_privacy_notice(client):
    story = make_story("Shooting continues in Almaty")
    page = html(client.get(story.get_absolute_url()))
    form = page[page.index('<section id="respond"') :]
    assert "Your email address will not be published. Required fields are marked *" in form
    assert '<a href="/privacy/">our privacy notice</a>' in form


def test_an_editor_changes_a_page_and_readers_see_it_at_once(client):
    assert "We are hiring." not in html(client.get("/about/"))
    about = Page.objects.get(slug="about")
    about.body += "<h2>Jobs</h2><p>We are hiring.</p>"
    about.save()
    page = html(client.get("/about/"))
    assert "<h2>Jobs</h2>" in page and "<p>We are hiring.</p>" in page


def test_a_new_page_appears_in_the_footer_and_one_taken_out_of_it_does_not(client):
    Page.objects.create(title="Ethics code", slug="ethics", body="We do not pay sources.", position=9)
    Page.objects.filter(slug="contact").update(in_footer=False)
    Page.objects.get(slug="about").save()  # update() sends no signal

    page = html(client.get("/"))
    assert '<a href="/ethics/">Ethics code</a>' in page
    assert '<a href="/contact/">Contact</a>' not in page
    assert "We do not pay sources." in html(client.get("/ethics/"))


def test_a_page_is_sanitised_like_a_story(client):
    Page.objects.create(
        title="Hostile", slug="hostile",
        body='<p onclick="x()">&lt;script&gt; <script>alert("x")</script> <a href="javascript:alert(1)">click</a> {site_name}</p>',
    )
    page = html(client.get("/hostile/"))
    body = page[page.index('<div class="story__body">') :]
    assert "<script>" not in body and "javascript:" not in body and "onclick" not in body
    assert "&lt;script&gt;" in body and "Newsroom" in body


def test_a_page_cannot_take_an_address_the_site_uses(db):
    for taken in ["search", "topics", "corrections", "admin"]:
        with pytest.raises(ValidationError, match="already an address of the site"):
            Page(title="X", slug=taken, body="x").full_clean()
    Page(title="Jobs", slug="jobs", body="x").full_clean()


def test_an_address_that_is_no_page_is_not_found_and_not_redirected(client):
    assert client.get("/no-such-page/").status_code == 404
    response = client.get("/no-such-page")
    assert response.status_code == 404  # no redirect to a slash address that is not there either


def test_editors_may_edit_pages_topics_and_corrections():
    codenames = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    for model in ("page", "topic", "correction"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= codenames
    assert not {"add_searchentry", "change_searchentry"} & codenames
