from .models import Page


def footer(request):
    """The editors' pages linked in every page's footer (About, Privacy notice…), remembered per generation."""
    return {"footer_pages": Page.objects.footer}
