"""Delivery throughput of one worker process (issue 26.4): messages per second from the
outbox to a local SMTP sink and a webhook receiver, each in a process of its own
(`bench/sinks.py`), one SMTP connection and one HTTP session per batch, as `notify.deliver`
sends them.

N incidents are due at once; the escalation sweep writes their events and deliveries (one
e-mail to the support team and one signed webhook per event, not timed); then this process
sends them batch by batch (NOTIFY_BATCH) exactly as a worker's `notify.deliver` does, and
the sinks count what arrived.

Run: `DEBUG=true .venv/bin/python bench/bench_delivery.py [--due 1000] [--profile]`. Uses a
throwaway SQLite file under var/ unless DATABASE_URL is set (give it an empty database).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
RUN = BASE_DIR / "var" / f"bench-delivery-{os.getpid()}"


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def sink_start(kind: str) -> tuple[subprocess.Popen, int]:
    port = _spare_port()
    process = subprocess.Popen(
        [sys.executable, str(BASE_DIR / "bench" / "sinks.py"), kind, str(port)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process, port


def sink_stop(process: subprocess.Popen) -> int:
    process.terminate()
    out, _ = process.communicate(timeout=10)
    return int(out.split()[-1])


def configure(smtp_port: int) -> None:
    RUN.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{RUN / 'db.sqlite3'}")
    os.environ["PORTAL_BROKER_DIR"] = str(RUN / "broker")
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
    os.environ.setdefault("DEBUG", "true")
    os.environ["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"  # the receiver listens on 127.0.0.1
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    import django

    django.setup()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--due", type=int, default=1_000, help="incidents due at once (one e-mail and one webhook each)"
    )
    parser.add_argument("--profile", action="store_true", help="print where the sending time goes (cProfile)")
    args = parser.parse_args()
    smtp, smtp_port = sink_start("smtp")
    http, http_port = sink_start("http")
    try:
        configure(smtp_port)
        run(args, http_port)
    finally:
        emails, posts = sink_stop(smtp), sink_stop(http)
        print(f"the sinks received: {emails} e-mails, {posts} webhook POSTs")
        shutil.rmtree(RUN, ignore_errors=True)


def run(args, http_port: int) -> None:
    from bench_escalation import incidents_bulk_create
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Contract, Organization
    from escalation.watcher import escalation_sweep
    from notify.models import Delivery, DeliveryStatus, WebhookEndpoint
    from notify.sending import deliveries_send
    from sla.models import Severity, SupportPlan, SupportRegion

    call_command("migrate", verbosity=0)
    plan = SupportPlan.objects.get(code="professional-direct")
    region = SupportRegion.objects.get(code="north-america")
    organization = Organization.objects.create(name="Bench Inc.", region=region, time_zone="UTC")
    contract = Contract.objects.create(
        organization=organization,
        plan=plan,
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2099, 12, 31),
        incidents_allotted=10**6,
    )
    base = {
        "organization": organization,
        "contract": contract,
        "user": get_user_model().objects.create_user("bench", "bench@example.com"),
        "plan": plan,
        "severity": Severity.objects.get(code="A"),
        "region": region,
    }
    WebhookEndpoint.objects.create(name="Bench receiver", url=f"http://127.0.0.1:{http_port}/hook", on_escalated=True)
    now = timezone.now()
    incidents_bulk_create(count=args.due, base=base, due_at=now, now=now, start=0, analyze=False)
    while escalation_sweep(now=now).checked:
        pass
    ids = list(Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("pk").values_list("pk", flat=True))
    size = settings.NOTIFY_BATCH
    print(f"database: {connection.vendor}; {len(ids)} deliveries ({args.due} events); batches of {size}")
    profile = cProfile.Profile() if args.profile else None
    started = time.perf_counter()
    if profile:
        profile.enable()
    for start in range(0, len(ids), size):
        deliveries_send(ids=ids[start : start + size], now=timezone.now())
    if profile:
        profile.disable()
    elapsed = time.perf_counter() - started
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT).count()
    print(f"sent {sent} of {len(ids)} in {elapsed:.2f} s: {sent / elapsed:.0f} messages/s per worker process")
    posts = int(requests.get(f"http://127.0.0.1:{http_port}/count", timeout=5).text)
    print(f"webhook receiver has {posts} POSTs")
    if profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
