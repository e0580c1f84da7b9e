"""What live coverage's templates print beside the updates: the version of the coverage a page shows."""

from django import template

from live.models import LiveChange

register = template.Library()


@register.filter
def live_version(moment):
    """The version (LiveChange.number_of) of the coverage whose latest change readers see was at `moment`."""
    return LiveChange.number_of(moment or None)
