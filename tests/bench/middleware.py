"""Counts the SQL queries of one request, for the benchmark's "queries per request" column.

Only a request that asks for it (header X-Bench-Count-Queries) is counted, so the
timed runs, which never send the header, pay one dictionary lookup and nothing else.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

REQUEST_HEADER = "X-Bench-Count-Queries"
REQUEST_META_KEY = "HTTP_X_BENCH_COUNT_QUERIES"
RESPONSE_HEADER = "X-Bench-Queries"


class QueryCountMiddleware:
    """Placed first in MIDDLEWARE, so the other middleware's queries (sessions, users) are counted too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if REQUEST_META_KEY not in request.META:
            return self.get_response(request)
        with CaptureQueriesContext(connection) as queries:
            response = self.get_response(request)
        response[RESPONSE_HEADER] = str(len(queries))
        return response
