from django.http import HttpResponse


def front_page(request):
    return HttpResponse("")


section_page = article_detail = front_page
