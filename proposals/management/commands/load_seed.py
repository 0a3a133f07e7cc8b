from django.core.management.base import BaseCommand

from proposals.seeding import load_seed


class Command(BaseCommand):
    help = (
        "Load (or refresh) the seeded programme, publications and proposals from fixtures/. Idempotent. "
        "A proposal past its first version is not rewritten: changes to its seeded text are recorded "
        "as editorial corrections for moderators (admin: Editorial corrections)."
    )

    def handle(self, *args, **options):
        result = load_seed()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.publications} publications and {result.proposals} proposals "
                f"({result.created} new, {result.updated} updated in place)."
            )
        )
        if result.corrections:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.corrections} editorial correction(s) recorded for proposals past their first "
                    "version: a moderator reviews them in the admin (Editorial corrections)."
                )
            )
