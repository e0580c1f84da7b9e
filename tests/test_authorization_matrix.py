"""Every address of the site, for every role, for objects in every state: who may see it, who may change
something through it, and that nothing non-public shows to anyone else.

The matrix is a table (ROWS): an address (its URL name, or its route when it has none), how to fill its
arguments for each state of the object it names, and which roles may GET it and which may POST to it.
Each cell (role × address × state) GETs the address and, when it takes a POST (a row with `data`: what a
role with the right would send), POSTs to it, and checks:

- the status class: allowed is 2xx or a redirect elsewhere; refused is 4xx or a redirect to the login
  page or the admin's index (where the admin sends a missing object);
- no marker of a non-public thing (tests/authorization_world.py: MARKERS) in either answer, unless the
  role may read it, and commenters' emails only to roles with comments.change_comment;
- a POST by a role without the right changed nothing (a snapshot of the site's tables before and after);
- never a 5xx.

An address in the URLconf without a row fails test_every_address_has_a_row, so a new view cannot slip
past.
"""

from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.db import connection
from django.urls import URLResolver, get_resolver, resolve, reverse

from tests import authorization_world as world_module
from tests.authorization_world import (  # the world's fixtures (in_savepoint, media_root, world) with its names
    REPLY_STATES,
    ROLES,
    STORY_STATES,
    in_savepoint,  # noqa: F401
    media_root,  # noqa: F401
    readers_of,
    world,  # noqa: F401
)

pytestmark = pytest.mark.django_db

# Who: a set of roles, or the roles holding a permission (resolved once the world is built), or a union.


@dataclass(frozen=True)
class Who:
    roles: frozenset = frozenset()
    perms: tuple = ()  # any role with all of these

    def __or__(self, other):
        return Union((self, other))

    def resolve(self):
        holders = set(self.roles)
        if self.perms:
            holders |= {role for role in ROLES if all(has(role, perm) for perm in self.perms)}
        return holders


@dataclass(frozen=True)
class Union:
    parts: tuple

    def __or__(self, other):
        return Union((*self.parts, other))

    def resolve(self):
        return set().union(*(part.resolve() for part in self.parts))


def has(role, perm):
    return role == "superuser" or perm in world_module.ROLE_PERMISSIONS.get(role, set())


def may(*perms):
    return Who(perms=perms)


def roles(*names):
    return Who(roles=frozenset(names))


NOBODY = roles()
EVERYONE = roles(*ROLES)
STAFF = roles(*ROLES[2:])
PREVIEWERS = may("articles.preview_article")
WRITERS = may("articles.change_article")
EDITORS = may("articles.publish_article")  # publish, schedule, take down: the whole of every story
ANY = "any"  # the status is not checked (a login page, which answers a signed-in person either way)

def story_rule(out, writing, deleted=NOBODY):
    """A rule by story state: `writing` for drafts and stories in review, `out` once it is out."""
    return {"draft": writing, "review": writing, "scheduled": out, "public": out, "taken_down": out, "deleted": deleted}


# How to fill an address's arguments: each gets the world and the state, and returns the path.


def named(name, *args, query=""):
    def fill(w, state):
        return reverse(name, args=[arg(w, state) if callable(arg) else arg for arg in args]) + query

    return fill


def story_pk(w, state):
    return w.stories[state].pk if state in w.stories else w.deleted_story_id


def reply_pk(w, state):
    return w.takendown_reply.pk if state == "on_withdrawn_story" else w.replies[state].pk


def address(suffix=""):
    return lambda w, state: w.addresses[state] + suffix


@dataclass
class Row:
    """One address: how to fill it per state, who may GET it and who may POST to it (per state when a dict)."""

    key: str
    fill: object
    get: object
    post: object = NOBODY
    states: tuple = ("-",)
    data: object = None  # the POST a role with the right would send: (world, state) -> dict
    shown_to_all: dict = field(default_factory=dict)  # state -> marker kinds anyone may see there
    post_status: bool = True  # False: a refused POST may answer anything (a list shown again), as long as nothing changed
    answered_by: str = ""  # the route that answers it, when another (earlier) one shadows it

    def rule(self, which, state):
        return at(getattr(self, which), state)


def model_rows(model, obj, *, view, add, change, delete, states=("-",), delete_post=None, list_post=None, listed=None,
               list_view=None):
    """The five addresses Django's admin gives a model (list, add, change, delete, history) and its bare
    object address (a redirect to the change page), under the model's own rules. The list's POST deletes
    the object in state `listed` (the first state unless told) with the list's action."""
    app, name = model.rsplit("_", 1)
    listed = listed or states[0]
    list_post = list_post or at(delete_post or delete, listed)
    return [
        Row(f"admin:{model}_changelist", named(f"admin:{model}_changelist"), get=list_view or at(view, listed), post=list_post,
            post_status=False, data=lambda w, state: {"action": "delete_selected", "_selected_action": [obj(w, listed)], "post": "yes"}),
        Row(f"admin:{model}_add", named(f"admin:{model}_add"), get=add, post=add, data=lambda w, state: {"_save": "Save"}),
        Row(f"admin:{model}_change", named(f"admin:{model}_change", obj), get=view, post=change,
            states=states, data=lambda w, state: {"_save": "Save"}),
        Row(f"admin:{model}_delete", named(f"admin:{model}_delete", obj), get=delete, post=delete_post or delete, states=states,
            data=lambda w, state: {"post": "yes"}),
        Row(f"admin:{model}_history", named(f"admin:{model}_history", obj), get=view, states=states),
        Row(f"admin/{app}/{name}/<path:object_id>/", lambda w, state: f"/admin/{app}/{name}/{obj(w, state)}/",
            get=STAFF, states=states),
    ]


def at(rule, state):
    """A rule for one state: the rule itself when it is the same for every state."""
    return rule[state] if isinstance(rule, dict) else rule


def perms_of(model):
    app, name = model.rsplit("_", 1)
    return {action: may(f"{app}.{action}_{name}") for action in ("view", "add", "change", "delete")}


def plain_model(model, obj, **overrides):
    """A model whose admin follows Django's permissions as they are."""
    rules = perms_of(model)
    rules["view"] = rules["view"] | rules["change"]
    return model_rows(model, obj, **{**rules, **overrides})


STORY_CHANGE = story_rule(out=EDITORS, writing=WRITERS)
STORY_DELETE = story_rule(out=may("articles.delete_article", "articles.publish_article"), writing=may("articles.delete_article"))
# Deleting a story deletes its replies: only someone who may delete replies too, once it has some.
STORY_DELETE_POST = {**STORY_DELETE, "public": roles("superuser"), "taken_down": roles("superuser")}
STORY_VIEW = story_rule(out=may("articles.view_article"), writing=may("articles.view_article"))
# The admin's side-by-side preview: whoever may see the story in the admin and preview stories.
STORY_PREVIEW = story_rule(out=may("articles.view_article", "articles.preview_article"),
                           writing=may("articles.view_article", "articles.preview_article"))
NEW_DRAFT_KEY = "5b0c7f0e-3d4a-4f7e-9a51-2c7d3e8b1f60"
MODERATORS = may("comments.change_comment")
REPLY_READERS = may("comments.view_comment")
SEEN_ON_SITE = {**story_rule(out=PREVIEWERS, writing=PREVIEWERS), "public": STAFF}

ROWS = [
    # The readers' site.
    Row("articles:front", named("articles:front"), get=EVERYONE),
    Row("articles:topics", named("articles:topics"), get=EVERYONE),
    Row("articles:corrections", named("articles:corrections"), get=EVERYONE),
    Row("articles:search", named("articles:search", query="?q=HEADLINE"), get=EVERYONE),
    Row("articles:section", named("articles:section", "world"), get=EVERYONE),
    Row("articles:section-feed", named("articles:section-feed", "world"), get=EVERYONE),
    Row("articles:author", named("articles:author", "aidos-writer"), get=EVERYONE),
    Row("articles:topic", lambda w, state: reverse("articles:topic", args=[w.topics[state].slug]),
        get={"public": EVERYONE, "embargoed": NOBODY}, states=("public", "embargoed")),
    Row("articles:topic-feed", lambda w, state: reverse("articles:topic-feed", args=[w.topics[state].slug]),
        get={"public": EVERYONE, "embargoed": NOBODY}, states=("public", "embargoed")),
    Row("articles:detail", address(), states=tuple(STORY_STATES),
        get={**story_rule(out=PREVIEWERS, writing=PREVIEWERS), "public": EVERYONE}),
    Row("live:check", address("updates/check/"), states=tuple(STORY_STATES),
        get={state: EVERYONE if state == "public" else NOBODY for state in STORY_STATES}),
    Row("live:updates", address("updates/"), states=tuple(STORY_STATES),
        get={state: EVERYONE if state == "public" else NOBODY for state in STORY_STATES}),
    Row("live:feed", address("updates/feed/"), states=tuple(STORY_STATES),
        get={state: EVERYONE if state == "public" else NOBODY for state in STORY_STATES}),
    Row("live:update", lambda w, state: w.addresses["public"] + f"updates/{w.updates[state].pk}/",
        states=("published", "scheduled"), get={"published": EVERYONE, "scheduled": NOBODY}),
    Row("desk:preview", lambda w, state: reverse("desk:preview", args=[w.preview_links[state].token]),
        states=("valid", "revoked"), get={"valid": EVERYONE, "revoked": NOBODY}, shown_to_all={"valid": ["review"]}),
    Row("pages:page", lambda w, state: reverse("pages:page", args=[w.page.slug]), get=EVERYONE),
    Row("feeds-latest", named("feeds-latest"), get=EVERYONE),
    Row("feeds-atom", named("feeds-atom"), get=EVERYONE),
    Row("sitemap", named("sitemap"), get=EVERYONE),
    Row("sitemap-news", named("sitemap-news"), get=EVERYONE),
    Row("sitemap-section", named("sitemap-section", "stories"), get=EVERYONE),
    Row("robots", named("robots"), get=EVERYONE),
    # Replies: posting to a story, reporting one, a reply's address.
    Row("comments:post", named("comments:post", story_pk), get=NOBODY, states=tuple(STORY_STATES),
        post={state: EVERYONE if state == "public" else NOBODY for state in STORY_STATES}, data=lambda w, state: w.reply_data(state)),
    Row("comments:report", named("comments:report", reply_pk), states=(*REPLY_STATES, "on_withdrawn_story"),
        get={state: EVERYONE if state in ("approved", "featured") else NOBODY for state in (*REPLY_STATES, "on_withdrawn_story")},
        post={state: EVERYONE if state in ("approved", "featured") else NOBODY for state in (*REPLY_STATES, "on_withdrawn_story")},
        data=lambda w, state: {"reason": "abusive", "note": ""}),
    Row("comments:permalink", named("comments:permalink", reply_pk), states=(*REPLY_STATES, "on_withdrawn_story"),
        get={state: EVERYONE if state in ("approved", "featured") else NOBODY for state in (*REPLY_STATES, "on_withdrawn_story")}),
    # A browser's own replies, token and remembered details under a story page every reader shares.
    Row("comments:for_me", named("comments:for_me", story_pk), states=tuple(STORY_STATES),
        get={state: EVERYONE if state == "public" else NOBODY for state in STORY_STATES}),
    # Emails about replies: the signed links sent to a reader (a token is the right; the same answer for anyone).
    Row("comments:confirm_subscription", lambda w, state: reverse("comments:confirm_subscription", args=[w.subscription_tokens["confirm"]]),
        get=EVERYONE, post=EVERYONE, data=lambda w, state: {}),
    Row("comments:unsubscribe", lambda w, state: reverse("comments:unsubscribe", args=[w.subscription_tokens["stop"]]),
        get=EVERYONE, post=EVERYONE, data=lambda w, state: {}),
    # The admin's own pages.
    Row("admin:index", named("admin:index"), get=STAFF),
    Row("admin:login", named("admin:login"), get=ANY, post=ANY, data=lambda w, state: {"username": "rita", "password": "wrong"}),
    Row("admin:logout", named("admin:logout"), get=NOBODY, post=ANY, data=lambda w, state: {}),
    Row("admin:password_change", named("admin:password_change"), get=STAFF, post=STAFF,
        data=lambda w, state: {"old_password": "unused", "new_password1": "a-new-long-pass-9", "new_password2": "a-new-long-pass-9"}),
    Row("admin:password_change_done", named("admin:password_change_done"), get=STAFF),
    Row("admin:autocomplete", lambda w, state: reverse("admin:autocomplete") + w.autocomplete[state],
        states=("topics", "stories"), get={"topics": may("articles.view_topic"), "stories": may("articles.view_article")}),
    Row("admin:jsi18n", named("admin:jsi18n"), get=STAFF),
    Row("admin:app_list", lambda w, state: reverse("admin:app_list", args=[state]),
        states=("auth", "axes", "articles", "pictures", "live", "desk", "comments", "pages", "background",
                "django_tasks_database"),
        get={"auth": roles("superuser"), "axes": roles("superuser"), "background": roles("superuser"),
             "django_tasks_database": roles("superuser"),
             "articles": may("articles.view_article") | may("articles.view_topic") | may("articles.view_section"),
             "comments": REPLY_READERS | may("comments.view_ban") | may("comments.view_discussionsettings"),
             "pictures": may("pictures.view_image") | may("pictures.change_image"), "live": WRITERS,
             "desk": may("desk.view_frontpage") | may("desk.change_frontpage"),
             "pages": may("pages.view_page")}),
    Row("admin/(?P<url>.*)$", lambda w, state: "/admin/no-such-page/", get=NOBODY),
    Row("admin:view_on_site", lambda w, state: reverse("admin:view_on_site", args=[w.article_type, story_pk(w, state)]),
        states=tuple(STORY_STATES), get=SEEN_ON_SITE, answered_by="admin/r/<int:content_type_id>/<path:object_id>/"),
    Row("admin/r/<int:content_type_id>/<path:object_id>/",
        lambda w, state: f"/admin/r/{w.article_type}/{story_pk(w, state)}/", states=tuple(STORY_STATES),
        get=SEEN_ON_SITE),
    # Stories, and the editors' desk around them.
    *model_rows("articles_article", story_pk, states=tuple(STORY_STATES), view=STORY_VIEW, add=may("articles.add_article"),
                change=STORY_CHANGE, delete=STORY_DELETE, delete_post=STORY_DELETE_POST, listed="public"),
    Row("admin:articles_article_compare",
        lambda w, state: reverse("admin:articles_article_compare", args=[story_pk(w, state)]) + f"?a={w.story_versions[state]}",
        states=tuple(STORY_STATES), get=STORY_VIEW, post=NOBODY),
    Row("admin:articles_article_restore", lambda w, state: reverse("admin:articles_article_restore", args=[story_pk(w, state), w.story_versions[state]]),
        states=tuple(STORY_STATES), get=STORY_CHANGE, post=STORY_CHANGE,
        data=lambda w, state: {"edited_version": w.stories[state].edit_version if state in w.stories else 1}),
    Row("admin:articles_article_calendar", named("admin:articles_article_calendar"), get=STORY_VIEW["draft"] | WRITERS),
    # The story form's reading aids, a new story's draft copy, and the preview at a phone's and a desktop's width.
    Row("admin:articles_article_address",
        named("admin:articles_article_address", query="?slug=a-slug&publish_at_0=2026-01-16&publish_at_1=10:00:00"),
        get=may("articles.add_article") | WRITERS),
    Row("admin:articles_article_add_desk", named("admin:articles_article_add_desk"), get=NOBODY,
        post=may("articles.add_article"), data=lambda w, state: {"draft_key": NEW_DRAFT_KEY, "body": "A new story."}),
    Row("admin:articles_article_discard_new_draft", named("admin:articles_article_discard_new_draft"),
        get=may("articles.add_article"), post=may("articles.add_article"),
        data=lambda w, state: {"draft_key": w.new_draft_key}),
    Row("admin:articles_article_preview", named("admin:articles_article_preview", story_pk), states=tuple(STORY_STATES),
        get=STORY_PREVIEW),
    Row("admin:articles_article_preview_frame", named("admin:articles_article_preview_frame", story_pk),
        states=tuple(STORY_STATES), get=STORY_PREVIEW),
    Row("admin:articles_article_desk", named("admin:articles_article_desk", story_pk), states=tuple(STORY_STATES),
        get=NOBODY, post=STORY_CHANGE, data=lambda w, state: {"edited_version": "1", "dirty": "1", "body": "A draft copy."}),
    Row("live-desk", named("live-desk", story_pk), states=tuple(STORY_STATES),
        get=STORY_CHANGE, post=STORY_CHANGE, data=lambda w, state: {"action": "post", "body": "A new update."}),
    Row("live-desk-updates", named("live-desk-updates", story_pk), states=tuple(STORY_STATES), get=STORY_CHANGE),
    Row("admin:articles_article_discard_draft", named("admin:articles_article_discard_draft", story_pk),
        states=tuple(STORY_STATES), get=STORY_CHANGE, post=STORY_CHANGE, data=lambda w, state: {}),
    # Live updates, and django-reversion's views that come with their admin.
    *model_rows("live_liveupdate", lambda w, state: w.updates[state].pk, states=("published", "scheduled", "draft"),
                view=EDITORS, add=WRITERS, change=EDITORS, delete=EDITORS, list_view=WRITERS),  # each update is its story's
    Row("admin:live_liveupdate_preview", named("admin:live_liveupdate_preview", lambda w, state: w.updates[state].pk),
        states=("published", "scheduled", "draft"), get=EDITORS),
    Row("admin:live_liveupdate_recoverlist", named("admin:live_liveupdate_recoverlist"), get=WRITERS),
    Row("admin:live_liveupdate_recover", lambda w, state: reverse("admin:live_liveupdate_recover", args=[w.recoverable[state]]),
        states=("deleted update", "deleted story"), get={"deleted update": EDITORS, "deleted story": NOBODY},
        post={"deleted update": EDITORS, "deleted story": NOBODY}, data=lambda w, state: {"_save": "Save"},
        shown_to_all={}),
    Row("admin:live_liveupdate_revision",
        lambda w, state: reverse("admin:live_liveupdate_revision", args=list(w.revisions[state])),
        states=("update's version", "story's version"), get={"update's version": EDITORS, "story's version": NOBODY},
        post={"update's version": EDITORS, "story's version": NOBODY}, data=lambda w, state: {"_save": "Save"}),
    # The admin addresses the moved models had under articles/ lead (301) to their new ones, for anyone:
    # the new address then asks for the rights.
    Row("^admin/articles/(?P<model>image|liveupdate|frontpage|featuredstory|previewlink|editsession)/(?P<rest>.*)$",
        lambda w, state: f"/admin/articles/liveupdate/{w.updates['scheduled'].pk}/change/", get=EVERYONE),
    # The rest of the editors' desk.
    *plain_model("articles_section", lambda w, state: w.section.pk),
    *plain_model("articles_author", lambda w, state: w.author.pk),
    *plain_model("articles_topic", lambda w, state: w.topics["public"].pk),
    *plain_model("pictures_image", lambda w, state: w.image.pk),
    # The story editor's picture chooser (JSON): whoever may see the library.
    Row("admin:pictures_image_choose", named("admin:pictures_image_choose"),
        get=may("pictures.view_image") | may("pictures.change_image")),
    *model_rows("desk_frontpage", lambda w, state: 1, view=may("desk.view_frontpage") | may("desk.change_frontpage"),
                add=NOBODY, change=may("desk.change_frontpage"), delete=NOBODY,
                list_post=may("desk.view_frontpage") | may("desk.change_frontpage")),
    *plain_model("pages_page", lambda w, state: w.page.pk),
    # Replies in the admin, the moderation page and what its buttons post to.
    *model_rows("comments_comment", reply_pk, states=(*REPLY_STATES, "on_withdrawn_story"), view=REPLY_READERS, add=NOBODY,
                change=MODERATORS, delete=may("comments.delete_comment"), listed="approved"),
    Row("admin:comments_comment_moderate", lambda w, state: reverse("admin:comments_comment_moderate")
        + ("" if state == "-" else f"?story={story_pk(w, state)}"), states=("-", *STORY_STATES),
        get=REPLY_READERS),
    Row("admin:comments_comment_decide", named("admin:comments_comment_decide"), get=NOBODY, post=MODERATORS,
        data=lambda w, state: {"reply": w.replies["pending"].pk, "decision": "approve"}),
    Row("admin:comments_comment_undo", named("admin:comments_comment_undo"), get=NOBODY, post=MODERATORS,
        data=lambda w, state: {"event": w.event.pk}),
    Row("admin:comments_comment_story_rules", named("admin:comments_comment_story_rules", story_pk),
        states=tuple(STORY_STATES), get=NOBODY,
        post={**story_rule(out=may("comments.change_discussionsettings", "articles.preview_article"),
                           writing=may("comments.change_discussionsettings", "articles.preview_article")),
              "public": may("comments.change_discussionsettings"), "deleted": NOBODY},
        data=lambda w, state: {"moderation": "pre", "close": "1"}),
    Row("admin:comments_comment_ban", named("admin:comments_comment_ban", reply_pk), states=(*REPLY_STATES, "on_withdrawn_story"),
        get=may("comments.change_comment", "comments.add_ban"), post=may("comments.change_comment", "comments.add_ban"),
        data=lambda w, state: {"reason": "Spam", "by_email": "on", "length": ""}),
    # Working together: the queue's check, the claim on the reply a moderator has open, the dashboard, and the
    # author of a reply (their replies, the notes on them, their bans; notes written by those who may decide).
    Row("admin:comments_comment_check", lambda w, state: reverse("admin:comments_comment_check")
        + ("?queue=all" if state == "-" else f"?queue=all&story={story_pk(w, state)}"), states=("-", *STORY_STATES),
        get=REPLY_READERS),
    Row("admin:comments_comment_claim", named("admin:comments_comment_claim"), get=NOBODY, post=MODERATORS,
        data=lambda w, state: {"reply": w.replies["pending"].pk}),
    Row("admin:comments_comment_dashboard", named("admin:comments_comment_dashboard", query="?days=2"), get=REPLY_READERS),
    Row("admin:comments_comment_author", lambda w, state: reverse("admin:comments_comment_author", args=[reply_pk(w, state)])
        + ("?panel=1" if state == "featured" else ""), states=(*REPLY_STATES, "on_withdrawn_story"),
        get=REPLY_READERS, post=MODERATORS, data=lambda w, state: {"text": "A note on the author."}),
    *model_rows("comments_discussionsettings", lambda w, state: 1, add=NOBODY, delete=NOBODY,
                view=may("comments.view_discussionsettings") | may("comments.change_discussionsettings"),
                change=may("comments.change_discussionsettings"),
                list_post=may("comments.view_discussionsettings") | may("comments.change_discussionsettings")),
    # Who changed a story's moderation and when: read only, for whoever may read the discussion settings.
    *model_rows("comments_discussionchange", lambda w, state: w.discussion_change.pk, add=NOBODY, change=NOBODY,
                delete=NOBODY, view=may("comments.view_discussionsettings") | may("comments.change_discussionsettings"),
                list_post=may("comments.view_discussionsettings") | may("comments.change_discussionsettings")),
    *model_rows("comments_ban", lambda w, state: w.ban.pk, delete=NOBODY,
                **{k: v for k, v in perms_of("comments_ban").items() if k in ("view", "add", "change")}),
    # The moderators' record of decisions (read only, outlives the replies), and the addresses that asked
    # for emails about replies (read only, for those who may change replies: it lists emails).
    *model_rows("comments_moderationevent", lambda w, state: w.event.pk, view=may("comments.view_moderationevent"),
                add=NOBODY, change=NOBODY, delete=NOBODY, list_post=may("comments.view_moderationevent")),
    *model_rows("comments_subscriber", lambda w, state: w.subscriber.pk, view=MODERATORS, add=NOBODY, change=NOBODY,
                delete=NOBODY, list_post=MODERATORS),
    # The background queue and its schedule: read only, for whoever holds the view right (the superuser).
    *model_rows("django_tasks_database_dbtaskresult", lambda w, state: w.task_result.pk,
                view=may("django_tasks_database.view_dbtaskresult"), add=NOBODY, change=NOBODY, delete=NOBODY,
                list_post=may("django_tasks_database.view_dbtaskresult")),
    *model_rows("background_scheduledjob", lambda w, state: w.scheduled_job.pk,
                view=may("background.view_scheduledjob"), add=NOBODY, change=NOBODY, delete=NOBODY,
                list_post=may("background.view_scheduledjob")),
    # Accounts, and django-axes' records of sign-in attempts: the superuser's.
    *plain_model("auth_group", lambda w, state: w.group.pk),
    *plain_model("auth_user", lambda w, state: w.users["reporter"].pk),
    Row("admin:auth_user_password_change", lambda w, state: reverse("admin:auth_user_password_change", args=[w.users["reporter"].pk]),
        get=may("auth.change_user"), post=may("auth.change_user"),
        data=lambda w, state: {"password1": "a-new-long-pass-9", "password2": "a-new-long-pass-9", "usable_password": "true"}),
    # (django-axes' records are written by sign-ins only: nobody adds one by hand.)
    *plain_model("axes_accessattempt", lambda w, state: w.access_attempt.pk, add=NOBODY),
    *plain_model("axes_accesslog", lambda w, state: w.access_log.pk, add=NOBODY),
    *plain_model("axes_accessfailurelog", lambda w, state: w.access_failure.pk, add=NOBODY),
]


def cells():
    for row in ROWS:
        for state in row.states:
            for role in ROLES:
                yield pytest.param(role, row, state, id=f"{role}|{row.key}|{state}")


SNAPSHOT_APPS = {"articles", "pictures", "live", "desk", "comments", "pages", "auth", "reversion", "admin", "background"}


def snapshot():
    """Every row of the site's own tables, accounts, revisions and the admin's log: what a refused POST must not change."""
    tables = sorted({
        model._meta.db_table for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS
    })
    with connection.cursor() as cursor:
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 (table names from the models)
            rows[table] = cursor.fetchall()
    return rows


def outcome(response):
    """"allowed", "refused" or "error": the status class of an answer."""
    if response.status_code >= 500:
        return "error"
    if response.status_code >= 400:
        return "refused"
    if response.status_code >= 300:
        target = response.get("Location", "")
        return "refused" if target.startswith(reverse("admin:login")) or target == reverse("admin:index") else "allowed"
    return "allowed"


def leaks(response, role, shown_to_all):
    """The markers in the answer that this role may not read."""
    text = response.content.decode("utf-8", "replace") + str(response.headers)
    return sorted(
        marker
        for kind, markers in world_module.MARKERS.items()
        if role not in readers_of(kind) and kind not in shown_to_all
        for marker in markers
        if marker.lower() in text.lower()
    )


@pytest.mark.parametrize(("role", "row", "state"), list(cells()))
def test_matrix_cell(role, row, state, world, in_savepoint):  # noqa: F811 (fixtures imported above)
    path = row.fill(world, state)
    assert route_key(resolve(path.split("?")[0])) == (row.answered_by or row.key), f"{path} is not the address of {row.key}"
    shown = row.shown_to_all.get(state, [])
    problems = []

    answer = world_module.client(world, role).get(path)
    problems += check("GET", answer, role, row.rule("get", state), shown)

    if row.data:
        allowed = row.rule("post", state)
        refused = allowed != ANY and role not in allowed.resolve()
        before = snapshot() if refused else None
        answer = world_module.client(world, role).post(path, row.data(world, state))
        problems += check("POST", answer, role, allowed if row.post_status else ANY, shown)
        if refused:
            after = snapshot()
            changed = [table for table in before if before[table] != after[table]]
            if changed:
                problems.append(f"POST changed {changed} (answered {answer.status_code})")
    assert not problems, f"{role} at {path} ({state}): " + "; ".join(problems)


def check(method, response, role, rule, shown):
    problems = []
    got = outcome(response)
    if got == "error":
        return [f"{method} answered {response.status_code}"]
    if rule != ANY:
        expected = "allowed" if role in rule.resolve() else "refused"
        if got != expected:
            problems.append(f"{method} {got} ({response.status_code} {response.get('Location', '')}), expected {expected}")
    found = leaks(response, role, shown)
    if found:
        problems.append(f"{method} shows {found}")
    return problems


def route_key(match):
    return match.view_name if match.url_name else match.route


def every_route():
    """Every address in the URLconf, as the matrix names it: its URL name, or its route when it has none."""

    def walk(resolver, prefix, namespace):
        for pattern in resolver.url_patterns:
            route = str(pattern.pattern)
            route = prefix + (route[1:] if prefix and route.startswith("^") else route)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                yield from walk(pattern, route, inner)
            elif pattern.name:
                yield ":".join(filter(None, [namespace, pattern.name]))
            else:
                yield route

    return set(walk(get_resolver(), "", ""))


def test_every_address_has_a_row():
    """A view added to the URLconf without a row in the matrix fails here, so it cannot slip past unchecked."""
    missing = every_route() - {row.key for row in ROWS}
    assert not missing, f"addresses with no row in the authorization matrix: {sorted(missing)}"
