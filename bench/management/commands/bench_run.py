from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from bench import runner


class Command(BaseCommand):
    help = (
        "The benchmark behind `make bench`: prepare the PostgreSQL database, start gunicorn, load every "
        "key route with wrk, check the writes, write bench/RESULTS.md. Needs DJANGO_ENV=bench."
    )

    def add_arguments(self, parser):
        defaults = runner.Config()
        parser.add_argument(
            "--scale", type=float, default=defaults.scale, help="Data volume (bench_seed --scale)."
        )
        parser.add_argument("--duration", type=int, default=defaults.duration, help="Seconds per route.")
        parser.add_argument("--warmup", type=int, default=defaults.warmup, help="Warm-up seconds per route.")
        parser.add_argument("--connections", type=int, default=defaults.connections)
        parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn sync workers.")
        parser.add_argument("--port", type=int, default=0, help="Default: a free port.")
        parser.add_argument("--reseed", action="store_true", help="Drop the bench database and seed again.")
        parser.add_argument("--allow-any-database", action="store_true")
        parser.add_argument(
            "--profile", action="store_true", help="Profile (pyinstrument) the GET routes that miss a target."
        )
        parser.add_argument(
            "--wait-quiet",
            type=int,
            default=0,
            help="Wait up to this many seconds for other work on the machine to stop before measuring.",
        )
        parser.add_argument(
            "--only", default="", help="Comma-separated route keys to measure (the ceiling always runs)."
        )
        parser.add_argument("--results", type=Path, default=defaults.results)

    def handle(self, *args, **options):
        config = runner.Config(
            scale=options["scale"],
            duration=options["duration"],
            warmup=options["warmup"],
            connections=options["connections"],
            workers=options["workers"],
            port=options["port"],
            reseed=options["reseed"],
            allow_any_database=options["allow_any_database"],
            profile=options["profile"],
            wait_quiet=options["wait_quiet"],
            only=tuple(key for key in options["only"].split(",") if key),
            results=options["results"],
        )
        try:
            runner.run(config, log=self.stdout.write)
        except runner.BenchError as error:
            raise CommandError(str(error)) from error
