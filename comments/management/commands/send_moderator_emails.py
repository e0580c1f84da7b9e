"""Send the moderators' emails that are due: those a failing mail server held back. Run every few minutes from cron."""

from django.core.management.base import BaseCommand

from comments.notifications import send_due


class Command(BaseCommand):
    help = "Send due emails about replies awaiting moderation, retrying those that failed before."

    def handle(self, *args, **options):
        sent = failed = 0
        while True:  # in batches, until nothing more is due (a failure waits for its next attempt)
            batch_sent, batch_failed = send_due()
            if not batch_sent + batch_failed:
                break
            sent, failed = sent + batch_sent, failed + batch_failed
        if options["verbosity"]:
            self.stdout.write(f"Sent {sent}, failed {failed} (failures are retried later).")
