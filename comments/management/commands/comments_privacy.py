"""Export (JSON to stdout) or erase everything stored about a commenter's email address."""

import json

from django.core.management.base import BaseCommand, CommandError

from comments import privacy


class Command(BaseCommand):
    help = "Export or erase the replies stored under an email address."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Print everything stored about EMAIL as JSON.")
        export.add_argument("email")
        erase = actions.add_parser("erase", help="Anonymise or delete every reply under EMAIL.")
        erase.add_argument("email")
        erase.add_argument("--mode", choices=["anonymise", "delete"], required=True)

    def handle(self, *args, action, email, **options):
        if "@" not in email:
            raise CommandError("Give an email address, e.g. reader@example.com.")
        if action == "export":
            self.stdout.write(json.dumps(privacy.export([email]), indent=2, ensure_ascii=False))
        else:
            changed = privacy.erase([email], options["mode"])
            self.stderr.write(f"{options['mode']}: {changed} repl{'y' if changed == 1 else 'ies'}.")
