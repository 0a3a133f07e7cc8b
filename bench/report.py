"""``bench/RESULTS.md``: machine facts, the table of routes against their targets, profiles of the
pages that miss one; the hand-written analysis below ``ANALYSIS_MARKER`` is kept."""

import contextlib
import datetime as dt
import os
import platform
import subprocess
import time
from pathlib import Path

import django
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .load import (
    API_THROTTLE_RATE,
    DISTURBED,
    TURN_SECONDS,
    WRITE_CONNECTIONS,
    Config,
    Result,
    Route,
    Server,
    bench_client,
)

ANALYSIS_MARKER = (
    "<!-- Everything below this line is written by hand and kept when make bench rewrites the file. -->"
)


def machine_facts(config: Config, server: Server, *, cache: str) -> dict:
    cpu = "unknown"
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    import gunicorn

    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)  # noqa: S607
    commit = _git("rev-parse", "--short", "HEAD")
    if commit and (
        _git("diff", "--stat", "HEAD", "--") or _git("ls-files", "--others", "--exclude-standard")
    ):
        commit += " with uncommitted changes"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit or "unknown",
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
        "gunicorn": (
            f"gunicorn {gunicorn.__version__}, {config.workers} sync workers, 127.0.0.1, no access log, "
            "persistent database connections"
        ),
        "cache": f"{cache}; API rate limit raised to {API_THROTTLE_RATE}",
        "wrk": ((wrk_version.stdout or wrk_version.stderr).splitlines() or ["wrk"])[0].strip(),
        "wrk_params": (
            f"{config.connections} connections (one per wrk thread; {WRITE_CONNECTIONS} writers, one user each), "
            f"{config.warmup} s warm-up then {config.duration} s per route, timeout 30 s; each page 50 "
            f"and its page 1 in alternating turns of {TURN_SECONDS} s ({config.duration} s each in all)"
        ),
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def _git(*args: str) -> str:
    """Output of a read-only git command in the project ('' if git is missing)."""
    try:
        out = subprocess.run(  # noqa: S603 - fixed git binary, read-only subcommands
            ["/usr/bin/git", *args], capture_output=True, text=True, check=False, cwd=settings.BASE_DIR
        )
    except OSError:
        return ""
    return out.stdout.strip()


def judge(results: list[Result], ceiling: float) -> None:
    by_key = {r.route.key: r for r in results}
    for result in results:
        route = result.route
        result.ratio = result.rps / ceiling if ceiling else None
        if route.min_ratio is not None and result.ratio is not None:
            met = result.ratio >= route.min_ratio
            result.verdicts.append(
                ("met" if met else "MISSED")
                + f": ≥ {route.min_ratio:.0%} of ceiling"
                + (
                    ""
                    if met
                    else f" (got {result.ratio:.1%}, short by {route.min_ratio - result.ratio:.1%} points)"
                )
            )
        if route.max_queries is not None and result.queries is not None:
            met = result.queries <= route.max_queries
            result.verdicts.append(("met" if met else "MISSED") + f": ≤ {route.max_queries} queries")
        if result.errors or result.non_2xx:
            result.verdicts.append(f"MISSED: 0 errors (got {result.errors} errors, {result.non_2xx} non-2xx)")
        else:
            result.verdicts.append("met: 0 errors, 0 non-2xx")
    for fiftieth in results:
        first = by_key.get(fiftieth.route.same_cost_as)
        if first and first.rps:
            change = fiftieth.rps / first.rps - 1
            met = abs(change) <= 0.20
            fiftieth.verdicts.append(
                ("met" if met else "MISSED") + f": same cost as page 1 ± 20 % (req/s {change:+.0%})"
            )
    hello = by_key.get("hello")
    if hello is not None:
        met = hello.rps >= 3200 * 0.9
        hello.verdicts.append(
            ("met" if met else "MISSED") + f": ≈ 3,200 req/s on 2 cores (got {hello.rps:,.0f})"
        )


def write_results(path: Path, *, facts, data, results, ceiling, missing, checks, profiles) -> None:
    viewer_names = {"anonymous": "anonymous", "reader": "logged in", "writers": "logged in", "api": "API key"}
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/runner.py); numbers from the run described here. Requests/s are",
        "compared with the bare-Django ceiling (`/bench/hello`: full middleware stack, no query, no",
        "template) measured in the same run: the mean of its runs at the start and at the end.",
        "A page 50 and its page 1, which must cost the same, are measured together in alternating turns",
        f"of {TURN_SECONDS} s (A B B A A B …), so that the machine's drift over the run weighs on both alike;",
        "their p50 is the median of the turns' p50s and their p99 the highest of the turns' p99s.",
        "p50/p99: latency percentiles from wrk. SQL queries and SQL ms: one request of the route in the",
        "runner's own process (Django test client, same database, after one warm-up request). Other CPU:",
        "share of the machine's CPU that processes other than gunicorn, wrk and the bench database's",
        "backends used while the route ran (the two cores are shared); ⚠ above "
        f"{DISTURBED:.0%}: that row's numbers are low.",
        "",
        "## Machine and run",
        "",
        "| | |",
        "| --- | --- |",
    ]
    labels = {
        "date": "date",
        "commit": "commit",
        "cpu": "CPU",
        "cores": "cores",
        "python": "Python",
        "django": "Django",
        "postgresql": "PostgreSQL",
        "gunicorn": "server",
        "wrk": "load generator",
        "wrk_params": "wrk parameters",
        "cache": "cache",
        "busy": "CPU busy before the start (other processes)",
        "load": "load average at the end (1, 5, 15 min)",
    }
    lines += [f"| {labels[key]} | {value} |" for key, value in facts.items()]
    counts = data.get("counts", {})
    lines += [
        f"| data | {counts.get('users', 0):,} users, {counts.get('comments', 0):,} comments "
        f"({data['volume']['thread_comments']:,} on {data['hot_proposal']}), {counts.get('ratings', 0):,} ratings, "
        f"{counts.get('amendments', 0):,} amendments, {counts.get('reports', 0):,} reports, "
        f"{counts.get('milestones', 0):,} milestones (`bench_seed` volume {data['volume']}) |",
        "",
        "## Routes",
        "",
        f"Ceiling: **{ceiling:,.0f} req/s**.",
        "",
        "| route | viewer | requests/s | % of ceiling | p50 ms | p99 ms | errors | non-2xx | SQL queries | SQL ms | other CPU | targets |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        route = r.route
        ratio = "" if route.key.startswith("hello") else f"{r.ratio:.1%}"
        lines.append(
            f"| {route.label}<br>`{route.method} {route.path}` | {viewer_names[route.viewer]} | {r.rps:,.1f} | {ratio} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {r.non_2xx} | "
            f"{_queries(r)} | {'' if r.queries is None else f'{r.sql_ms:.1f}'} | {r.other_cpu:.0%}"
            f"{' ⚠' if r.other_cpu > DISTURBED else ''} | {'<br>'.join(r.verdicts)} |"
        )
    lines += ["", "## Writes checked against the database", ""]
    lines += [f"- {line}" for line in checks] or ["- (no writes measured)"]
    lines += ["", "## Not measured", ""]
    lines += [f"- {line}" for line in missing] or ["- Nothing: every route of the issue was measured."]
    missed = [r for r in results if any(v.startswith("MISSED") for v in r.verdicts)]
    lines += ["", "## Targets missed in this run", ""]
    if missed:
        for r in missed:
            lines.append(
                f"- {r.route.label} ({viewer_names[r.route.viewer]}): "
                + "; ".join(v for v in r.verdicts if v.startswith("MISSED"))
            )
    else:
        lines.append("- None.")
    if profiles:
        lines += ["", "## Profiles of the GET routes that missed a target (in-process, 10 requests each)", ""]
        for key, text in profiles.items():
            lines += [f"### {key}", "", "```", text.strip(), "```", ""]
    kept = ""
    if path.exists():
        previous = path.read_text()
        if ANALYSIS_MARKER in previous:
            kept = previous.split(ANALYSIS_MARKER, 1)[1]
    lines += ["", ANALYSIS_MARKER]
    path.write_text("\n".join(lines) + (kept if kept else "\n\n## Analysis\n\n(to be written)\n"))


def _queries(result: Result) -> str:
    if result.queries is None:
        return ""
    if result.cache_queries:
        return f"{result.queries} ({result.cache_queries} to the cache)"
    return str(result.queries)


def profile_route(route: Route, data: dict, requests: int = 10) -> str:
    """Where the time of one GET route goes, in this process (test client, same database): per
    request the total, the SQL, each template (inclusive, outermost call), and with pyinstrument
    the functions of our own code by cumulative share."""
    from collections import Counter
    from unittest import mock

    from django.template.base import Template

    from accounts.models import User

    client = bench_client()
    if route.viewer == "reader":
        client.force_login(User.objects.get(email=data["reader"]))
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in route.headers.items()}
    client.get(route.path, **meta)

    spent, calls, active = Counter(), Counter(), Counter()
    original = Template._render

    def timed(template, context):
        name = template.origin.template_name or "(string)"
        calls[name] += 1
        if active[name]:
            return original(template, context)
        active[name] += 1
        started = time.perf_counter()
        try:
            return original(template, context)
        finally:
            spent[name] += time.perf_counter() - started
            active[name] -= 1

    sql = 0.0
    started = time.perf_counter()
    with mock.patch.object(Template, "_render", timed):
        for _ in range(requests):
            with CaptureQueriesContext(connection) as captured:
                client.get(route.path, **meta)
            sql += sum(float(query["time"]) for query in captured.captured_queries)
    total = (time.perf_counter() - started) / requests * 1000
    lines = [f"per request: {total:.1f} ms in all, {sql / requests * 1000:.1f} ms of it in SQL", ""]
    lines.append("templates (inclusive ms per request, renders per request):")
    for name, seconds in spent.most_common(8):
        lines.append(f"  {seconds / requests * 1000:7.1f} ms  {calls[name] / requests:6.0f}x  {name}")
    lines += ["", *_own_code_profile(client, route.path, meta, requests)]
    return "\n".join(lines)


def _own_code_profile(client, path: str, meta: dict, requests: int) -> list[str]:
    try:
        from pyinstrument import Profiler
        from pyinstrument.renderers import ConsoleRenderer
    except ImportError:
        return ["(pyinstrument is not installed: `.venv/bin/pip install pyinstrument` for function shares)"]
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(requests):
        client.get(path, **meta)
    profiler.stop()
    text = ConsoleRenderer(flat=True, time="percent_of_total", flat_time="total", show_all=True).render(
        profiler.last_session
    )
    ours = tuple(
        f"{entry.name}/"
        for entry in Path(settings.BASE_DIR).iterdir()
        if (entry / "__init__.py").exists() and entry.name not in ("bench", "tests", "deliberation")
    )
    rows = [
        line.strip() for line in text.splitlines() if "%" in line and line.rsplit(" ", 1)[-1].startswith(ours)
    ]
    return [
        "our functions (pyinstrument, share of the request incl. what they call):",
        *[f"  {r}" for r in rows[:12]],
    ]
