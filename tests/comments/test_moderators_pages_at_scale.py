"""The moderators' pages on a big site: the same few queries with 20,000 replies, and the queue's main query
read from an index in order (only the page's 50 rows then carry their authors' history)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.admin import CommentAdmin
from comments.models import Comment
from comments.queue import ORDERS
from tests.comments.support import make_staff
from tests.realistic_site import add_moderation_backlog, build_site

pytestmark = pytest.mark.django_db
LIST = "/admin/comments/comment/"
PAGE = "/admin/comments/comment/moderate/"


@pytest.fixture
def big_site():
    stories = build_site(200, pictures=0)
    add_moderation_backlog(stories, 20_000)
    return stories


@pytest.fixture
def desk(client, django_user_model):
    client.force_login(make_staff(django_user_model, "mona", "Moderators"))
    return client


def test_the_replies_list_and_the_moderation_page_take_a_few_queries_with_20000_replies(big_site, desk, django_assert_max_num_queries):
    busy = Comment.objects.pending().values_list("article", flat=True).first()
    for query in ({}, {"status__exact": "pending"}, {"q": "author0-17@"}, {"article__id__exact": busy}, {"p": 2}, {"o": "2"}):
        with django_assert_max_num_queries(10):
            response = desk.get(LIST, query)
        assert response.status_code == 200 and "field-excerpt" in response.content.decode(), query
    for query in [{"queue": queue} for queue in ("new", "reported", "featured", "spam", "removed", "all")] + [{"page": 2}]:
        with django_assert_max_num_queries(14):
            response = desk.get(PAGE, query)
        assert response.status_code == 200 and 'class="mod-item' in response.content.decode(), query


def test_the_story_filter_lists_the_stories_with_replies_waiting_not_every_story(big_site, desk):
    html = desk.get(LIST).content.decode()
    assert html.count("waiting)</a>") == 20


def plan(queryset):
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_the_queues_counts_read_indexes_never_every_reply():
    """Every decision and every look at the queue counts the queues: none of the counts may read the replies'
    rows one by one (SQLite keeps no statistics, so a count that tests the status too reads the status index's
    published replies, thousands on a busy site)."""
    with CaptureQueriesContext(connection) as counted:
        Comment.objects.queue_counts()
    for query in counted.captured_queries:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {query['sql']}")
            steps = [row[-1] for row in cursor.fetchall()]
        assert not any(step.startswith("SCAN comments_comment") and "INDEX" not in step for step in steps), steps
        assert not any("comments_co_status" in step and "SEARCH" in step for step in steps), (query["sql"], steps)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
@pytest.mark.parametrize("queue", ["new", "unmoderated", "spam", "removed", "all"])
def test_a_queue_is_read_newest_first_from_an_index_with_each_authors_history_from_theirs(queue):
    page = Comment.objects.in_queue(queue).for_moderation().order_by(*ORDERS["newest"])[:50]
    steps = plan(page)
    assert "TEMP B-TREE FOR ORDER BY" not in steps, steps  # no sort of the whole queue: its first 50 rows, in order
    assert "USING INDEX" in steps.splitlines()[0], steps  # status (or the date alone, for All) from an index
    history = [line for line in steps.splitlines() if "email=? AND status=?" in line]
    assert len(history) == 4 and all("USING COVERING INDEX" in line for line in history), steps


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own estimate of a table's rows")
def test_the_whole_list_is_counted_from_postgresqls_estimate_past_a_size_and_a_filtered_one_exactly(desk, story, monkeypatch):
    from comments.admin import EstimatedCount
    from tests.comments.support import make_reply

    for status in ["pending"] * 3 + ["approved"] * 2:
        make_reply(story, status=status)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE comments_comment")
        cursor.execute("UPDATE pg_class SET reltuples = 123456 WHERE relname = 'comments_comment'")  # as on a big site
    monkeypatch.setattr(EstimatedCount, "ESTIMATE_ABOVE", 100)
    assert "123456 comments" in desk.get(LIST).content.decode()
    assert "3 comments" in desk.get(LIST, {"status__exact": "pending"}).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's query plan")
@pytest.mark.parametrize("field", CommentAdmin.search_fields)
def test_the_replies_search_can_read_a_trigram_index_for_every_field_it_searches(field):
    """The admin's search is UPPER(field) LIKE '%word%' on each field: each must match its trigram index's
    expression exactly, or PostgreSQL reads every reply's words (migration comments/0013)."""
    sql, params = Comment.objects.filter(**{f"{field}__icontains": "author0-17@"}).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        # The plans it can take whatever the table's size: not reading the whole table nor a whole index.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        steps = "\n".join(row[0] for row in cursor.fetchall())
    assert f"comments_reply_{field.removesuffix('_address')}_trgm" in steps, steps
