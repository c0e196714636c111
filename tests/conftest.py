"""Shared fixtures: personas, a real browser, a real Celery worker.

With PORTAL_REQUIRE_ALL=1 (set by CI) a skipped test fails the run: a browser or service
test that could not run is a failure, not a pass.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

REQUIRE_ALL = os.environ.get("PORTAL_REQUIRE_ALL") == "1"
CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped:
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _remove_test_broker_folder()
    if REQUIRE_ALL and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"PORTAL_REQUIRE_ALL=1: {len(_skipped)} skipped test(s) count as failures:", red=True)
            for nodeid in _skipped:
                reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _remove_test_broker_folder() -> None:
    """This run's filesystem-broker folder (var/broker-test-<pid>) is of no use afterwards."""
    from django.conf import settings

    folder = Path(getattr(settings, "BROKER_DIR", ""))
    if folder.name.startswith("broker-test-") and folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (PORTAL_REQUIRE_ALL=1)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _migration_data(request):
    """Transactional tests run after a flush: give them the data migrations' rows again."""
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or (
        marker is not None and bool(marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    )
    if transactional:
        from tests.migration_data import restore

        request.getfixturevalue("transactional_db")
        restore()


@pytest.fixture(autouse=True)
def _webhooks_to_loopback(settings):
    """The suite's webhook receivers listen on 127.0.0.1, which production refuses
    (notify/addresses.py; tests/security/test_webhook_addresses.py turns it back off)."""
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True


@pytest.fixture(autouse=True)
def _cache_fresh():
    """Each test starts with an empty cache, as its database starts over: no rate-limit
    counts (invitations, resets, throttles) and no public pages of another test (a
    rolled-back transaction sends no signal to bump their version)."""
    from django.core.cache import cache

    from core.broker_guard import broker_guard_reset

    cache.clear()
    broker_guard_reset()  # nor another test's broker outage


@pytest.fixture(autouse=True)
def _sessions_do_not_idle_out(settings):
    """Tests travel hours and days in time between a sign-in and the next page; the idle
    sign-out has its own tests (tests/security/test_sessions_and_passwords.py)."""
    settings.SESSION_IDLE_MINUTES = 60 * 24 * 365


@pytest.fixture(autouse=True)
def _language_of_a_request_does_not_outlive_its_test():
    """A test client's request activates its language in the thread (LocaleMiddleware), and it
    stays active for the next test the worker runs; a test that renders no request (e.g. an
    SLA clock's label) then reads German."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _calendars_cache_clear():
    """A rolled-back or flushed test database reuses region ids and versions, which key the
    calendar cache (sla/calendars.py) and the SLA page's fragments (the "sla_fragments"
    cache): nothing carries over from another test."""
    from django.core.cache import caches

    from sla.calendars import calendars_cache_clear

    calendars_cache_clear()
    caches["sla_fragments"].clear()


@pytest.fixture(autouse=True)
def _staff_test_sessions_pass_the_second_factor(request, monkeypatch):
    """`client.force_login(staff)`, `client.login(...)` and `admin_client` sign staff in as the
    admin pages see them in production after both steps: the session names the staff
    member's authenticator app (a real confirmed device) the way `django_otp.login` does.
    Tests of the second factor itself (tests/security/test_two_factor.py) opt out with the
    `two_factor` marker; browser tests sign in through the forms and type a real code."""
    if request.node.get_closest_marker("two_factor"):
        return
    from django.test.client import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.two_factor import totp_device_for

    original = Client._login

    def _login(self, user, backend=None):
        original(self, user, backend)
        if user.is_staff or user.is_superuser:
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = totp_device_for(user).persistent_id
            session.save()

    monkeypatch.setattr(Client, "_login", _login)


# --- Personas -------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)  # Monday 07:00 in Los Angeles


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def sla(db):
    """The seeded SLA policy (from the data migration), by code."""
    from sla.models import Severity, SupportPlan, SupportRegion

    return {
        "plans": {p.code: p for p in SupportPlan.objects.all()},
        "severities": {s.code: s for s in Severity.objects.all()},
        "regions": {r.code: r for r in SupportRegion.objects.all()},
    }


@pytest.fixture
def organization(db, sla):
    from tests.factories import ContractFactory, OrganizationFactory

    org = OrganizationFactory(name="Fabrikam Inc.", region=sla["regions"]["north-america"])
    ContractFactory(organization=org, plan=sla["plans"]["professional-direct"])
    return org


@pytest.fixture
def other_organization(db, sla):
    from tests.factories import ContractFactory, OrganizationFactory

    org = OrganizationFactory(name="Northwind Traders", region=sla["regions"]["germany"], time_zone="Europe/Berlin")
    ContractFactory(organization=org, plan=sla["plans"]["subscription"])
    return org


@pytest.fixture
def customer_admin(organization):
    from accounts.models import Role
    from tests.factories import MemberFactory

    return MemberFactory(organization=organization, role=Role.ADMIN, email="olivia.admin@fabrikam.example")


@pytest.fixture
def customer(organization):
    from accounts.models import Role
    from tests.factories import MemberFactory

    return MemberFactory(organization=organization, role=Role.SUBMITTER, email="carl.contact@fabrikam.example")


@pytest.fixture
def colleague(organization):
    from accounts.models import Role
    from tests.factories import MemberFactory

    return MemberFactory(organization=organization, role=Role.SUBMITTER, email="cora.colleague@fabrikam.example")


@pytest.fixture
def viewer(organization):
    from accounts.models import Role
    from tests.factories import MemberFactory

    return MemberFactory(organization=organization, role=Role.VIEWER, email="vera.viewer@fabrikam.example")


@pytest.fixture
def outsider(other_organization):
    from accounts.models import Role
    from tests.factories import MemberFactory

    return MemberFactory(organization=other_organization, role=Role.ADMIN, email="oscar.outsider@northwind.example")


@pytest.fixture
def engineer(db):
    from tests.factories import StaffFactory

    return StaffFactory(username="erin.engineer", group="Support engineers")


@pytest.fixture
def other_engineer(db):
    from tests.factories import StaffFactory

    return StaffFactory(username="evan.engineer", group="Support engineers")


@pytest.fixture
def lead(db):
    from tests.factories import StaffFactory

    return StaffFactory(username="leah.lead", group="Support leads")


# --- A real browser -------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium: skipped without it (a failure under PORTAL_REQUIRE_ALL=1)."""
    if not Path(CHROMIUM).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under var/screenshots/NAME.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(page, live_server):
    """Sign a user in through the real login form."""

    def do(user, password: str = "correct-horse-battery") -> None:
        from tests.two_factor import pass_second_factor, totp_device_for

        if user.is_staff:
            totp_device_for(user)  # an engineer's phone, whose code the browser types
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if user.is_staff:
            pass_second_factor(page, user)

    return do


# --- A real Celery worker -------------------------------------------------------------


def worker_environment() -> dict[str, str]:
    """Environment for a worker/beat subprocess that uses the test database and broker."""
    from django.conf import settings
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        user = db.get("USER") or ""
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        auth = f"{user}{password}@" if user else ""
        env["DATABASE_URL"] = f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    env["CELERY_BROKER_URL"] = settings.CELERY_BROKER_URL
    env["PORTAL_BROKER_DIR"] = str(settings.BROKER_DIR)
    env["CELERY_TASK_DEFAULT_QUEUE"] = settings.CELERY_TASK_DEFAULT_QUEUE
    env["DEBUG"] = "true"
    env["WEBHOOK_ALLOW_PRIVATE_ADDRESSES"] = "true"  # the test receivers are on 127.0.0.1
    env.pop("PORTAL_TESTING", None)
    return env


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start `celery worker` as a real process against the test database; stop it after."""
    import subprocess
    import sys
    import time

    from django.conf import settings

    celery = shutil.which("celery", path=str(Path(sys.executable).parent))
    if celery is None:
        skip_or_fail("celery executable not found")
    processes: list[subprocess.Popen] = []
    logs: list[Path] = []

    def start(
        name: str = "w1", *, beat: bool = False, extra: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> subprocess.Popen:
        """`env` adds to or overrides the worker's environment (e.g. a broker of the test's own)."""
        log = Path(settings.VAR_DIR) / f"test-worker-{os.getpid()}-{name}.log"
        logs.append(log)
        args = [
            celery,
            "-A",
            "portal",
            "worker",
            "-n",
            f"{name}@%h",
            "-Q",
            ",".join(settings.WORKER_QUEUES),  # every queue the tasks are routed to
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *extra,
        ]
        if beat:
            args += ["--beat", "--schedule", str(Path(settings.VAR_DIR) / f"beat-{os.getpid()}-{name}")]
        proc = subprocess.Popen(
            args,
            env={**worker_environment(), **(env or {})},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=settings.BASE_DIR,
        )
        processes.append(proc)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"worker {name} exited: {log.read_text()[-2000:]}")
            if "ready." in log.read_text():
                return proc
            time.sleep(0.2)
        raise RuntimeError(f"worker {name} did not start: {log.read_text()[-2000:]}")

    yield start
    for proc in processes:
        if proc.poll() is None:
            proc.terminate()
    for proc in processes:
        try:
            proc.wait(timeout=15)
        except Exception:
            proc.kill()
