from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("post/<int:article_id>/", views.post_reply, name="post"),
    path("report/<int:reply_id>/", views.report_reply, name="report"),
    path("reply/<int:reply_id>/", views.reply_permalink, name="permalink"),
    path("for-me/<int:article_id>/", views.replies_for_me, name="for_me"),
    path("emails/confirm/<str:token>/", views.confirm_subscription, name="confirm_subscription"),
    path("emails/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
