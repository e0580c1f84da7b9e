"""Helpers for the comments tests: a story, a reply as a browser would post it, replies already stored."""

import itertools
import json
import re
import time

from django.urls import reverse

from comments.forms import issue_timestamp
from comments.models import Comment, DiscussionSettings

_numbers = itertools.count(1)


def relax_limits(settings):
    """No flood interval between the many posts a test makes; rate-limit tests set their own.

    The discussion settings start from the app's defaults (hold every reply, no word lists),
    whatever the environment running the tests says.
    """
    settings.NEWSROOM_COMMENTS_FLOOD_SECONDS = 0
    settings.NEWSROOM_COMMENTS_HOURLY_CAP = 1000
    settings.NEWSROOM_COMMENTS_REPORT_FLOOD_SECONDS = 0
    settings.NEWSROOM_COMMENTS_REPORTS_HOURLY_CAP = 1000
    settings.NEWSROOM_COMMENTS_HOLD_ALL = True
    settings.NEWSROOM_COMMENTS_MAX_LINKS = 2
    settings.NEWSROOM_COMMENTS_MODERATION_KEYS = []
    settings.NEWSROOM_COMMENTS_DISALLOWED_KEYS = []


def reply_data(story, *, shown_seconds_ago=60, **fields):
    """What the form sends after a reader spent a minute writing, overridden by `fields`."""
    number = next(_numbers)
    data = {
        "name": "Aigerim Reader",
        "email": f"reader{number}@example.org",
        "website": "",
        "body": f"Stay safe, everyone. Reply number {number}.",
        "timestamp": issue_timestamp(story.pk, time.time() - shown_seconds_ago),
        "homepage": "",
        "parent": "",
    }
    data.update(fields)
    return data


def post_reply(client, story, *, ip="203.0.113.7", meta=None, **fields):
    """POST the form from address `ip`; `meta` adds request headers (e.g. HTTP_X_FORWARDED_FOR)."""
    return client.post(
        reverse("comments:post", args=[story.pk]), reply_data(story, **fields), REMOTE_ADDR=ip, **(meta or {})
    )


def read_the_thanks(client, response):
    """Follow a post's redirect to the page with its thanks, and drop the emptied messages cookie, as a browser
    does with a cookie that expired (Django's test client keeps it, empty, and it would make every page personal)."""
    page = client.get(response["Location"])
    assert client.cookies["messages"].value == ""
    del client.cookies["messages"]
    return page


def for_me(client, story, query=""):
    """What the site's JavaScript asks for under a story page every reader shares: this browser's own (JSON)."""
    response = client.get(reverse("comments:for_me", args=[story.pk]) + query, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    return response.json()


def seen_on_the_story(browser, story):
    """What a browser shows under a story once the site's script has run, and what it was told: the thread's
    title, the texts of the replies on the page every reader gets with this browser's own from
    /comments/for-me/ put in, and that answer itself (its token and timestamp left out, numbers blanked)."""
    page = browser.get(story.get_absolute_url()).content.decode()
    mine = for_me(browser, story)
    text = re.compile(r'<li id="comment-(\d+)".*?<div class="reply__text">(.*?)</div>', re.S)
    shown = dict(text.findall(page))
    for own in mine["replies"]:
        shown.setdefault(*text.search(own["html"]).groups())
    told = {name: value for name, value in mine.items() if name not in ("csrf_token", "timestamp")}
    return mine["heading"], sorted(shown.values()), re.sub(r"\d+", "#", json.dumps(told))


def make_reply(story, **fields):
    """A reply stored directly, approved unless told otherwise."""
    number = next(_numbers)
    values = {
        "name": f"Commenter {number}",
        "email": f"stored{number}@example.org",
        "body": f"Stored reply number {number}.",
        "status": Comment.Status.APPROVED,
    }
    values.update(fields)
    parent = values.pop("parent", None)
    reply = Comment(article=story, **values)
    reply.attach_to(parent)
    reply.save()
    return reply


def rules(**fields):
    """Set the moderators' discussion settings (as they would in the admin) for the next posts."""
    DiscussionSettings.objects.update_or_create(pk=1, defaults=fields)


def make_staff(django_user_model, username, group):
    """A staff member in one of the groups the migrations make ("Moderators", "Editors")."""
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username, f"{username}@newsroom.example", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def report(reply, reason="abusive", note="", browser="browser-1", ip="198.51.100.200"):
    """A reader's report about `reply` as the report page takes it, from the browser whose token is `browser`."""
    from comments.moderation import moderator

    assert moderator.report(reply, reason, note, browser, ip) is None, "the report was refused"
    return reply.reports.get(reporter=Comment.hash_token(browser))
