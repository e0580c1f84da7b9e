from django.urls import path, re_path

from . import views

app_name = "articles"

urlpatterns = [
    path("", views.front_page, name="front"),
    path("section/<slug:slug>/", views.section_page, name="section"),
    path("preview/<str:token>/", views.preview, name="preview"),
    # Four-digit year, two-digit month and day: one address per story, never /2022/1/16/.
    re_path(
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{2})/(?P<day>[0-9]{2})/(?P<slug>[-a-zA-Z0-9_]+)/$",
        views.story_page,
        name="detail",
    ),
]
