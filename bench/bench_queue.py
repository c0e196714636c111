"""Benchmark of the engineers' queue in the admin (issue 5).

The incident changelist rendered through the whole Django stack (middleware, admin,
templates) for a support engineer signed in as a person signs in (the password, then the
code of their authenticator app), for the default queue and for each filter, first with
100 incidents, then with 100,000 (and the live queue's poll) — reported as the time per page, the ratio large/small
(target: within 1.5x, issue 24) and the number of queries (must be the same: constant in
the number of rows).

The data is shaped like a support desk: one incident every 26 minutes over about five
years. The 100 newest (about the last two days) are open: new and unanswered for the last
24 hours (some breached, some due within the hour), then responded / in progress /
awaiting the customer / mitigated; everything older than 30 days is resolved or closed.
The small database is exactly those 100 newest; the large one adds 99,900 older ones
(1,600 of them still open). The 100 newest are all Severity A, Premier, Japan and mostly
assigned to the measuring engineer, so that each filtered page shows as many rows at both
sizes: the ratio then measures the growth of the table, not a longer page.

Uses a throwaway SQLite file under var/bench-queue/ (rebuilt on each run from a migrated
copy kept there, so `migrate` is slow only the first time), or the database in
$DATABASE_URL (give it an empty one; on PostgreSQL the bench copies it with its 100
incidents into `<name>_large`, as it copies its SQLite file, and the renders alternate
between the two). Options: --incidents N, --repeat N.

    DEBUG=true .venv/bin/python bench/bench_queue.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_queue DEBUG=true .venv/bin/python bench/bench_queue.py
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
BENCH_VAR = BASE_DIR / "var" / "bench-queue"
SMALL = 100
TARGET_RATIO = 1.5
SPACING = dt.timedelta(minutes=26)
PASSWORD = "bench-queue-password"  # noqa: S105 (a throwaway database's engineers)
TITLES = [
    "Warehouse shipments cannot be posted",
    "Pick list prints blank bin codes",
    "Cycle count journal posts to the wrong location",
    "Directed put-away fails for rental returns",
    "Job queue entries for replenishment stop every night",
    "Japanese characters truncated in shipping labels",
    "How do we set up cross-docking for drop shipments?",
    "Slow item tracking lookup on large lots",
]


DB_FILE = BENCH_VAR / "queue.sqlite3"
TEMPLATE_FILE = BENCH_VAR / "migrated.sqlite3"


def setup_django() -> bool:
    """Point Django at the throwaway database; True when it is our own SQLite file."""
    own = not os.environ.get("DATABASE_URL")
    if own:
        BENCH_VAR.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{DB_FILE}{suffix}").unlink(missing_ok=True)
        if TEMPLATE_FILE.exists():
            shutil.copyfile(TEMPLATE_FILE, DB_FILE)
        os.environ["DATABASE_URL"] = f"sqlite:///{DB_FILE}"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    return own


def migrate(own: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, interactive=False)
    if own:
        connection.close()
        shutil.copyfile(DB_FILE, TEMPLATE_FILE)
        with connection.cursor() as cursor:
            # A throwaway file: no need to survive a power cut while loading 100,000 rows.
            cursor.execute("PRAGMA synchronous = OFF")


def build_world(now: dt.datetime):
    """Regions and plans come from the migrations; add organisations, contracts and staff."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from accounts.models import Contract, Organization, StaffProfile
    from sla.models import Severity, SupportPlan, SupportRegion

    users = get_user_model().objects
    regions = list(SupportRegion.objects.all())
    plans = list(SupportPlan.objects.all())
    orgs, contracts = [], []
    for i in range(60):
        region = regions[i % len(regions)]
        org = Organization.objects.create(name=f"Customer {i:03d}", region=region, time_zone=region.time_zone)
        contract = Contract.objects.create(
            organization=org,
            plan=plans[i % len(plans)],
            starts_on=dt.date(2020, 1, 1),
            ends_on=dt.date(2030, 12, 31),
            incidents_allotted=100_000,
        )
        orgs.append(org)
        contracts.append(contract)
    submitter = users.create_user("customer@example.com", "customer@example.com", "x")
    engineers_group = Group.objects.get(name="Support engineers")
    staff = []
    for i in range(6):
        user = users.create_user(f"engineer{i}", f"engineer{i}@contoso.example", PASSWORD, is_staff=True)
        user.groups.add(engineers_group)
        StaffProfile.objects.create(user=user, time_zone="Europe/London")
        staff.append(user)
    severities = list(Severity.objects.order_by("display_order"))
    return orgs, contracts, submitter, staff, severities


def make_incidents(start: int, stop: int, *, now, orgs, contracts, submitter, staff, severities):
    """Incident i was filed i × 26 minutes before `now` (0 = newest).

    Rows go in with one `executemany` (Django's bulk_create spends most of its time
    compiling SQL); columns this script does not set get their field's default.
    """
    from django.db import connection

    from incidents.models import Incident, IncidentStatus

    s = IncidentStatus
    ops = connection.ops
    targets = {"A": dt.timedelta(hours=1), "B": dt.timedelta(hours=4), "C": dt.timedelta(hours=8)}
    open_states = [s.RESPONDED, s.IN_PROGRESS, s.AWAITING_CUSTOMER, s.MITIGATED]

    def when(value):
        return ops.adapt_datetimefield_value(value) if value is not None else None

    # The 100 newest are all Severity A at Premier customers in Japan, three in four assigned to
    # the measuring engineer: then every filtered page shows a full page at both sizes, and
    # the ratio measures the size of the table, not a different number of rows on the page.
    focus = [k for k, c in enumerate(contracts) if c.plan.code == "premier" and orgs[k].region.code == "japan"]
    rows = []
    for i in range(start, stop):
        submitted_at = now - i * SPACING
        age = now - submitted_at
        if i < SMALL:
            k = focus[i % len(focus)]
            severity = severities[0]
            assignee = staff[1].pk if i % 4 else None
        else:
            k = i % len(orgs)
            severity = severities[i % 3]
            assignee = staff[i % len(staff)].pk if i % 4 else None
        first_response_at = submitted_at + dt.timedelta(minutes=30)
        if age < dt.timedelta(hours=24):
            status, first_response_at = s.NEW, None
        elif age < dt.timedelta(days=30):
            status = open_states[i % len(open_states)]
            assignee = assignee or staff[0].pk
        else:
            status = s.CLOSED if i % 5 else s.RESOLVED
            assignee = assignee or staff[1].pk
        rows.append(
            {
                "organization_id": orgs[k].pk,
                "contract_id": contracts[k].pk,
                "submitted_by_id": submitter.pk,
                "title": f"{TITLES[i % len(TITLES)]} ({i})",
                "description": "Steps to reproduce: open the worksheet, run the action, see the error.",
                "plan_id": contracts[k].plan_id,
                "severity_id": severity.pk,
                "region_id": orgs[k].region_id,
                "microsoft_case_number": f"26{i:014d}" if i % 10 == 0 else "",
                "status": str(status),
                "assignee_id": assignee,
                "submitted_at": when(submitted_at),
                "response_due_at": when(submitted_at + targets[severity.code]),
                # The watcher writes the policy's warning step (75 % of the target) when it plans.
                "response_warning_at": when(submitted_at + targets[severity.code] * 3 / 4),
                "first_response_at": when(first_response_at),
                "resolved_at": when(submitted_at + dt.timedelta(days=3)) if status in (s.RESOLVED, s.CLOSED) else None,
                "closed_at": when(submitted_at + dt.timedelta(days=10)) if status == s.CLOSED else None,
                "updated_at": when(now),
            }
        )
    fields = [f for f in Incident._meta.concrete_fields if not f.primary_key]
    defaults = {f.attname: f.get_db_prep_save(f.get_default(), connection) for f in fields if f.attname not in rows[0]}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    values = [tuple(row.get(f.attname, defaults.get(f.attname)) for f in fields) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO incidents_incident ({columns}) VALUES ({placeholders})", values)  # noqa: S608


@contextlib.contextmanager
def secondary_indexes_dropped(own: bool):
    """Load faster into our own SQLite file: drop the incident table's indexes, recreate them after."""
    from django.db import connection

    if not own:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'incidents_incident' "
            "AND sql IS NOT NULL"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        for _, sql in indexes:
            cursor.execute(sql)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def pages(engineer, severities, plans, regions) -> list[tuple[str, str]]:
    return [
        ("default queue (open, unanswered first)", ""),
        ("status = new", "status=new"),
        ("severity = A", f"severity__id__exact={severities[0].pk}"),
        ("plan = Premier", f"plan__id__exact={plans['premier'].pk}"),
        ("region = Japan", f"region__id__exact={regions['japan'].pk}"),
        ("breached", "clock=breached"),
        ("past the warning step", "clock=warning"),
        ("assigned to me", "assigned=me"),
        ("unassigned", "assigned=none"),
        ("view: due in the next hour", "view=due_soon"),
        ("view: escalated", "view=escalated"),
        ("view: customer replied", "view=replied"),
    ]


EXTRA_PAGES = [
    ("(info) status = all, whole table sorted", "status=all"),
    ("(info) search: organisation name", "q=Customer+007"),
    ("(info) search: incident number", "q=INC-2026-000042"),
]


def render(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def describe(client, url: str) -> tuple[int, int]:
    """(queries, rows shown) of one render."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    context = response.context
    rows = len(context["cl"].result_list) if context is not None and "cl" in context else 0  # the poll: JSON
    return len(ctx.captured_queries), rows


def sign_in(client, engineer, page: str) -> None:
    """Sign the engineer in as a person does: the password, then the code of the
    authenticator app they enrolled (staff must pass a second factor to see the admin)."""
    from django.urls import reverse
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=engineer, name="Phone", confirmed=True)
    response = client.post(reverse("login"), {"username": engineer.username, "password": PASSWORD, "next": page})
    assert response.status_code == 302, ("password step", response.status_code)
    response = client.get(page, follow=True)
    step, _ = response.redirect_chain[-1] if response.redirect_chain else (page, None)
    assert step.startswith(reverse("two_factor_verify")), ("expected the second-factor step", step)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    response = client.post(step, {"code": f"{totp.token():0{device.digits}d}"})
    assert response.status_code == 302, ("code step", response.status_code)
    assert response["Location"] == page, ("code step", response["Location"])


def use_database(name: str) -> None:
    """Switch the default connection to another database (closed now, reopened on use)."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def database_copy(own: bool) -> tuple[str, str] | None:
    """(small, large): the 100-incident database and a copy of it to load the other rows into,
    so that the renders can alternate between the two; None for a SQLite file of the caller's."""
    from django.db import connection

    settings = connection.settings_dict
    small = str(settings["NAME"])
    connection.close()
    if own:
        large = BENCH_VAR / "queue-large.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{large}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(small, large)
        return small, str(large)
    if connection.vendor == "postgresql":
        import psycopg
        from psycopg import sql

        large_name = f"{small}_large"
        server = {"host": settings["HOST"], "port": settings["PORT"], "user": settings["USER"]}
        with psycopg.connect(
            dbname="postgres", password=settings["PASSWORD"] or None, autocommit=True, **server
        ) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(large_name)))
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(large_name), sql.Identifier(small))
            )
        return small, large_name
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    own = setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from incidents.models import Incident
    from sla.models import SupportPlan, SupportRegion

    t0 = time.perf_counter()
    migrate(own)
    setup_test_environment()  # lets the test client see the page's context (rows shown)
    print(f"migrate: {time.perf_counter() - t0:.1f} s")

    now = timezone.now().replace(second=0, microsecond=0)
    orgs, contracts, submitter, staff, severities = build_world(now)
    world = {"now": now, "orgs": orgs, "contracts": contracts, "submitter": submitter, "staff": staff}
    make_incidents(0, SMALL, severities=severities, **world)
    analyze()

    engineer = staff[1]
    client = Client(HTTP_HOST="localhost")
    base = reverse("admin:incidents_incident_changelist")
    sign_in(client, engineer, base)
    plans = {p.code: p for p in SupportPlan.objects.all()}
    regions = {r.code: r for r in SupportRegion.objects.all()}
    cases = [(name, f"{base}?{query}") for name, query in pages(engineer, severities, plans, regions) + EXTRA_PAGES]
    cases.append(("live poll (static/js/queue_live.js)", reverse("admin:incidents_incident_poll")))

    times: dict[str, dict[str, list[float]]] = {name: {"small": [], "large": []} for name, _ in cases}
    facts: dict[str, dict[str, tuple[int, int]]] = {name: {} for name, _ in cases}
    # Both databases side by side: the renders alternate, so the noise of a shared machine
    # falls on both sides alike.
    copy = database_copy(own)
    if copy:
        use_database(copy[1])
    else:
        for name, url in cases:
            render(client, url)
            times[name]["small"] = [render(client, url) for _ in range(args.repeat)]
            facts[name]["small"] = describe(client, url)

    t0 = time.perf_counter()
    step = 20_000
    with secondary_indexes_dropped(own):
        for start in range(SMALL, args.incidents, step):
            make_incidents(start, min(start + step, args.incidents), severities=severities, **world)
    analyze()
    print(f"bulk_create {args.incidents - SMALL:,} more incidents + ANALYZE: {time.perf_counter() - t0:.1f} s")
    assert Incident.objects.count() == args.incidents

    for name, url in cases:
        sides = [("small", copy[0]), ("large", copy[1])] if copy else [("large", None)]
        for side, path in sides:
            if path:
                use_database(path)
            render(client, url)  # warm-up
            facts[name][side] = describe(client, url)
        for _ in range(args.repeat):
            for side, path in sides:
                if path:
                    use_database(path)
                times[name][side].append(render(client, url))

    print()
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{connection.vendor} {connection.Database.sqlite_version if connection.vendor == 'sqlite' else ''}".strip()
    )
    print(
        f"Date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; best of {args.repeat} renders per page "
        f"(median in brackets){', alternating between the two databases' if copy else ''}\n"
    )
    print(
        f"| Page | rows shown ({SMALL} / {args.incidents:,}) | {SMALL} incidents | {args.incidents:,} incidents "
        f"| ratio | queries | within {TARGET_RATIO}x |"
    )
    print("|---|---|---|---|---|---|---|")
    failures = []
    for name, _ in cases:
        small_t, large_t = times[name]["small"], times[name]["large"]
        (q_small, r_small), (q_large, r_large) = facts[name]["small"], facts[name]["large"]
        ratio = min(large_t) / min(small_t)
        informational = name.startswith("(info)")
        ok = ratio <= TARGET_RATIO
        if not informational and (not ok or q_small != q_large):
            failures.append(name)
        queries = f"{q_small}" if q_small == q_large else f"{q_small} → {q_large}"
        verdict = "—" if informational else ("yes" if ok else "NO")
        print(
            f"| {name} | {r_small} / {r_large} "
            f"| {min(small_t) * 1000:.0f} ms ({statistics.median(small_t) * 1000:.0f}) "
            f"| {min(large_t) * 1000:.0f} ms ({statistics.median(large_t) * 1000:.0f}) "
            f"| {ratio:.2f}x | {queries} | {verdict} |"
        )
    print()
    if failures:
        print(f"Outside the target or query count changed: {', '.join(failures)}")
        return 1
    print(f"All filters within {TARGET_RATIO}x of the 100-incident page, with the same number of queries.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
