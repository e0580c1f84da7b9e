"""What `make run` prints last: where the site is and how to sign in to its admin."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

MANAGE = "DJANGO_DEBUG=1 .venv/bin/python manage.py"
SHOWN_LOGINS = 5


class Command(BaseCommand):
    help = "Say how to sign in to the admin: with the existing staff logins, or how to create the first one."

    def add_arguments(self, parser):
        parser.add_argument("--address", default="http://127.0.0.1:8000", help="Where the site is being served.")

    def handle(self, *args, address, **options):
        address = address.rstrip("/")
        logins = list(
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .order_by("-is_superuser", "pk")
            .values_list(get_user_model().USERNAME_FIELD, flat=True)[: SHOWN_LOGINS + 1]
        )
        self.stdout.write(f"\n  Newsroom is at {address}/  (admin: {address}/admin/)")
        if logins:
            names = ", ".join(logins[:SHOWN_LOGINS]) + (", …" if len(logins) > SHOWN_LOGINS else "")
            self.stdout.write(f"  Sign in to the admin with your login: {names}")
            self.stdout.write(f"  Forgotten the password? In another terminal run:\n      {MANAGE} changepassword {logins[0]}")
        else:
            self.stdout.write(f"  To get an admin login, in another terminal run:\n      {MANAGE} createsuperuser")
        self.stdout.write("")
