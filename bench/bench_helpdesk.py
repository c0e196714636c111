"""Incident submissions beside django-helpdesk's public ticket form, measured in one run.

Serves two applications with the same gunicorn shape (the project's gunicorn.conf.py, read
by both) on 127.0.0.1: the portal's "new incident" form, and django-helpdesk 2.6.1 (the
published package, installed once into its own virtualenv under var/bench-helpdesk/) in a
minimal Django project whose public ticket form is at `/`. Both get a throwaway database of
the same kind: PostgreSQL databases `portal_bench_h6_ours` and `helpdesk_bench_h6` on the
server of $DATABASE_URL when it is set, else SQLite files (WAL, as the portal's settings).

The same client code drives both: each client GETs the form, takes its hidden fields (the
CSRF token; the portal's submission token), POSTs a valid ticket and checks the answer is the
redirect of an accepted submission. The portal's clients sign in first, as its contacts
must; helpdesk's post anonymously, as its public form allows. A few warm-up submissions per
client precede the timed ones. Afterwards the database of each must hold exactly the accepted
submissions. Prints submissions/s, POST p50/p95, CPU per submission (gunicorn, PostgreSQL,
the bench's clients) for each side and the ratio ours/helpdesk; `--rounds` alternates the
sides to spread the machine's noise. A bare "hello" view in the helpdesk project, served the
same way, gives the floor of a request on this machine.

    DEBUG=true .venv/bin/python bench/bench_helpdesk.py [--clients 8] [--per-client 40] [--rounds 1]
"""

from __future__ import annotations

import argparse
import contextlib
import html
import importlib.metadata
import os
import re
import secrets
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench_submissions import (
    PASSWORD,
    Client,
    cpu_seconds,
    database_url,
    free_port,
    gunicorn_config,
    processes,
    seed,
    server_environment,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var" / "bench-helpdesk"
VENV = VAR / "venv"
SITE = BASE_DIR / "bench" / "helpdesk_site"  # the Django project around django-helpdesk
HELPDESK = "django-helpdesk==2.6.1"
OURS_DB, HELPDESK_DB = "portal_bench_h6_ours", "helpdesk_bench_h6"
SERVER_START_SECONDS = 60

# One queue that takes public submissions; the site's domain for the links in the e-mail.
HELPDESK_SEED = """
from django.contrib.sites.models import Site
from helpdesk.models import Queue
Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1", "name": "Bench helpdesk"})
Queue.objects.create(title="Bench support", slug="bench", allow_public_submission=True,
                     email_address="support@bench.example")
"""


def helpdesk_venv() -> Path:
    """The virtualenv with django-helpdesk, built once: the same Django, gunicorn and psycopg
    versions as the portal's, so only the applications differ."""
    requirements = [HELPDESK] + [
        f"{name}=={importlib.metadata.version(name)}" for name in ("Django", "gunicorn", "psycopg", "psycopg-binary")
    ]
    marker = VENV / "bench-requirements.txt"
    if marker.exists() and marker.read_text().split() == requirements:
        return VENV / "bin" / "python"
    shutil.rmtree(VENV, ignore_errors=True)
    print(f"creating {VENV.relative_to(BASE_DIR)} with {' '.join(requirements)}", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [VENV / "bin" / "pip", "install", "--quiet", "--disable-pip-version-check", *requirements],
        check=True,
    )
    marker.write_text("\n".join(requirements) + "\n")
    return VENV / "bin" / "python"


def helpdesk_site(python: Path, db_url: str) -> dict[str, str]:
    """Migrates and seeds the helpdesk project's database; returns the project's environment."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "PORTAL_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(
        {
            "BENCH_DATABASE_URL": db_url,
            "SECRET_KEY": secrets.token_urlsafe(60),
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{python.parent}:{env.get('PATH', '')}",
        }
    )
    for args in (["migrate", "--noinput"], ["shell", "-c", HELPDESK_SEED]):
        subprocess.run([python, "manage.py", *args], cwd=SITE, env=env, check=True, stdout=subprocess.DEVNULL)
    return env


def query(db_url: str, sql: str) -> list[tuple]:
    """Rows of a read on one of the bench databases (no Django: the two sides have different ones)."""
    parts = urllib.parse.urlsplit(db_url)
    if parts.scheme == "sqlite":
        with contextlib.closing(sqlite3.connect(parts.path[1:])) as conn:
            return conn.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(db_url) as conn:
        return conn.execute(sql).fetchall()


FORM_INPUT = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r'(\w+)=["\']([^"\']*)["\']')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a form page, as a browser would post them."""
    fields = {}
    for tag in FORM_INPUT.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("type", "").lower() == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def select_options(page: str, name: str) -> list[str]:
    """The non-empty option values of the <select name=...> on a form page."""
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.DOTALL)
    return re.findall(r'<option value="([^"]+)"', match.group(1)) if match else []


@dataclass
class Side:
    """One application under test: where its form is and how a valid submission looks."""

    name: str
    port: int
    form_path: str
    db_url: str
    fields: Callable[[str, int, str], dict[str, str]]  # (form page, n, client name) -> visible fields
    accepted: re.Pattern[str]  # the redirect of an accepted submission; group 1 identifies it
    stored_sql: str  # the identifiers of every stored submission
    usernames: list[str] = field(default_factory=list)  # sign in first (the portal)
    server_pid: int = 0


@dataclass
class Round:
    side: str
    elapsed: float = 0.0
    posts: list[float] = field(default_factory=list)
    gets: list[float] = field(default_factory=list)
    cpu: tuple[float, float, float] = (0.0, 0.0, 0.0)  # gunicorn, PostgreSQL, bench clients (s)
    load: tuple[float, float] = (0.0, 0.0)
    errors: list[str] = field(default_factory=list)


def form_page(client: Client, side: Side) -> str:
    status, _, page = client.request("GET", side.form_path)
    if status != 200:
        raise RuntimeError(f"GET {side.form_path}: HTTP {status}")
    return page


def submit(client: Client, side: Side, n: int, who: str, out: Round | None, accepted: list[str], page: str) -> None:
    """GET the form (unless `page` is given: --post-only), POST it filled in; record the
    submission if the answer accepted it."""
    began = time.perf_counter()
    page = page or form_page(client, side)
    fetched = time.perf_counter()
    form = hidden_fields(page) | side.fields(page, n, who)
    status, headers, _ = client.request("POST", side.form_path, form)
    done = time.perf_counter()
    match = side.accepted.search(headers.get("location", "")) if status == 302 else None
    if not match:
        raise RuntimeError(f"POST {side.form_path}: HTTP {status} {headers.get('location', '')}")
    accepted.append(match.group(1))
    if out is not None:
        out.gets.append(fetched - began)
        out.posts.append(done - fetched)


def drive(side: Side, args: argparse.Namespace, warmup: int, accepted: list[str]) -> Round:
    """`args.clients` concurrent clients, each `warmup` untimed then `args.per_client` timed submissions."""
    clients, per_client, limit = args.clients, args.per_client, args.round_seconds
    out = Round(side.name)
    start = threading.Barrier(clients + 1)
    deadline = time.monotonic() + limit

    def run(k: int) -> None:
        client = Client(side.port)
        who, page = f"client {k}", ""
        try:
            if side.usernames:
                who = side.usernames[k]
                token = client.csrf("/accounts/login/")
                credentials = {"csrfmiddlewaretoken": token, "username": who, "password": PASSWORD}
                status, _, _ = client.request("POST", "/accounts/login/", credentials)
                assert status == 302, f"login failed: HTTP {status}"
            for n in range(warmup):
                submit(client, side, n, who, None, accepted, "")
            page = form_page(client, side) if args.post_only else ""
        except Exception as exc:
            out.errors.append(f"{who}: setup {exc!r}")
        start.wait()
        for n in range(per_client):
            if time.monotonic() > deadline:
                out.errors.append(f"{who}: stopped after {n} submissions, the round's {limit:.0f} s were up")
                return
            try:
                submit(client, side, warmup + n, who, out, accepted, page)
            except Exception as exc:
                out.errors.append(f"{who}: {exc!r}")
                client = Client(side.port)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    server = processes(parent=side.server_pid)  # the master and its workers, forked by now
    database = processes(name="postgres") if side.db_url.startswith("postgres") else []
    before = (cpu_seconds(server), cpu_seconds(database), time.process_time())
    load = os.getloadavg()[0]
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    out.elapsed = time.perf_counter() - began
    after = (cpu_seconds(server), cpu_seconds(database), time.process_time())
    out.cpu = tuple(b - a for a, b in zip(before, after, strict=True))  # type: ignore[assignment]
    out.load = (load, os.getloadavg()[0])
    return out


def hello_round(port: int, server_pid: int, clients: int, requests: int) -> tuple[float, float, float]:
    """(requests/s, p50 s, gunicorn CPU s per request) of GET /hello/ on the helpdesk project."""
    latencies: list[float] = []
    start = threading.Barrier(clients + 1)

    def run() -> None:
        client = Client(port)
        start.wait()
        for _ in range(requests):
            began = time.perf_counter()
            status, _, _ = client.request("GET", "/hello/")
            if status == 200:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    start.wait()
    pids = processes(parent=server_pid)
    cpu, began = cpu_seconds(pids), time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - began, cpu_seconds(pids) - cpu
    done = max(len(latencies), 1)
    return len(latencies) / elapsed, statistics.median(latencies or [0.0]), cpu / done


def serve(command: list[str | Path], cwd: Path, env: dict[str, str], log: Path, port: int) -> subprocess.Popen[bytes]:
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"the server did not start; {log}:\n{log.read_text()[-3000:]}") from None
            time.sleep(0.2)


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(rounds: list[Round], postgres: bool, post_only: bool) -> dict[str, float]:
    """Prints one line per side (all its rounds together); returns submissions/s per side."""
    rates = {}
    for name in dict.fromkeys(r.side for r in rounds):
        mine = [r for r in rounds if r.side == name]
        done = sum(len(r.posts) for r in mine)
        elapsed = sum(r.elapsed for r in mine)
        posts = [x * 1000 for r in mine for x in r.posts]
        gets = [x * 1000 for r in mine for x in r.gets]
        cycles = [(g + p) * 1000 for r in mine for g, p in zip(r.gets, r.posts, strict=True)]
        per = max(done, 1) / 1000
        server, database, clients = (sum(r.cpu[i] for r in mine) / per for i in range(3))
        rates[name] = done / elapsed if elapsed else 0.0
        print(
            f"{name:>8}: {done} submissions in {elapsed:.2f} s -> {rates[name]:.1f}/s "
            f"(rounds: {', '.join(f'{len(r.posts) / r.elapsed:.1f}' for r in mine if r.elapsed)}); "
            f"POST p50 {percentile(posts, 50):.1f} ms, p95 {percentile(posts, 95):.1f} ms"
            + (
                ""
                if post_only
                else f"; GET p50 {percentile(gets, 50):.1f} ms; "
                f"GET+POST p50 {percentile(cycles, 50):.1f} ms, p95 {percentile(cycles, 95):.1f} ms"
            )
        )
        print(
            f"{'':>8}  CPU per submission ({'POST' if post_only else 'GET + POST'}): gunicorn {server:.1f} ms"
            + (f", PostgreSQL (every server process) {database:.1f} ms" if postgres else "")
            + f", bench clients {clients:.1f} ms; load average "
            + ", ".join(f"{r.load[0]:.2f} -> {r.load[1]:.2f}" for r in mine)
        )
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients per side (default 8)")
    parser.add_argument("--per-client", type=int, default=40, help="timed submissions per client and round (40)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds per side, alternating ours/helpdesk (1)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed submissions per client first (2)")
    parser.add_argument("--round-seconds", type=float, default=300, help="a round stops after this many seconds")
    parser.add_argument("--helpdesk-form", default="/", help="helpdesk's form: / (its home) or /tickets/submit/")
    parser.add_argument("--post-only", action="store_true", help="GET each client's form once, then only POST")
    parser.add_argument("--no-hello", action="store_true", help="skip the bare 'hello' view baseline")
    # The servers run with the project's gunicorn.conf.py; these override its defaults for both.
    parser.add_argument("--workers", type=int, help="gunicorn worker processes (WEB_CONCURRENCY)")
    parser.add_argument("--threads", type=int, help="threads per gunicorn worker (WEB_THREADS)")
    args = parser.parse_args()
    if min(args.clients, args.per_client, args.rounds) < 1 or args.warmup < 0:
        parser.error("--clients, --per-client and --rounds must be at least 1")

    VAR.mkdir(parents=True, exist_ok=True)
    python = helpdesk_venv()
    shutil.rmtree(VAR / "ours", ignore_errors=True)
    ours_url, description = database_url(OURS_DB, VAR)
    helpdesk_url, _ = database_url(HELPDESK_DB, VAR)
    postgres = description.startswith("PostgreSQL")
    print(f"database: {description}; {HELPDESK} in {VENV.relative_to(BASE_DIR)}", flush=True)

    shape = {"WEB_CONCURRENCY": args.workers, "WEB_THREADS": args.threads}
    shape_env = {name: str(value) for name, value in shape.items() if value is not None}
    ours_env = server_environment(ours_url, VAR / "ours") | shape_env
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=ours_env, check=True, stdout=subprocess.DEVNULL
        )
    submissions = args.warmup + args.per_client * args.rounds
    usernames = seed(ours_env, args.clients, submissions)
    helpdesk_env = helpdesk_site(python, helpdesk_url) | shape_env
    severity = str(query(ours_url, "SELECT id FROM sla_severity WHERE code = 'B'")[0][0])

    def ours_fields(page: str, n: int, who: str) -> dict[str, str]:
        return {
            "submission_token": str(uuid.uuid4()),  # what the form's GET would give (for --post-only)
            "title": f"Bench incident {n} from {who}",
            "description": "Pick list prints **blank** bin codes.\n\n1. Open\n2. Print",
            "product_text": "Contoso Advanced Warehousing 24.3",
            "severity": severity,
            "kind": "break_fix",
        }

    def helpdesk_fields(page: str, n: int, who: str) -> dict[str, str]:
        return {
            "queue": select_options(page, "queue")[0],
            "title": f"Bench ticket {n} from {who}",
            "body": "Pick list prints **blank** bin codes.\n\n1. Open\n2. Print",
            "priority": "3",  # "Normal", the form's initial value
            "due_date": "",
            "submitter_email": f"{who.replace(' ', '')}-{uuid.uuid4().hex[:8]}@bench.example",
        }

    def bind(port: int) -> list[str]:
        # No control socket: both masters would take the same default path.
        return ["--config", str(BASE_DIR / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "--no-control-socket"]

    server_config = gunicorn_config(ours_env)
    ours = Side(
        name="ours",
        port=free_port(),
        form_path="/incidents/new/",
        db_url=ours_url,
        fields=ours_fields,
        accepted=re.compile(r"/incidents/([^/]+)/submitted/"),
        stored_sql="SELECT number FROM incidents_incident",
        usernames=usernames,
    )
    helpdesk = Side(
        name="helpdesk",
        port=free_port(),
        form_path=args.helpdesk_form,
        db_url=helpdesk_url,
        fields=helpdesk_fields,
        accepted=re.compile(r"[?&]ticket=[\w-]*?-(\d+)&"),
        stored_sql="SELECT id FROM helpdesk_ticket",
    )
    servers = []
    try:
        servers.append(
            serve(
                [Path(sys.executable).parent / "gunicorn", "portal.wsgi", *bind(ours.port)],
                BASE_DIR,
                ours_env,
                VAR / "ours-gunicorn.log",
                ours.port,
            )
        )
        ours.server_pid = servers[-1].pid
        servers.append(
            serve(
                [python.parent / "gunicorn", "benchsite.wsgi", *bind(helpdesk.port)],
                SITE,
                helpdesk_env,
                VAR / "helpdesk-gunicorn.log",
                helpdesk.port,
            )
        )
        helpdesk.server_pid = servers[-1].pid
        print(
            f"gunicorn (gunicorn.conf.py, both): {server_config['workers']} workers x {server_config['threads']} "
            f"threads ({server_config['worker_class']}), preloaded; {args.clients} clients x {args.per_client} "
            f"submissions x {args.rounds} round(s) per side after {args.warmup} warm-up each; "
            f"helpdesk form at {args.helpdesk_form}",
            flush=True,
        )
        rounds: list[Round] = []
        accepted: dict[str, list[str]] = {"ours": [], "helpdesk": []}
        for r in range(args.rounds):
            for side in (ours, helpdesk):
                warmup = args.warmup if r == 0 else 0
                rounds.append(drive(side, args, warmup, accepted[side.name]))
        hello = None
        if not args.no_hello:
            hello = hello_round(helpdesk.port, helpdesk.server_pid, args.clients, args.per_client * 2)
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()

    rates = report(rounds, postgres, args.post_only)
    if hello:
        print(
            f"   hello: {hello[0]:.1f} requests/s, p50 {hello[1] * 1000:.1f} ms, "
            f"gunicorn CPU {hello[2] * 1000:.2f} ms per request (the helpdesk project's middleware, no database)"
        )
    ok = True
    for side in (ours, helpdesk):
        stored = [str(row[0]) for row in query(side.db_url, side.stored_sql)]
        mine = accepted[side.name]
        errors = [e for r in rounds if r.side == side.name for e in r.errors]
        good = sorted(stored) == sorted(mine) and len(set(mine)) == len(mine) and not errors
        ok = ok and good
        print(
            f"check {side.name}: {len(mine)} accepted (warm-up included), {len(stored)} in the database, "
            f"{len(set(mine) - set(stored))} lost, {len(set(stored) - set(mine))} unexpected, "
            f"{len(errors)} errors -> {'OK' if good else 'FAILED'}"
        )
        for error in errors[:10]:
            print("  error:", error)
    if rates.get("helpdesk"):
        print(f"ratio ours/helpdesk: {rates['ours'] / rates['helpdesk']:.2f}x (submissions/s)")
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
