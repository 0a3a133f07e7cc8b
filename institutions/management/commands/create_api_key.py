from django.core.management.base import BaseCommand, CommandError

from institutions.keys import api_key_create
from institutions.models import Country, Institution, Scope


class Command(BaseCommand):
    help = (
        "Create an API key for an institution (created too if no institution has that English name) "
        "and print the key. It is shown only this once; only its hash is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("institution", help="The institution's English name.")
        parser.add_argument("--scopes", default="read", help="Comma-separated: read, report, webhooks.")
        parser.add_argument("--country", default=Country.OTHER, choices=Country.values)
        parser.add_argument("--email", default="api@example.org", help="Contact email of a new institution.")
        parser.add_argument("--name", default="command line", help="A name for the key.")

    def handle(self, *args, institution: str, scopes: str, country: str, email: str, name: str, **options):
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        unknown = set(wanted) - set(Scope.values)
        if unknown:
            raise CommandError(f"Unknown scope(s): {', '.join(sorted(unknown))}")
        owner, _created = Institution.objects.get_or_create(
            name_en=institution,
            defaults={
                "name_ko": institution,
                "name_ja": institution,
                "country": country,
                "contact_email": email,
            },
        )
        _api_key, key = api_key_create(institution=owner, name=name, scopes=wanted)
        self.stdout.write(key)
