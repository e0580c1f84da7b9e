"""The admin index's count of stories waiting for review."""

from django import template

from articles.models import Article

register = template.Library()


@register.simple_tag
def stories_in_review_count():
    return Article.objects.in_review().count()
