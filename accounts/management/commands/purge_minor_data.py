from django.core.management.base import BaseCommand

from accounts.retention import purge_minor_data


class Command(BaseCommand):
    help = (
        "Minors' data after their programme ends: send the notices that are due and erase the accounts "
        "whose retention has run out (MINOR_DATA_RETENTION_DAYS, MINOR_DATA_NOTICE_DAYS). Run daily."
    )

    def handle(self, *args, **options):
        notices, erased = purge_minor_data()
        self.stdout.write(f"{notices} notice(s) queued, {erased} account(s) erased.")
