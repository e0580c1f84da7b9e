from django.core.management.base import BaseCommand

from articles.search import index_all


class Command(BaseCommand):
    help = "Rebuild the search index from every story (after stories were loaded in bulk, without save())."

    def handle(self, *args, **options):
        count = index_all()
        self.stdout.write(f"Indexed {count} {'story' if count == 1 else 'stories'} for search.")
