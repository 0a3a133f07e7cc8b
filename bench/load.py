"""Driving the server for the benchmark: the run's settings and results, gunicorn, logging in,
counting a route's queries in this process, wrk, and watching the machine's CPU."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

BENCH_DIR = Path(__file__).resolve().parent
LUA_SCRIPT = BENCH_DIR / "wrk" / "bench.lua"
RESULTS = BENCH_DIR / "RESULTS.md"
WRITE_CONNECTIONS = 4
# Routes compared with each other are measured in alternating turns of this many seconds.
TURN_SECONDS = 2
# The API's per-key rate limit would answer 429 within a second of load: raised for the run. The
# limit is still counted (in the cache) on every request, as in production.
API_THROTTLE_RATE = "100000000/min"
# Below this share of busy CPU the machine counts as quiet enough to measure.
QUIET = 0.10
# A route measured while other processes used more than this share of the CPU is marked ⚠.
DISTURBED = 0.10


class BenchError(Exception):
    """Something the benchmark needs is missing; the message says what."""


@dataclass
class Route:
    key: str
    label: str
    path: str
    viewer: str  # anonymous | reader | writers | api
    method: str = "GET"
    kind: str = "read"  # read | comment | rating
    body: str = ""
    headers: dict = field(default_factory=dict)
    # Targets (reported, never asserted here): share of the ceiling's requests/s, query budget.
    min_ratio: float | None = None
    max_queries: int | None = None
    note: str = ""
    # The key of the route this one must cost the same as (± 20 %); the two are measured in turns.
    same_cost_as: str = ""


@dataclass
class Result:
    route: Route
    queries: int | None = None
    cache_queries: int = 0
    sql_ms: float = 0.0
    other_cpu: float = 0.0
    rps: float = 0.0
    requests: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0
    non_2xx: int = 0
    threads: list = field(default_factory=list)
    ratio: float | None = None
    verdicts: list = field(default_factory=list)
    nonce: str = ""
    state: dict = field(default_factory=dict)
    turns: int = 1  # wrk runs the timed measurement was made of (measure_in_turns)


@dataclass
class Config:
    scale: float = 1.0
    duration: int = 10
    warmup: int = 2
    connections: int = 4
    workers: int = 2
    port: int = 0
    reseed: bool = False
    allow_any_database: bool = False
    profile: bool = False
    wait_quiet: int = 0
    only: tuple = ()
    results: Path = RESULTS


@dataclass
class Session:
    email: str
    cookie: str
    csrf: str
    user_id: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 with sync workers; output to var/.../gunicorn.log."""

    def __init__(self, config: Config):
        self.config = config
        self.port = config.port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(settings.VAR_DIR) / "gunicorn.log"
        self.process = None

    @property
    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).with_name("gunicorn")),
            "deliberation.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.config.workers),
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ]

    def __enter__(self):
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Database connections kept for the whole run (instead of 60 s), so that the CPU meter sees
        # the same PostgreSQL backends from start to end of a route; reconnecting is not measured.
        env = {**os.environ, "API_THROTTLE_RATE": API_THROTTLE_RATE, "CONN_MAX_AGE": "3600"}
        log = self.log_path.open("w")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            self.command,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited at start: see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise BenchError(f"gunicorn did not answer /healthz within 30 s: see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def worker_pids(self) -> list[int]:
        out = subprocess.run(  # noqa: S603
            ["/usr/bin/pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in out.stdout.split()]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(base: str, email: str, password: str) -> Session:
    """Log in through the real login form, then open the page it redirects to, as a browser does;
    the session cookie and the CSRF token for writes.

    The login leaves a one-time message ("Successfully signed in") in a cookie, which the next page
    shows and clears. wrk replays one Cookie header for every request, so a cookie taken before that
    page would show the message again on every request of the run, which no browser does (and a
    page with a message to show is drawn whole: pages.frames)."""
    from accounts.models import User

    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)
    url = f"{base}/en/accounts/login/"
    with opener.open(url, timeout=10) as response:
        html = response.read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "login": email, "password": password}
    ).encode()
    request = urllib.request.Request(url, data=data, headers={"Referer": url})  # noqa: S310
    try:
        opener.open(request, timeout=10)
        raise BenchError(f"Logging in {email} did not redirect: wrong password or login form changed.")
    except urllib.error.HTTPError as error:
        if error.code != 302:
            raise BenchError(f"Logging in {email} answered {error.code}.") from error
        landing = urllib.parse.urljoin(url, error.headers["Location"])
    for _hop in range(3):  # the landing page may redirect in turn (e.g. to the reader's language)
        try:
            with opener.open(landing, timeout=10) as response:
                response.read()
            break
        except urllib.error.HTTPError as error:
            if error.code not in (301, 302, 303, 307, 308):
                raise BenchError(f"The page after logging in {email} answered {error.code}.") from error
            landing = urllib.parse.urljoin(landing, error.headers["Location"])
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        raise BenchError(f"Logging in {email} set no session cookie.")
    if cookies.get("messages"):
        raise BenchError(f"Logging in {email} left a message that the page after it did not show.")
    cookie = ";".join(f"{name}={value}" for name, value in cookies.items())
    return Session(email, cookie, cookies.get("csrftoken", ""), User.objects.get(email=email).pk)


def bench_client() -> Client:
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return Client()


def count_queries(route: Route, data: dict) -> tuple[int, int, float]:
    """SQL queries of one request, after one warm-up request (caches of content types, templates),
    how many of them went to the database cache (the API's rate limit, Redis in production), and
    the time they took in the database (milliseconds, one request, the machine otherwise idle)."""
    from accounts.models import User

    client = bench_client()
    if route.viewer == "reader":
        client.force_login(User.objects.get(email=data["reader"]))
    elif route.viewer == "writers":
        client.force_login(User.objects.get(email=data["probe"]))
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in route.headers.items()}
    path, _sep, _query = route.path.partition("?")

    def call(sequence: int):
        if route.method == "GET":
            return client.get(route.path, **meta)
        body = route.body
        if route.kind == "comment":
            body += f"&client_token={uuid.uuid4()}"
        elif route.kind == "rating":
            body += f"&score={sequence % 5 + 1}"
        return client.post(path, body, content_type="application/x-www-form-urlencoded", **meta)

    call(1)
    with CaptureQueriesContext(connection) as captured:
        response = call(2)
    if response.status_code >= 400:
        raise BenchError(
            f"{route.key}: {route.method} {route.path} answered {response.status_code} in-process."
        )
    table = settings.CACHES["default"].get("LOCATION", "")
    cache = sum(1 for query in captured.captured_queries if table and f'"{table}"' in query["sql"])
    sql_ms = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    return len(captured), cache, sql_ms


def run_wrk(
    route: Route,
    base: str,
    sessions: list[Session],
    *,
    duration: int,
    connections_: int,
    nonce: str,
    scores=None,
):
    env = {
        **os.environ,
        "BENCH_METHOD": route.method,
        "BENCH_PATH": route.path,
        "BENCH_KIND": route.kind,
        "BENCH_BODY": route.body,
        "BENCH_NONCE": nonce,
        "BENCH_HEADERS": "\n".join(f"{k}: {v}" for k, v in route.headers.items()),
        "BENCH_SESSIONS": "\n".join(
            f"{s.cookie}\t{s.csrf}\t{(scores or {}).get(s.user_id, 3)}" for s in sessions
        ),
    }
    command = [
        "wrk",
        f"-t{connections_}",
        f"-c{connections_}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA_SCRIPT),
        base,
    ]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=duration + 60)  # noqa: S603
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise BenchError(f"wrk printed no result for {route.key}: {out.stdout}\n{out.stderr}")
    return json.loads(line.removeprefix("BENCH_JSON "))


def measure(route: Route, base: str, sessions: list[Session], config: Config, *, before_run=None) -> Result:
    """A warm-up (not recorded) then the timed run. ``before_run()`` is called before each and
    returns the state the run starts from (``{"scores": ...}`` for the rating route)."""
    connections_ = WRITE_CONNECTIONS if route.viewer == "writers" else config.connections
    if config.warmup:
        state = before_run() if before_run else {}
        run_wrk(
            route,
            base,
            sessions,
            duration=config.warmup,
            connections_=connections_,
            nonce="0000beef",
            scores=state.get("scores"),
        )
        if route.method != "GET":
            settle()
    state = before_run() if before_run else {}
    nonce = uuid.uuid4().hex[:8]
    raw = run_wrk(
        route,
        base,
        sessions,
        duration=config.duration,
        connections_=connections_,
        nonce=nonce,
        scores=state.get("scores"),
    )
    if route.method != "GET":
        settle()
    return combine(route, [raw], nonce=nonce, state=state)


def turn_order(keys: list[str], duration: int, turn: int = TURN_SECONDS) -> list[tuple[str, int]]:
    """The order in which routes compared with each other are measured: turns of ``turn`` seconds,
    ``duration`` seconds each in all, the order reversed every round (A B, B A, A B, ...), so that a
    drift of the machine's speed over the run weighs on each route alike."""
    rounds, rest = divmod(duration, turn)
    lengths = [turn] * rounds + ([rest] if rest else [])
    order = []
    for index, length in enumerate(lengths):
        order += [(key, length) for key in (keys if index % 2 == 0 else keys[::-1])]
    return order


def measure_in_turns(routes: list[Route], base: str, sessions: list[Session], config: Config) -> list[Result]:
    """Routes compared with each other (page 50 with page 1), measured in alternating short turns
    instead of one after the other. Adjacent short runs of the same route differ by up to a
    fifth on a shared 2-core machine; in turns, both routes meet the same moments of the run."""
    assert all(route.method == "GET" for route in routes), "only reads are measured in turns"
    by_key = {route.key: route for route in routes}
    for route in routes:
        if config.warmup:
            run_wrk(
                route,
                base,
                sessions,
                duration=config.warmup,
                connections_=config.connections,
                nonce="0000beef",
            )
    raws: dict[str, list[dict]] = {route.key: [] for route in routes}
    for key, seconds in turn_order(list(by_key), config.duration):
        raws[key].append(
            run_wrk(
                by_key[key],
                base,
                sessions,
                duration=seconds,
                connections_=config.connections,
                nonce="0000beef",
            )
        )
    return [combine(route, raws[route.key], turns=len(raws[route.key])) for route in routes]


def combine(
    route: Route, raws: list[dict], *, nonce: str = "", state: dict | None = None, turns: int = 1
) -> Result:
    """One result from wrk's runs of a route: requests and time summed; p50 the median of the
    runs' medians and p99 the highest of their p99s (wrk reports percentiles, not its samples)."""
    requests = sum(raw["requests"] for raw in raws)
    seconds = sum(raw["duration_us"] for raw in raws) / 1e6
    errors = [raw["errors"] for raw in raws]
    medians = sorted(raw["latency_us"]["p50"] for raw in raws)
    return Result(
        route=route,
        rps=requests / seconds if seconds else 0.0,
        requests=requests,
        p50_ms=medians[len(medians) // 2] / 1000,
        p99_ms=max(raw["latency_us"]["p99"] for raw in raws) / 1000,
        errors=sum(e["connect"] + e["read"] + e["write"] + e["timeout"] for e in errors),
        non_2xx=sum(t["other"] for raw in raws for t in raw["threads"]),
        threads=[t for raw in raws for t in raw["threads"]],
        nonce=nonce,
        state=state or {},
        turns=turns,
    )


def settle(timeout: float = 30.0) -> None:
    """Wait until the writes of the warm-up that were in flight when wrk stopped are done (the
    audit log stops growing), so the timed run starts from a known state."""
    deadline = time.monotonic() + timeout
    mark = audit_mark()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        latest = audit_mark()
        if latest == mark:
            return
        mark = latest


def audit_mark() -> int:
    from audit.models import AuditEntry

    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def cpu_busy(seconds: float = 1.0) -> float:
    """Share of the machine's CPU time that was busy over ``seconds`` (from /proc/stat)."""

    def sample():
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = values[3] + (values[4] if len(values) > 4 else 0)
        return sum(values), idle

    try:
        total_a, idle_a = sample()
        time.sleep(seconds)
        total_b, idle_b = sample()
    except OSError:
        return 0.0
    total = total_b - total_a
    return 1 - (idle_b - idle_a) / total if total else 0.0


def wait_until_quiet(max_wait: int, log) -> float:
    """Wait (up to ``max_wait`` seconds) for other work on the machine to stop: the benchmark
    shares its cores with everything else. Returns the CPU share busy just before the start."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy()
    while busy > QUIET and time.monotonic() < deadline:
        log(f"machine busy ({busy:.0%} CPU): waiting for it to be quiet ...")
        time.sleep(10)
        busy = cpu_busy()
    return busy


class CpuMeter:
    """How much of the machine other processes used while a route ran. The benchmark shares its two
    cores with whatever else runs; a route measured while others took a sizeable share is flagged.

    Ours: gunicorn, wrk, this process and every PostgreSQL process except the backends of other
    databases (PostgreSQL's parallel workers come and go within a query and cannot be attributed,
    so they count as ours). Others: every other process seen at the end of the route (CPU time
    since the start, or since it started); one that started and ended in between is missed.
    """

    def __init__(self, server: Server):
        self.server = server

    def snapshot(self) -> tuple[int, dict]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname IS NOT NULL AND datname <> current_database()"
            )
            foreign_backends = {row[0] for row in cursor.fetchall()}
        ours = {os.getpid(), self.server.process.pid, *self.server.worker_pids()}
        others = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            if pid in ours:
                continue
            name, ticks = _process_stat(pid)
            if name == "postgres" and pid not in foreign_backends:
                continue
            others[pid] = ticks
        return sum(values), others

    @staticmethod
    def other_share(before, after) -> float:
        total = after[0] - before[0]
        other = sum(ticks - before[1].get(pid, 0) for pid, ticks in after[1].items())
        return min(max(other, 0) / total, 1.0) if total else 0.0


def _process_stat(pid: int) -> tuple[str, int]:
    """The command name and CPU time (user + system, in clock ticks) of a process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "", 0
    name = text[text.find("(") + 1 : text.rfind(")")]
    fields = text.rsplit(")", 1)[1].split()
    return name, int(fields[11]) + int(fields[12])
