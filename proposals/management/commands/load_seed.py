from django.core.management.base import BaseCommand

from proposals.seeding import load_seed


class Command(BaseCommand):
    help = "Load (or refresh) the seeded programme, publications and proposals from fixtures/. Idempotent."

    def handle(self, *args, **options):
        result = load_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.publications} publications and {result.proposals} proposals "
                f"({result.created} new)."
            )
        )
