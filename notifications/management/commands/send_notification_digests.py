from django.core.management.base import BaseCommand

from notifications.sending import send_digests


class Command(BaseCommand):
    help = (
        "Email each participant ONE digest of their notifications not yet emailed (daily-digest "
        "recipients, plus what the storm guard held back for immediate ones). Idempotent. Run once a day."
    )

    def handle(self, *args, **options):
        sent = send_digests()
        if options["verbosity"]:
            self.stdout.write(f"{sent} digest email(s) sent.")
