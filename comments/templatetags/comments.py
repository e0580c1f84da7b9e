from django import template

register = template.Library()


@register.simple_tag
def render_comments(article):
    return ""
