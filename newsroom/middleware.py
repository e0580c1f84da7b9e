"""Response headers that Django's SecurityMiddleware does not set, and odd input to the admin as a 400."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.views.defaults import bad_request

logger = logging.getLogger(__name__)


class PermissionsPolicyMiddleware:
    """Turns off browser features no page of a news site uses (camera, microphone, location, ...).

    A sanitiser bypass or a hostile embed then cannot ask the reader for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(f"{feature}=()" for feature in settings.NEWSROOM_PERMISSIONS_POLICY_OFF)

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.header)
        return response


class AdminBadInputMiddleware:
    """Odd input to Django's own admin views is a 400, not a 500.

    Several of the admin's views, in every ModelAdmin, pass what the query or form says straight to a
    widget or to the database: `?section=²` on an add form, a huge year in a date filter, a selected id
    beyond SQLite's integers. They raise ValueError, OverflowError or ValidationError, which here answer
    400 (nothing was saved: the admin's saves are atomic) and are logged with their traceback.
    """

    BAD_INPUT = (ValueError, OverflowError, ValidationError)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, self.BAD_INPUT) or not request.path.startswith(reverse("admin:index")):
            return None
        logger.warning("Odd input to an admin page answered 400: %s", request.path, exc_info=exception)
        return bad_request(request, exception)
