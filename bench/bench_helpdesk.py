"""Incident submissions beside django-helpdesk's public ticket form, measured in one run.

Serves two applications with the same gunicorn shape (the project's gunicorn.conf.py, read
by both) on 127.0.0.1: the portal's "new incident" form, and django-helpdesk 2.6.1 (the
published package, installed once into its own virtualenv under var/bench-helpdesk/) in a
minimal Django project whose public ticket form is at `/`. Both get a throwaway database of
the same kind: PostgreSQL databases `portal_bench_h6_ours` and `helpdesk_bench_h6` (other
names with `--databases`) on the server of $DATABASE_URL when it is set, else SQLite files
(WAL, as the portal's settings).

The same client code drives both: each client GETs the form, takes its hidden fields (the
CSRF token; the portal's submission token), POSTs a valid ticket and checks the answer is the
redirect of an accepted submission. The portal's clients sign in first, as its contacts
must; helpdesk's post anonymously, as its public form allows. A few warm-up submissions per
client precede the timed ones. Afterwards the database of each must hold exactly the accepted
submissions. Prints submissions/s, POST p50/p95, CPU per submission (gunicorn, PostgreSQL,
the bench's clients) for each side and the ratio ours/helpdesk; `--rounds` alternates the
sides to spread the machine's noise. A bare "hello" view in the helpdesk project, served the
same way, gives the floor of a request on this machine.

This file sets up the two sites; bench/formdrive.py is the client side.

    DEBUG=true .venv/bin/python bench/bench_helpdesk.py [--clients 8] [--per-client 40] [--rounds 1]
        [--post-only] [--databases OURS HELPDESK]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import re
import secrets
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

from bench_submissions import database_url, free_port, gunicorn_config, seed, server_environment
from formdrive import Round, Side, drive, hello_round, report, select_options

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
    parser.add_argument("--databases", nargs=2, default=[OURS_DB, HELPDESK_DB], metavar=("OURS", "HELPDESK"))
    args = parser.parse_args()
    if min(args.clients, args.per_client, args.rounds) < 1 or args.warmup < 0:
        parser.error("--clients, --per-client and --rounds must be at least 1")

    VAR.mkdir(parents=True, exist_ok=True)
    python = helpdesk_venv()
    shutil.rmtree(VAR / "ours", ignore_errors=True)
    ours_url, description = database_url(args.databases[0], VAR)
    helpdesk_url, _ = database_url(args.databases[1], VAR)
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
        accepted=re.compile(r"/incidents/INC-\d{4}-0*(\d+)/submitted/"),  # the number names the id
        stored_sql="SELECT id FROM incidents_incident",
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
