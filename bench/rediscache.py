"""Redis for the benchmark, as production has it: the bench profile's cache is Redis (``REDIS_URL``,
which ``make bench`` sets). A server already answering there is used as it is; a local address
with nothing answering gets a ``redis-server`` of its own for the run (no persistence, stopped at
the end); anything else is a clear error, never a silent fall-back to the database cache."""

import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

from django.conf import settings

from .load import BenchError

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}


def _client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)


def _answers(url: str) -> bool:
    import redis

    try:
        return bool(_client(url).ping())
    except redis.RedisError:
        return False


class RedisForBench:
    """``with RedisForBench() as redis_facts:`` — Redis reachable at ``REDIS_URL`` for the run."""

    def __init__(self, log=print):
        self.log = log
        self.process: subprocess.Popen | None = None
        self.url = settings.CACHES["default"].get("LOCATION", "")
        self.started = False

    def __enter__(self) -> "RedisForBench":
        backend = settings.CACHES["default"]["BACKEND"]
        if not backend.endswith("RedisCache") or not settings.REDIS_URL:
            raise BenchError(
                "make bench runs with Redis as the cache, as production does: set REDIS_URL "
                "(make bench sets redis://127.0.0.1:6379/0 unless told otherwise: "
                "`make bench REDIS_URL=redis://host:port/db`)."
            )
        if _answers(self.url):
            return self
        parsed = urllib.parse.urlsplit(self.url)
        host, port = parsed.hostname or "127.0.0.1", parsed.port or 6379
        server = shutil.which("redis-server")
        if host not in LOCAL_HOSTS or server is None:
            raise BenchError(
                f"Redis is not reachable at {self.url}. Start it (Debian/Ubuntu: `apt-get install "
                "redis-server`), or point REDIS_URL at a running one: make bench uses Redis as its "
                "cache, as production does."
                + ("" if server else " (No redis-server on this machine to start one.)")
            )
        log_path = Path(settings.VAR_DIR) / "redis.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log(f"no Redis at {self.url}: starting redis-server on port {port} for the run")
        self.process = subprocess.Popen(  # noqa: S603 - Debian's redis-server, fixed arguments
            [server, "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no"],
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"redis-server exited at start (port {port} taken?): see {log_path}")
            if _answers(self.url):
                self.started = True
                return self
            time.sleep(0.2)
        self.__exit__()
        raise BenchError(f"redis-server did not answer within 15 s: see {log_path}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def describe(self) -> str:
        """For RESULTS.md: which cache, where, which Redis, who started it."""
        parsed = urllib.parse.urlsplit(self.url)
        try:
            version = _client(self.url).info("server").get("redis_version", "?")
        except Exception:  # a fact for the report, not worth failing the run
            version = "?"
        origin = "started by make bench for the run" if self.started else "already running"
        return (
            f"Redis {version} (RedisCache, {parsed.hostname}:{parsed.port or 6379} db "
            f"{parsed.path.lstrip('/') or '0'}, {origin})"
        )
