"""Forget what is kept about commenters only for a while; run daily from cron."""

from django.core.management.base import BaseCommand

from comments.conf import app_settings
from comments.privacy import purge


class Command(BaseCommand):
    help = (
        "Clear the IP address and user agent of replies older than NEWSROOM_COMMENTS_IP_RETENTION_DAYS, "
        "and drop old flood-control counts, unused remembered forms and sent notifications."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None,
            help=f"Keep this many days instead of the setting ({app_settings.IP_RETENTION_DAYS}).",
        )

    def handle(self, *args, days, **options):
        purged = purge(days)
        if options["verbosity"]:
            self.stdout.write(f"Cleared the IP address of {purged} repl{'y' if purged == 1 else 'ies'}.")
