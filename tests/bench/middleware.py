"""Counts the SQL queries of one request, for the benchmark's "queries per request" column.

Only a request that asks for it (header X-Bench-Count-Queries) is counted, so the
timed runs, which never send the header, pay one dictionary lookup and nothing else.
A counted GET is what a page costs to render when it is not in the page cache: it
is asked once first (so this worker holds what every page shares once per change,
such as the sections), then the page cache is emptied and it is asked again.
With the header's value AS_IT_COMES, the request is counted as it comes and nothing
is emptied: the cold renders (cold.py) count the first request after a change.
"""

from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

REQUEST_HEADER = "X-Bench-Count-Queries"
REQUEST_META_KEY = "HTTP_X_BENCH_COUNT_QUERIES"
RESPONSE_HEADER = "X-Bench-Queries"
AS_IT_COMES = "as-it-comes"


class QueryCountMiddleware:
    """Placed first in MIDDLEWARE, so the other middleware's queries (sessions, users) are counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REQUEST_META_KEY not in request.META:
            return self.get_response(request)
        render_first = request.method == "GET" and request.META[REQUEST_META_KEY] != AS_IT_COMES
        if render_first:
            self.get_response(request)
            caches["pages"].clear()
            for mark in ("page_changes_at", "page_is_personal", "page_shows"):  # what the first rendering noted
                request.__dict__.pop(mark, None)
        with CaptureQueriesContext(connection) as queries:
            response = self.get_response(request)
        response[RESPONSE_HEADER] = str(len(queries))
        if render_first:
            caches["pages"].clear()  # the timed runs start from a page rendered for a plain request
        return response
