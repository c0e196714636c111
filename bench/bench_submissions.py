"""Incident submissions through HTTP: gunicorn + PostgreSQL, 8 concurrent clients.

Starts gunicorn (with the project's gunicorn.conf.py) on 127.0.0.1 against a throwaway database (a fresh
PostgreSQL database on the server of $DATABASE_URL when set, else a SQLite file under
var/), signs in one contact per client, and has each client post the "new incident" form
for a bounded number of submissions (every 10th form is posted twice, as a double click
would). Reports incidents/s and p50/p95/p99 latency of the submission POST, then checks
in the database that every accepted submission is exactly one row with its number and due
time: none lost, none doubled. The announcement (the webhook, the new-incident e-mails) is
not the request's but the watcher's sweep's, and no worker or beat runs here: the tasks the
requests enqueued (left in the bench's filesystem broker folder) are counted, not checked.
Reports the CPU per submission of gunicorn, PostgreSQL and the bench's own clients, and the
load average.

    DEBUG=true .venv/bin/python bench/bench_submissions.py [--clients 8] [--per-client 60] [--workers N ...] [--database NAME]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import runpy
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
BENCH_VAR = BASE_DIR / "var" / "bench-submissions"
PASSWORD = "bench-portal-passphrase-2026"  # noqa: S105 - throwaway bench users
DB_NAME = "portal_bench_submissions"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(name: str = DB_NAME, var: Path = BENCH_VAR) -> tuple[str, str]:
    """(URL for the bench database, a description). Creates a fresh PostgreSQL database `name` on the
    server of $DATABASE_URL if it is set, else a fresh SQLite file `name`.sqlite3 under `var`."""
    given = os.environ.get("DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urllib.parse.urlsplit(given)
        admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
            version = conn.execute("SHOW server_version").fetchone()[0]
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), f"PostgreSQL {version}"
    var.mkdir(parents=True, exist_ok=True)
    path = var / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}", "SQLite (set DATABASE_URL=postgres://... for PostgreSQL)"


def server_environment(db_url: str, var: Path = BENCH_VAR) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": db_url,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "SECURE_SSL_REDIRECT": "false",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "PORTAL_VAR_DIR": str(var),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("PORTAL_TESTING", None)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL)


def seed(env: dict[str, str], clients: int, per_client: int) -> list[str]:
    """One organisation with a contract and a submitter per client; returns the usernames."""
    code = f"""
import datetime as dt
from django.contrib.auth import get_user_model
from sla.models import SupportPlan, SupportRegion
from accounts.models import Contract, Membership, Organization, Role
from accounts.entitlements import contract_create
today = dt.date.today()
for n in range({clients}):
    org, _ = Organization.objects.get_or_create(name=f"Bench customer {{n}}", defaults=dict(
        region=SupportRegion.objects.get(code="north-america"), time_zone="America/Chicago"))
    contract = contract_create(organization=org, plan=SupportPlan.objects.get(code="professional-direct"),
        starts_on=today - dt.timedelta(days=30), ends_on=today + dt.timedelta(days=334))
    Contract.objects.filter(pk=contract.pk).update(incidents_allotted={per_client * 2})
    user = get_user_model().objects.create_user(f"bench{{n}}@bench.example", f"bench{{n}}@bench.example", {PASSWORD!r})
    Membership.objects.create(user=user, organization=org, role=Role.SUBMITTER, time_zone="America/Chicago")
"""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return [f"bench{n}@bench.example" for n in range(clients)]


class Client:
    """A keep-alive HTTP/1.1 client that keeps its own cookies (the server marks them Secure)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        headers = {"Host": "127.0.0.1", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "http://127.0.0.1/"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, {k.lower(): v for k, v in response.getheaders()}, text

    def csrf(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status)
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    accepted: dict[str, str] = field(default_factory=dict)  # submission token -> incident number
    doubles_same: int = 0
    errors: list[str] = field(default_factory=list)


def run_client(port: int, username: str, per_client: int, severity_pk: str, start: threading.Barrier, out: Result):
    client = Client(port)
    try:
        token = client.csrf("/accounts/login/")
        status, headers, _ = client.request(
            "POST", "/accounts/login/", {"csrfmiddlewaretoken": token, "username": username, "password": PASSWORD}
        )
        assert status == 302, f"login failed: {status}"
        csrf = client.csrf("/incidents/new/")
    except Exception as exc:
        out.errors.append(f"{username}: setup {exc!r}")
        start.wait()
        return
    start.wait()
    for n in range(per_client):
        submission_token = str(uuid.uuid4())
        form = {
            "csrfmiddlewaretoken": csrf,
            "submission_token": submission_token,
            "title": f"Bench incident {n} from {username}",
            "description": "Pick list prints **blank** bin codes.\n\n1. Open\n2. Print",
            "product_text": "Contoso Advanced Warehousing 24.3",
            "severity": severity_pk,
            "kind": "break_fix",
        }
        posts = 2 if n % 10 == 9 else 1  # a double click: the same form twice
        locations = []
        for _ in range(posts):
            began = time.perf_counter()
            try:
                status, headers, _ = client.request("POST", "/incidents/new/", form)
            except Exception as exc:
                out.errors.append(f"{username}: {exc!r}")
                client = Client(port)
                continue
            out.latencies.append(time.perf_counter() - began)
            if status != 302 or "/submitted/" not in headers.get("location", ""):
                out.errors.append(f"{username}: HTTP {status} {headers.get('location', '')}")
                continue
            locations.append(headers["location"])
        if locations:
            out.accepted[submission_token] = locations[0].rstrip("/").split("/")[-2]
        if posts == 2 and len(locations) == 2 and locations[0] == locations[1]:
            out.doubles_same += 1


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (Linux /proc; 0 where unreadable)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def processes(*, parent: int | None = None, name: str | None = None) -> list[int]:
    """Pids whose parent is `parent` (and the parent itself) or whose command is `name`."""
    found = [parent] if parent is not None else []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, _, rest = entry.joinpath("stat").read_text().partition(") ")
            ppid = int(rest.split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if (parent is not None and ppid == parent) or (name is not None and comm.split("(", 1)[1] == name):
            found.append(int(entry.name))
    return found


def gunicorn_config(env: dict[str, str]) -> dict[str, object]:
    """The settings the project's gunicorn.conf.py gives under `env`."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(BASE_DIR / "gunicorn.conf.py"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=60, help="forms each client files (default 60)")
    # The server runs with the project's gunicorn.conf.py; these override its defaults.
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (WEB_THREADS)")
    parser.add_argument("--keep-alive", type=int, help="keep-alive seconds (WEB_KEEPALIVE)")
    parser.add_argument("--database", default=DB_NAME, help=f"the throwaway database's name ({DB_NAME})")
    args = parser.parse_args()

    if BENCH_VAR.exists():
        shutil.rmtree(BENCH_VAR)
    BENCH_VAR.mkdir(parents=True)
    db_url, db_description = database_url(args.database)
    env = server_environment(db_url)
    print(f"database: {db_description}")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    users = seed(env, args.clients, args.per_client)

    os.environ.update({"DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "true"})
    os.environ["PORTAL_VAR_DIR"] = str(BENCH_VAR)
    import django

    django.setup()
    from incidents.models import Incident
    from sla.models import Severity

    severity_pk = str(Severity.objects.get(code="B").pk)

    for name, value in (
        ("WEB_CONCURRENCY", args.workers),
        ("WEB_THREADS", args.threads),
        ("WEB_KEEPALIVE", args.keep_alive),
    ):
        if value is not None:
            env[name] = str(value)
    server_config = gunicorn_config(env)
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    log = (BENCH_VAR / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [gunicorn, "portal.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    print((BENCH_VAR / "gunicorn.log").read_text()[-3000:])
                    return 1
                time.sleep(0.2)
        results = [Result() for _ in users]
        start = threading.Barrier(len(users) + 1)
        threads = [
            threading.Thread(target=run_client, args=(port, user, args.per_client, severity_pk, start, result))
            for user, result in zip(users, results, strict=True)
        ]
        for thread in threads:
            thread.start()
        start.wait()
        server_pids = processes(parent=server.pid)
        database_pids = processes(name="postgres") if db_description.startswith("PostgreSQL") else []
        cpu_before = (cpu_seconds(server_pids), cpu_seconds(database_pids), time.process_time())
        load_before = os.getloadavg()
        began = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        cpu_after = (cpu_seconds(server_pids), cpu_seconds(database_pids), time.process_time())
        load_after = os.getloadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()

    latencies = [x for r in results for x in r.latencies]
    accepted = {token: number for r in results for token, number in r.accepted.items()}
    errors = [e for r in results for e in r.errors]
    doubles_same = sum(r.doubles_same for r in results)
    doubles_posted = sum(args.per_client // 10 for _ in users)

    # Every accepted submission is exactly one row, numbered, with its due time.
    rows = {
        str(incident.submission_token): (incident.number, incident.response_due_at)
        for incident in Incident.objects.filter(organization__name__startswith="Bench customer")
    }
    lost = [t for t in accepted if t not in rows]
    mismatched = [t for t, number in accepted.items() if t in rows and rows[t][0] != number]
    without_due = [t for t, (_, due) in rows.items() if due is None]
    extra = [t for t in rows if t not in accepted]
    duplicates = Incident.objects.filter(organization__name__startswith="Bench customer").count() - len(set(rows))

    print(f"clients: {args.clients}, forms per client: {args.per_client} (every 10th posted twice)")
    print(
        f"gunicorn (gunicorn.conf.py): {server_config['workers']} workers x {server_config['threads']} threads "
        f"({server_config['worker_class']}), keep-alive {server_config['keepalive']} s, DEBUG off"
    )
    print(f"incidents filed: {len(accepted)} in {elapsed:.2f} s -> {len(accepted) / elapsed:.1f} incidents/s")
    print(f"submission POSTs: {len(latencies)} -> {len(latencies) / elapsed:.1f} requests/s")
    if latencies:
        ms = [x * 1000 for x in latencies]
        print(
            f"POST latency ms: p50 {percentile(ms, 50):.1f}  p95 {percentile(ms, 95):.1f}  "
            f"p99 {percentile(ms, 99):.1f}  max {max(ms):.1f}"
        )
    posts = max(len(latencies), 1)
    server_cpu, database_cpu, client_cpu = (after - before for before, after in zip(cpu_before, cpu_after, strict=True))
    print(
        f"CPU per submission POST: gunicorn {server_cpu / posts * 1000:.1f} ms, "
        + (f"PostgreSQL (every server process) {database_cpu / posts * 1000:.1f} ms, " if database_pids else "")
        + f"bench clients {client_cpu / posts * 1000:.1f} ms "
        f"(machine: {os.cpu_count()} cores, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)"
    )
    # What the requests left for workers (none run here): the sweep announces new incidents.
    inbox = BENCH_VAR / "broker" / "in"
    if inbox.is_dir():
        print(f"tasks enqueued by the requests: {len(list(inbox.iterdir()))} for {len(accepted)} incidents")
    print(f"double submits answered with the same incident: {doubles_same} of {doubles_posted}")
    print(
        f"check: rows {len(rows)}, lost {len(lost)}, other number {len(mismatched)}, "
        f"without due time {len(without_due)}, unexpected {len(extra)}, doubled {duplicates}, errors {len(errors)}"
    )
    for error in errors[:10]:
        print("  error:", error)
    if errors:
        print(f"the server's log ({BENCH_VAR / 'gunicorn.log'}), last lines:")
        print("\n".join((BENCH_VAR / "gunicorn.log").read_text().splitlines()[-40:]))
    ok = not (lost or mismatched or without_due or extra or duplicates or errors) and doubles_same == doubles_posted
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
