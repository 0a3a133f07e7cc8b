from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The benchmark: data generator (``bench_seed``), load run (``bench_run``) and the bare-Django
    ceiling view, which is routed only in the bench profile (``DJANGO_ENV=bench``)."""

    name = "bench"
    verbose_name = "Benchmark"
