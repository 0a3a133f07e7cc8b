from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import DEMO_ACCOUNTS, create_demo_accounts


class Command(BaseCommand):
    help = "Create the demo participants and moderator for local development (never in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo accounts are never created in the production profile.")
        create_demo_accounts()
        self.stdout.write(self.style.SUCCESS("Demo accounts (development only):"))
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.role:<22} {account.email:<28} password: {account.password}")
