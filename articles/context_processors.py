from django.conf import settings

from .models import Section


def site(request):
    """The site's name and its sections, for the masthead and navigation on every page."""
    return {"site_name": settings.NEWSROOM_SITE_NAME, "nav_sections": Section.objects.listed}
