"""Staff accounts in the groups the migrations make, and test clients signed in as them."""

from django.contrib.auth.models import Group
from django.test import Client


def staff(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, password="unused", is_staff=True)  # noqa: S106
    user.groups.add(Group.objects.get(name=group))
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client
