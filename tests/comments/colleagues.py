"""Staff for the tests of moderators working together, made without a password (they are signed in
directly, and hashing a password takes most of a second on a busy machine)."""

from django.contrib.auth.models import Group, Permission, User
from django.test import Client


def moderator_named(username, **names):
    """A member of "Moderators"."""
    user = User.objects.create_user(username, is_staff=True, **names)
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


def reply_viewer(username="vera"):
    """Staff who may view replies but not change them (nor see their emails)."""
    user = User.objects.create_user(username, is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_comment"))
    return user


def desk_of(user):
    """A browser signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client
