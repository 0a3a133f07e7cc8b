"""``manage.py flush``, which empties every table, the audit log included.

Django's own command would be refused by the audit log's append-only triggers (DELETE on SQLite,
TRUNCATE on PostgreSQL). Emptying the whole database at once is not rewriting history, and test
runs need it between tests, so this command lifts the guard for exactly that.
"""

from django.core.management.commands import flush

from audit.guard import lifted


class Command(flush.Command):
    def handle(self, **options):
        with lifted(options["database"]):
            return super().handle(**options)
