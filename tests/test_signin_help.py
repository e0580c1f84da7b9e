"""What `make run` says at the end: where the site is, and how to sign in to its admin."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def signin_help(**options):
    out = io.StringIO()
    call_command("signin_help", stdout=out, **options)
    return out.getvalue()


def test_a_fresh_site_says_how_to_create_the_first_admin_login():
    text = signin_help(address="http://127.0.0.1:8080")
    assert "Newsroom is at http://127.0.0.1:8080/  (admin: http://127.0.0.1:8080/admin/)" in text
    assert "manage.py createsuperuser" in text


def test_once_a_login_exists_it_says_how_to_sign_in_instead(django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.org", "a-long-passphrase-42")
    django_user_model.objects.create_user("reader", password="a-long-passphrase-42")  # not staff: not a login to the admin
    text = signin_help()
    assert "createsuperuser" not in text
    assert "Sign in to the admin with your login: chief" in text and "reader" not in text
    assert "manage.py changepassword chief" in text
