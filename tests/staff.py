"""Staff accounts in the groups the migrations make, and test clients signed in as them."""

from django.contrib.auth.models import Group
from django.test import Client


def staff(django_user_model, username, group):
    """A staff member of `group` with no password: the tests sign them in with force_login, and hashing a password
    (PBKDF2, a million rounds) is most of what a test that makes three of them costs."""
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client
