"""Clear IP addresses and user agents of old replies; run daily from cron."""

from django.conf import settings
from django.core.management.base import BaseCommand

from comments.privacy import purge_ips


class Command(BaseCommand):
    help = "Clear the IP address and user agent of replies older than NEWSROOM_COMMENTS_IP_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None,
            help=f"Keep this many days instead of the setting ({settings.NEWSROOM_COMMENTS_IP_RETENTION_DAYS}).",
        )

    def handle(self, *args, days, **options):
        purged = purge_ips(days)
        if options["verbosity"]:
            self.stdout.write(f"Cleared the IP address of {purged} repl{'y' if purged == 1 else 'ies'}.")
