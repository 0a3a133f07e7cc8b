"""Two app servers, one site: a local multi-host topology for `make cluster` / `make cluster-test`.

    HAProxy (TLS, round-robin, /healthz checks)  ->  gunicorn "a" and gunicorn "b"
    both sharing PostgreSQL (system of record, sessions), Redis (cache: throttles, login limits)
    and, once the project has one, the task worker (`manage.py db_worker`).

Commands: ``up`` (install what is missing, build a fresh database, start everything, wait until
both servers are in), ``down`` (stop what ``up`` started), ``status``, ``kill NAME`` (SIGKILL one app
server, as a crash would) and ``start NAME``. Everything lives in ``var/cluster/``; processes are
found again by their pid files, never by name.

Settings from the environment: CLUSTER_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/cluster; the database is dropped and created again by ``up``),
CLUSTER_PORT (the load balancer's HTTPS port, default 18443; the app servers take the next ports,
Redis the one after), CLUSTER_WORKERS (gunicorn workers per server, default 2).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "cluster"
BIN = ROOT / ".venv" / "bin"
DATABASE_URL = os.environ.get("CLUSTER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cluster")
LB_PORT = int(os.environ.get("CLUSTER_PORT", "18443"))
SERVERS = {"a": LB_PORT + 1, "b": LB_PORT + 2}
REDIS_PORT = LB_PORT + 3
WORKERS = int(os.environ.get("CLUSTER_WORKERS", "2"))
LB_URL = f"https://127.0.0.1:{LB_PORT}"
USERS = 28
PASSWORD = "cluster-test-password-2026"  # noqa: S105 - throw-away accounts of a local test database
PACKAGES = {
    "haproxy": "haproxy",
    "redis-server": "redis-server",
    "openssl": "openssl",
    "pg_dump": "postgresql-client",
}


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"cluster [{time.monotonic() - STARTED:5.1f} s]: {message}", flush=True)


def app_env() -> dict[str, str]:
    """The production profile, as a real deployment runs it behind the TLS-terminating balancer."""
    secret = VAR / "secret_key"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST")) and k != "TZ"}
    env.update(
        DJANGO_ENV="production",
        DJANGO_VAR_DIR=str(VAR),
        SECRET_KEY=secret.read_text().strip(),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=DATABASE_URL,
        REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        BEHIND_TLS_PROXY="1",
        TRUSTED_PROXY_COUNT="1",
        ADMIN_REQUIRE_MFA="0",
        LOG_LEVEL="WARNING",
    )
    return env


def manage(*args: str) -> None:
    subprocess.run([BIN / "python", "manage.py", *args], cwd=ROOT, env=app_env(), check=True)


# --- Installing ----------------------------------------------------------------------------------


def install_missing() -> None:
    missing = sorted({package for tool, package in PACKAGES.items() if shutil.which(tool) is None})
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        sys.exit(f"cluster: install {' '.join(missing)} first (Debian/Ubuntu: sudo apt-get install ...)")
    log(f"installing {' '.join(missing)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-qq", *missing]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, capture_output=True)
        subprocess.run(install, env=env, check=True)


# --- Processes -----------------------------------------------------------------------------------


def pidfile(name: str) -> Path:
    return VAR / f"{name}.pid"


def running(name: str) -> int | None:
    try:
        pid = int(pidfile(name).read_text())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None
    return pid


def spawn(name: str, argv: list, env: dict | None = None) -> None:
    """Start ``argv`` in its own process group (so that it and its children can be stopped
    together) with output in ``logs/<name>.log``."""
    (VAR / "logs").mkdir(parents=True, exist_ok=True)
    with open(VAR / "logs" / f"{name}.log", "ab") as output:
        process = subprocess.Popen(
            [str(a) for a in argv],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pidfile(name).write_text(str(process.pid))


def stop(name: str, sig: int = signal.SIGTERM, wait: float = 10.0) -> None:
    pid = running(name)
    if pid is None:
        pidfile(name).unlink(missing_ok=True)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and running(name):
        time.sleep(0.1)
    if running(name):
        os.killpg(pid, signal.SIGKILL)
    pidfile(name).unlink(missing_ok=True)


def start_server(name: str) -> None:
    if running(f"app-{name}"):
        return
    # Threads beside the workers: a health check is answered even while slow requests (password
    # hashing at login) keep every worker busy, so a busy server is not taken for a dead one.
    spawn(
        f"app-{name}",
        [
            BIN / "gunicorn",
            "deliberation.wsgi",
            "--bind",
            f"127.0.0.1:{SERVERS[name]}",
            "--workers",
            WORKERS,
            "--worker-class",
            "gthread",
            "--threads",
            4,
            "--timeout",
            60,
            "--graceful-timeout",
            5,
            "--access-logfile",
            "-",
        ],
        env=app_env(),
    )


def kill_server(name: str) -> None:
    """A crash, not a shutdown: SIGKILL to the master and its workers at once."""
    stop(f"app-{name}", signal.SIGKILL, wait=5)


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"cluster: nothing answers on port {port}")
            time.sleep(0.1)


def wait_for(url: str, *, timeout: float = 60.0, context=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2, context=context) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"cluster: {url} did not answer 200 within {timeout:.0f} s")


def haproxy_stats() -> dict[str, str]:
    """``{"a": "UP", "b": "DOWN", ...}`` from HAProxy's stats socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(VAR / "haproxy.sock"))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    lines = data.decode().lstrip("# ").splitlines()
    header = lines[0].split(",")
    states = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "app" and row.get("svname") in SERVERS:
            states[row["svname"]] = row["status"].split()[0]
    return states


def wait_for_states(wanted: dict[str, str], timeout: float = 20.0) -> float:
    """Seconds until HAProxy reports ``wanted`` (e.g. {"a": "DOWN"})."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        states = haproxy_stats()
        if all(states.get(name) == state for name, state in wanted.items()):
            return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit(f"cluster: HAProxy did not report {wanted} within {timeout:.0f} s: {haproxy_stats()}")


# --- Up and down ---------------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    parts = urlsplit(DATABASE_URL)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def prepare_database() -> None:
    """Migrations, cache table, the seeded proposals and the participants, in one process."""
    script = f"""
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("createcachetable")
call_command("load_seed", verbosity=0)
from allauth.account.models import EmailAddress
from accounts.consent import consents_give
from accounts.models import Membership, Nationality, Programme, User
programme = Programme.objects.get()
for n in range({USERS}):
    user = User.objects.create_user(
        f"cluster-{{n:02d}}@example.org", "{PASSWORD}", display_name=f"Cluster {{n:02d}}",
        nationality=[Nationality.KOREA, Nationality.JAPAN][n % 2],
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    Membership.objects.create(user=user, programme=programme)
    consents_give(user=user, participation=True, cross_border=True, research=False)
"""
    manage("shell", "--no-imports", "-c", script)


def has_task_worker() -> bool:
    result = subprocess.run(
        [BIN / "python", "manage.py", "help", "db_worker"], cwd=ROOT, env=app_env(), capture_output=True
    )
    return result.returncode == 0


def up() -> None:
    install_missing()
    down(quiet=True)
    VAR.mkdir(parents=True, exist_ok=True)
    (VAR / "secret_key").write_text(os.urandom(32).hex())
    if not (VAR / "site.pem").exists():
        log("self-signed certificate for 127.0.0.1")
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout",
                VAR / "site.key",
                "-out",
                VAR / "site.crt",
            ],
            check=True,
            capture_output=True,
        )
        (VAR / "site.pem").write_bytes((VAR / "site.crt").read_bytes() + (VAR / "site.key").read_bytes())
    # Redis first: the seed moves the proposals' activity stamps, which are mirrored there
    # (core.stampmirror), and a write that cannot tell Redis is refused.
    log(f"Redis on {REDIS_PORT}")
    spawn(
        "redis",
        [
            "redis-server",
            "--port",
            REDIS_PORT,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            VAR,
        ],
    )
    wait_for_port(int(REDIS_PORT))
    log(f"fresh database {urlsplit(DATABASE_URL).path.lstrip('/')}, migrations, seed, {USERS} participants")
    recreate_database()
    # The static files need no database: collected meanwhile.
    collect = subprocess.Popen(
        [BIN / "python", "manage.py", "collectstatic", "--no-input", "-v0"], cwd=ROOT, env=app_env()
    )
    prepare_database()
    if collect.wait() != 0:
        sys.exit("cluster: collectstatic failed")

    for name, port in SERVERS.items():
        log(f"app server {name} on {port}")
        start_server(name)
    for port in SERVERS.values():
        wait_for(f"http://127.0.0.1:{port}/healthz")
    if has_task_worker():
        log("task worker (db_worker)")
        spawn("worker", [BIN / "python", "manage.py", "db_worker"], env=app_env())
    servers = "\n".join(f"    server {name} 127.0.0.1:{port}" for name, port in SERVERS.items())
    config = (ROOT / "cluster" / "haproxy.cfg").read_text().format(var=VAR, lb_port=LB_PORT, servers=servers)
    (VAR / "haproxy.cfg").write_text(config)
    log(f"HAProxy on https://127.0.0.1:{LB_PORT}/")
    spawn("haproxy", ["haproxy", "-W", "-db", "-f", VAR / "haproxy.cfg"])
    wait_for(f"{LB_URL}/healthz", context=ssl._create_unverified_context())  # noqa: S323 - our own self-signed cert
    wait_for_states(dict.fromkeys(SERVERS, "UP"))
    (VAR / "cluster.json").write_text(
        json.dumps(
            {
                "url": LB_URL,
                "servers": SERVERS,
                "database_url": DATABASE_URL,
                "password": PASSWORD,
                "users": USERS,
            }
        )
    )
    log(f"up: {LB_URL}/  (make cluster-test drives it; python cluster/cluster.py down stops it)")


def down(quiet: bool = False) -> None:
    for name in ("haproxy", "worker", *(f"app-{name}" for name in SERVERS), "redis"):
        if running(name) and not quiet:
            log(f"stopping {name}")
        stop(name)


def main(argv: list[str]) -> None:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "up":
        up()
    elif command == "down":
        down()
    elif command == "status":
        print(
            json.dumps(
                {name: bool(running(name)) for name in ("haproxy", "redis", "worker", "app-a", "app-b")}
            )
        )
        if running("haproxy"):
            print(json.dumps(haproxy_stats()))
    elif command == "kill":
        kill_server(argv[2])
    elif command == "start":
        start_server(argv[2])
    else:
        sys.exit(f"usage: {argv[0]} up|down|status|kill NAME|start NAME")


if __name__ == "__main__":
    main(sys.argv)
