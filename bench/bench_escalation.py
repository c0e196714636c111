"""Benchmark of the escalation watcher (issue 6).

1. The cost of a sweep with nothing due, with 1,000 and with 100,000 open incidents
   (target: under 5 ms, independent of the number of open incidents).
2. 100,000 open incidents, 1,000 of them due at the same instant: the time from that
   instant until all 1,000 escalation events exist and are delivered, by email to an SMTP
   sink and to a signed webhook receiver on 127.0.0.1, each in a process of its own
   (`bench/sinks.py`), with real Celery workers and beat (target: 3 s, issue 26.4).

Run with `make bench` or `DEBUG=true .venv/bin/python bench/bench_escalation.py`.
Uses a throwaway SQLite file under var/ unless DATABASE_URL is set (then that database
is used as is: give it an empty one). Options: --open N, --due N, --workers N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
from bench_delivery import sink_start, sink_stop

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
VAR = BASE_DIR / "var"
RUN = VAR / f"bench-escalation-{os.getpid()}"


def configure(smtp_port: int) -> None:
    RUN.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{RUN / 'db.sqlite3'}")
    os.environ["PORTAL_BROKER_DIR"] = str(RUN / "broker")
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = f"bench-{os.getpid()}"
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"  # the SMTP sink, a process of its own
    os.environ.setdefault("ESCALATION_SWEEP_SECONDS", "2")  # the default interval (.env.example)
    os.environ.setdefault("DEBUG", "true")
    # The bench's webhook receiver listens on 127.0.0.1, which production refuses (notify/addresses.py).
    os.environ["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()


def empty_sweep_ms(now: dt.datetime, runs: int = 300) -> float:
    from escalation.watcher import escalation_sweep

    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = escalation_sweep(now=now)
        samples.append((time.perf_counter() - start) * 1000)
        assert result.checked == 0
    return statistics.median(samples)


def incidents_bulk_create(
    *, count: int, base, due_at: dt.datetime | None, now: dt.datetime, start: int, analyze: bool = True
) -> None:
    """Open incidents written directly (the services would take minutes for 100,000)."""
    from django.db import connection, transaction

    from incidents.models import Incident

    batch = []
    for i in range(start, start + count):
        if due_at is not None:
            submitted_at = due_at - dt.timedelta(minutes=45)  # Severity A, 60 min 24/7: the warning is due
            next_check_at = due_at
        else:
            submitted_at = now - dt.timedelta(minutes=i % 30)
            next_check_at = now + dt.timedelta(days=1, seconds=i)  # due tomorrow, spread out
        batch.append(
            Incident(
                organization=base["organization"],
                contract=base["contract"],
                submitted_by=base["user"],
                title=f"Benchmark incident {i}",
                description="Benchmark",
                plan=base["plan"],
                severity=base["severity"],
                region=base["region"],
                status="new",
                submitted_at=submitted_at,
                response_due_at=submitted_at + dt.timedelta(minutes=60),
                response_target_minutes=60,
                response_target_coverage="24x7",
                next_check_at=next_check_at,
            )
        )
        if len(batch) == 5000:
            with transaction.atomic():
                Incident.objects.bulk_create(batch, batch_size=1000)
            batch = []
    if batch:
        with transaction.atomic():
            Incident.objects.bulk_create(batch, batch_size=1000)
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE incidents_incident")  # as autovacuum would after a bulk load


def start_workers(n: int) -> list[subprocess.Popen]:
    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    from django.conf import settings

    procs = []
    for i in range(n):
        log = RUN / f"worker-{i}.log"
        args = [
            celery,
            "-A",
            "portal",
            "worker",
            "-n",
            f"bench{i}@%h",
            "-Q",
            ",".join(settings.WORKER_QUEUES),  # every queue the tasks are routed to
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        if i == 0:
            args += ["--beat", "--schedule", str(RUN / "beat")]
        procs.append(
            subprocess.Popen(args, env=dict(os.environ), stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=BASE_DIR)
        )
    return procs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the run's folder (worker logs, mail) under var/")
    args = parser.parse_args()
    smtp, smtp_port = sink_start("smtp")
    http, http_port = sink_start("http")
    try:
        configure(smtp_port)
        run(args, http_port)
    finally:
        print(f"the sinks received: {sink_stop(smtp)} e-mails, {sink_stop(http)} webhook POSTs")


def received_posts(http_port: int) -> int:
    return int(requests.get(f"http://127.0.0.1:{http_port}/count", timeout=5).text)


def run(args, http_port: int) -> None:

    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import Contract, Organization
    from escalation.models import EscalationEvent
    from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
    from sla.models import Severity, SupportPlan, SupportRegion

    print(f"database: {connection.vendor}; broker: {os.environ.get('CELERY_BROKER_URL', 'filesystem://')}")
    call_command("migrate", verbosity=0)
    plan = SupportPlan.objects.get(code="professional-direct")
    region = SupportRegion.objects.get(code="north-america")
    organization = Organization.objects.create(name="Bench Inc.", region=region, time_zone="UTC")
    base = {
        "organization": organization,
        "contract": Contract.objects.create(
            organization=organization,
            plan=plan,
            starts_on=dt.date(2020, 1, 1),
            ends_on=dt.date(2099, 12, 31),
            incidents_allotted=10**6,
        ),
        "user": get_user_model().objects.create_user("bench", "bench@example.com"),
        "plan": plan,
        "severity": Severity.objects.get(code="A"),
        "region": region,
    }
    hook_url = f"http://127.0.0.1:{http_port}/hook"
    WebhookEndpoint.objects.create(name="Bench receiver", url=hook_url, on_escalated=True)

    now = timezone.now()
    small = min(1_000, args.open)
    incidents_bulk_create(count=small, base=base, due_at=None, now=now, start=0)
    empty_small = empty_sweep_ms(now)
    print(f"empty sweep, {small:,} open incidents: {empty_small:.2f} ms (median of 300)")
    started = time.perf_counter()
    incidents_bulk_create(count=args.open - args.due - small, base=base, due_at=None, now=now, start=small)
    print(f"created {args.open - args.due - small:,} more open incidents in {time.perf_counter() - started:.1f} s")
    empty_large = empty_sweep_ms(now)
    print(f"empty sweep, {args.open - args.due:,} open incidents: {empty_large:.2f} ms (median of 300)")

    # 1,000 incidents whose warning is due at the same instant, a few seconds from now.
    procs = start_workers(args.workers)
    deadline = time.monotonic() + 60
    while not all("ready." in (RUN / f"worker-{i}.log").read_text() for i in range(args.workers)):
        if time.monotonic() > deadline:
            sys.exit("the workers did not start")
        time.sleep(0.2)
    due_at = timezone.now() + dt.timedelta(seconds=4)
    incidents_bulk_create(count=args.due, base=base, due_at=due_at, now=now, start=args.open, analyze=False)
    print(f"{args.open:,} open incidents; {args.due:,} due at {due_at:%H:%M:%S.%f}; {args.workers} workers")
    try:
        finished = False
        deadline = time.monotonic() + 300
        all_exist = None
        while time.monotonic() < deadline:
            if all_exist is None and EscalationEvent.objects.count() >= args.due:
                all_exist = timezone.now()
            sent = Delivery.objects.filter(status=DeliveryStatus.SENT)
            done = sent.filter(channel="email").count()
            hooks = sent.filter(channel="webhook").count()
            if done >= args.due and hooks >= args.due and received_posts(http_port) >= args.due:
                finished = True
                observed = timezone.now()
                break
            time.sleep(0.2)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        from portal.celery import app

        app.control.purge()  # leave no messages of this run's queue behind
    if not finished:
        print("did not finish within 300 s")
        sys.exit(1)
    # Measured from the rows' own timestamps (written by the workers), not by this loop.
    events = EscalationEvent.objects.aggregate(last_fired=Max("fired_at"))
    delivered = Delivery.objects.aggregate(last=Max("sent_at"))["last"]
    late = [e.late_by.total_seconds() for e in EscalationEvent.objects.only("late_by")]
    print(
        f"all {args.due:,} events fired {(events['last_fired'] - due_at).total_seconds():.1f} s after the due instant "
        f"(fired_at: when their sweep started); committed, as seen by this benchmark's 0.2 s poll, "
        f"{(all_exist - due_at).total_seconds():.1f} s after it"
    )
    print(
        f"all {args.due:,} events delivered (email + signed webhook) "
        f"{(delivered - due_at).total_seconds():.1f} s after the due instant"
    )
    print(
        f"  (the rows' sent_at is when each message went out; this benchmark's 0.2 s poll saw the last one "
        f"{(observed - due_at).total_seconds():.1f} s after the due instant)"
    )
    posts = received_posts(http_port)
    print(f"late_by: median {statistics.median(late):.1f} s, max {max(late):.1f} s; webhook POSTs: {posts}")
    assert posts == args.due, "each event exactly one POST"
    if args.keep:
        print(f"worker logs and mail kept in {RUN}")
    else:
        shutil.rmtree(RUN, ignore_errors=True)


if __name__ == "__main__":
    main()
