"""Odd input at every address, as the roles that reach it: never a 5xx.

Each address of the authorization matrix (tests/test_authorization_matrix.py: ROWS) is sent, in its
query and in its form, a corpus of odd values (Unicode digits, 10 kB strings, NUL, repeated keys,
negative and huge numbers, ...) under every parameter name it could read: the site's own query names
and the fields of the forms the page renders. Its object's id in the path is swapped for odd ids too,
and a few odd paths (invalid UTF-8, %00, very long) go to the site as a whole.

Sampled, not every combination: each value goes once to each address, with all names at once, as
one of the roles that may open it (in turn), so the whole corpus reaches every view in a minute.
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests import authorization_world as world_module
from tests.authorization_world import (  # the world's fixtures (in_savepoint, media_root, world) with its names
    ROLES,
    in_savepoint,  # noqa: F401
    media_root,  # noqa: F401
    world,  # noqa: F401
)
from tests.test_authorization_matrix import ANY, ROWS, at

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
ODD_VALUES = [
    "²", "٣", "x" * 10_000, "\x00", "-1", HUGE, "0001", "", "<b>&amp;\"'", "😀", "0"]
POSTED_VALUES = ["²", "x" * 10_000, "\x00", "-1", HUGE, "٣"]
ODD_IDS = ["²", "٣", "-1", "0", HUGE, "%00", "%FF", "x" * 300]
ODD_PATHS = ["/%FF/", "/%00/", "/" + "a" * 10_000 + "/", "/2026/13/45/x/", "/section/%FF/", "/admin/%FF/",
             "/search/?q=%FF%FE", "/topic/%C3%A9/", "/feeds/latest/?page=%00", "/%E2%80%AE/"]

# The names the site's views read from a query (wherever they come from), besides the forms' fields.
QUERY_NAMES = ["page", "p", "q", "cpage", "replyto", "sort", "updates", "after", "queue", "order", "story", "a", "b",
               "draft", "next", "o", "term", "since", "e", "all", "_changelist_filters", "app_label", "model_name",
               "field_name", "days", "panel", "seen"]

# Odd input the sweep leaves out (the admin's pages get no lookups and no form fields in the query, and no
# odd choice or selection posted), each tried on its own: Django's admin passes these to a widget or to the
# database in every ModelAdmin; they answer 400 (newsroom.middleware.AdminBadInputMiddleware).
ODD_ADMIN_INPUT = {
    ("admin:comments_comment_moderate", "GET", (("story", "²"),)): "?story=² passes isdigit() and int() fails",
    ("admin:comments_comment_moderate", "GET", (("page", "²"),)): "?page=² passes isdigit() and int() fails",
    ("admin:comments_comment_decide", "POST", (("reply", "²"),)): "reply=² passes isdigit() and int() fails",
    ("admin:comments_comment_undo", "POST", (("event", "²"),)): "event=² passes isdigit() and int() fails",
    ("admin:articles_article_add", "GET", (("section", "²"),)):
        "Django's admin takes a form's initial values from the query; an odd foreign key fails in its widget",
    ("admin:articles_article_changelist", "GET", (("publish_at__year", HUGE),)):
        "Django's admin date hierarchy turns a huge year into a date: OverflowError",
    ("admin:articles_article_add", "POST", (("section", "²"),)):
        "Django's admin autocomplete widget, shown again with an odd chosen id, fails",
    ("admin:articles_section_changelist", "POST", (("_selected_action", HUGE),)):
        "Django's admin passes a huge selected id of a list's action to SQLite: OverflowError",
    ("admin:articles_section_changelist", "POST", (("form-TOTAL_FORMS", "1"), ("form-INITIAL_FORMS", "1"),
                                                   ("form-0-id", HUGE), ("form-0-position", "1"), ("_save", "Save"))):
        "Django's admin passes a huge row id of an editable list to SQLite: OverflowError",
}


class FieldNames(HTMLParser):
    """The names a page offers: its form fields, and the query keys of its links to itself."""

    def __init__(self):
        super().__init__()
        self.names = set()
        self.choices = {"_selected_action"}  # what is chosen from a list (a <select>, the list's checkboxes, a row's id)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            self.names.add(attrs["name"])
            if tag == "select" or attrs["name"].endswith("-id"):
                self.choices.add(attrs["name"])
        if tag == "a" and (attrs.get("href") or "").startswith("?"):
            self.names.update(name for name, _ in parse_qsl(attrs["href"][1:]))


def names_on(response):
    """(every field and query name the page offers, the names of its choices)."""
    parser = FieldNames()
    parser.feed(response.content.decode("utf-8", "replace"))
    return parser.names - {"csrfmiddlewaretoken"}, parser.choices


def who_may(row, which):
    """The roles that may open (or post to) the row's address in its first state; every role when nobody may."""
    rule = at(getattr(row, which), row.states[0])
    allowed = [role for role in ROLES if rule == ANY or role in rule.resolve()]
    return allowed or ROLES


def no_server_error(response, what):
    assert response.status_code < 500, f"{what} answered {response.status_code}"


def with_odd_id(path, odd):
    """The path with its last number (the object's id, or a version's) replaced by `odd`; None if it has none."""
    head, query = (path.split("?", 1) + [""])[:2]
    numbers = list(re.finditer(r"/(\d+)/", head))
    if not numbers:
        return None
    last = numbers[-1]
    return head[: last.start(1)] + odd + head[last.end(1):] + (f"?{query}" if query else "")


@pytest.mark.parametrize("row", ROWS, ids=[row.key for row in ROWS])
def test_odd_values_never_answer_a_server_error(row, world, in_savepoint):  # noqa: F811 (fixtures imported above)
    state = row.states[0]
    path = row.fill(world, state).split("?")[0]
    page = world_module.client(world, "superuser").get(path)
    gaps = {name for (key, method, sent) in ODD_ADMIN_INPUT if key == row.key for name, value in sent}
    fields, choices = names_on(page)
    names = sorted((set(QUERY_NAMES) | fields) - gaps)
    admin = path.startswith("/admin/")  # see ODD_ADMIN_INPUT
    if admin:
        names = [name for name in names if "__" not in name and name not in fields or name in QUERY_NAMES]
    readers = who_may(row, "get")
    for number, value in enumerate(ODD_VALUES):
        role = readers[number % len(readers)]
        repeated = [(name, "1") for name in names] if number % 2 else []  # a repeated key: the odd value last
        query = urlencode(repeated + [(name, value) for name in names])
        response = world_module.client(world, role).get(f"{path}?{query}")
        no_server_error(response, f"GET {path} as {role} with every name = {value[:20]!r}")
    if not row.data:
        return
    writers = who_may(row, "post")
    fields = sorted((set(row.data(world, state)) | fields) - gaps - (choices if admin else set()))
    for number, value in enumerate(POSTED_VALUES):
        role = writers[number % len(writers)]
        data = {**row.data(world, state), **{name: [value, value] if number % 2 else value for name in fields}}
        response = world_module.client(world, role).post(path, data)
        no_server_error(response, f"POST {path} as {role} with every field = {value[:20]!r}")


@pytest.mark.parametrize("row", ROWS, ids=[row.key for row in ROWS])
def test_odd_ids_in_the_path_never_answer_a_server_error(row, world, in_savepoint):  # noqa: F811 (fixtures imported above)
    path = row.fill(world, row.states[0])
    for odd in ODD_IDS:
        odd_path = with_odd_id(path, odd)
        if odd_path:
            no_server_error(world_module.client(world, "superuser").get(odd_path), f"GET {odd_path}")


@pytest.mark.parametrize("path", ODD_PATHS, ids=lambda path: path[:40])
@pytest.mark.parametrize("role", ["anonymous", "superuser"])
def test_odd_paths_never_answer_a_server_error(path, role, world, in_savepoint):  # noqa: F811 (fixtures imported above)
    split = urlsplit(path)
    response = world_module.client(world, role).get(split.path, QUERY_STRING=split.query)
    no_server_error(response, f"GET {path[:60]}")


@pytest.mark.parametrize(("key", "method", "sent"), list(ODD_ADMIN_INPUT), ids=list(ODD_ADMIN_INPUT.values()))
def test_odd_admin_input_never_answers_a_server_error(key, method, sent, world, in_savepoint):  # noqa: F811 (fixtures imported above)
    row = next(row for row in ROWS if row.key == key)
    state = row.states[0]
    path = row.fill(world, state)
    role = who_may(row, method.lower())[0]
    if method == "GET":
        response = world_module.client(world, role).get(path, dict(sent))
    else:
        response = world_module.client(world, role).post(path, {**row.data(world, state), **dict(sent)})
    no_server_error(response, f"{method} {path} with {dict(sent)}")


# A query value that is not the canonical one (a page number with leading zeros, an order that is not
# one) is not served as a page of its own.
NON_CANONICAL = [
    ("articles:front", "?page=0001"),
    ("articles:section", "?page=0001"),
    ("articles:detail", "?sort=x"),
    ("articles:detail", "?cpage=0001"),
]


@pytest.mark.parametrize(("key", "query"), NON_CANONICAL)
def test_non_canonical_query_values_are_not_pages_of_their_own(key, query, world, in_savepoint):  # noqa: F811 (fixtures)
    row = next(row for row in ROWS if row.key == key)
    path = row.fill(world, "public" if "public" in row.states else row.states[0])
    assert world_module.client(world, "anonymous").get(path + query).status_code != 200

