from django.conf import settings

from .models import Section


def site(request):
    """The site's name and its sections, for the masthead and navigation on every page;
    where stories print their corrections (NEWSROOM_CORRECTIONS_AT)."""
    return {
        "site_name": settings.NEWSROOM_SITE_NAME,
        "nav_sections": Section.objects.listed,
        "corrections_at": settings.NEWSROOM_CORRECTIONS_AT,
        "site_language": settings.LANGUAGE_CODE.split("-")[0],
    }
