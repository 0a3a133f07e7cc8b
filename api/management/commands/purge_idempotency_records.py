from django.core.management.base import BaseCommand

from api.idempotency import purge_expired


class Command(BaseCommand):
    help = (
        "Forget the stored first answers to idempotency keys once their retention (24 hours) has run "
        "out, for every institution (each one's are also forgotten when it next sends a key). Run daily."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{purge_expired()} expired idempotency record(s) deleted.")
