"""The site shell: navigation pages, probes, error pages, start-up configuration errors."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from notify.services import Email, emails_enqueue
from portal import views
from tests.escalation.conftest import file_incident

__all__ = ["file_incident"]

NAV_URLS = [
    "home",
    "sla:page",
    "cfmd:lifecycle",
    "kb:index",
    "cfmd:contacts",
    "cfmd:roadmap",
    "cfmd:cfmd",
    "escalation:page",
    "login",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", NAV_URLS)
def test_every_navigation_page_answers(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b'<nav class="main-nav"' in response.content


@pytest.mark.django_db
def test_home_shows_the_seeded_response_matrix(client):
    response = client.get(reverse("home"))
    content = response.content.decode()
    for plan in ("Subscription", "Professional Direct", "Premier"):
        assert plan in content
    assert "A – Critical" in content


def test_healthz_needs_no_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


MONITOR_TOKEN = "a-monitor-token-of-thirty-two-chars!"


@pytest.fixture
def monitor(settings):
    """The headers of a monitor holding the configured READINESS_TOKEN."""
    settings.READINESS_TOKEN = MONITOR_TOKEN
    return {"HTTP_AUTHORIZATION": f"Bearer {MONITOR_TOKEN}"}


@pytest.mark.django_db
def test_readyz_asks_only_whether_the_database_answers(client, monitor):
    response = client.get("/readyz", **monitor)
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_readyz_tells_the_public_the_status_only(client, monkeypatch, monitor):
    response = client.get("/readyz", REMOTE_ADDR="203.0.113.9")
    assert response.json() == {"status": "ok"}

    def refused(connection):
        return "database unreachable: OperationalError: could not connect to db.internal:5432"

    monkeypatch.setattr(views, "database_check", refused)
    response = client.get("/readyz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"status": "unavailable"}  # no host name, no error text
    response = client.get("/readyz", **monitor)
    assert response.json()["failed"] == ["database"]


def _broker_down(monkeypatch, settings):
    from portal.celery import app

    # Nothing listens on port 1. Celery prefers the CELERY_BROKER_URL environment variable
    # (set when the suite runs on Redis) to its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"


@pytest.fixture
def broker_down(monkeypatch, settings):
    from portal.celery import app

    _broker_down(monkeypatch, settings)
    yield
    app.conf.broker_url = settings.CELERY_BROKER_URL


@pytest.mark.django_db
def test_a_broker_outage_does_not_take_the_web_node_out(client, broker_down, monitor):
    assert client.get("/readyz").status_code == 200
    response = client.get("/readyz/workers", **monitor)
    assert response.status_code == 503
    body = response.json()
    assert "broker" in body["failed"]
    assert "broker unreachable" in body["checks"]["broker"]


@pytest.mark.django_db
def test_readyz_workers_reports_workers_watcher_and_outbox(client, now, file_incident, monitor):
    from portal.models import SchedulerHeartbeat, WorkerHeartbeat

    WorkerHeartbeat.objects.create(worker="celery@a", seen_at=timezone.now())
    SchedulerHeartbeat.objects.create(seen_at=timezone.now())
    assert client.get("/readyz/workers", **monitor).json()["checks"] == {
        "database": "ok",
        "broker": "ok",
        "scheduler": "ok",
        "workers": "ok",
        "watcher": "ok",
        "outbox": "ok",
    }
    # An incident whose check is five minutes overdue: the sweep is not keeping up.
    five_minutes_ago = timezone.now() - dt.timedelta(minutes=5)
    file_incident(at=five_minutes_ago, planned=False)
    email = Email(to="a@example.com", template="emails/x", context={}, language="en", time_zone="UTC")
    emails_enqueue(key="test:1", emails=[email], now=five_minutes_ago)
    response = client.get("/readyz/workers", **monitor)
    assert response.status_code == 503
    assert response.json()["checks"]["watcher"].startswith("escalation checks overdue by")
    assert response.json()["checks"]["outbox"].startswith("messages waiting for")


@pytest.mark.django_db
def test_a_stopped_beat_is_reported_as_the_scheduler_not_as_the_workers(client, monitor):
    """Beat schedules the workers' heartbeat: when it stops, the workers' last heartbeat is
    judged at the instant beat last ticked."""
    from portal.models import SchedulerHeartbeat, WorkerHeartbeat

    stopped_at = timezone.now() - dt.timedelta(minutes=10)
    SchedulerHeartbeat.objects.create(seen_at=stopped_at)
    WorkerHeartbeat.objects.create(worker="celery@a", seen_at=stopped_at - dt.timedelta(seconds=20))
    body = client.get("/readyz/workers", **monitor).json()
    assert body["failed"] == ["scheduler"]
    assert body["checks"]["scheduler"].startswith("the scheduler stopped")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"failing: scheduler$"):
        call_command("watcher_status", stdout=out)
    assert "the scheduler stopped" in out.getvalue()


@pytest.mark.django_db
def test_unknown_page_is_a_styled_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PORTAL_TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def test_missing_secret_key_stops_start_up_with_one_line():
    result = _manage("check", DEBUG="false")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "Configuration error: Environment variable SECRET_KEY: is required when DEBUG is off (set a long random string)"
    )


def test_malformed_boolean_names_the_variable():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode == 2
    assert "Environment variable DEBUG: expected true or false, got 'maybe'" in result.stderr


def test_malformed_database_url_names_the_variable():
    result = _manage("check", DEBUG="true", DATABASE_URL="nonsense")
    assert result.returncode == 2
    assert "Environment variable DATABASE_URL" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="x7!" * 20 + "production-key",
        ALLOWED_HOSTS="support.example.com",
        SITE_URL="https://support.example.com",
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_demo_emails_are_files_under_var_mail():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND, settings.EMAIL_FILE_PATH)",
        DEBUG="true",
    )
    backend, path = result.stdout.strip().splitlines()[-1].split()
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert os.path.isabs(path)
    assert path.endswith(os.path.join("var", "mail"))


def test_malformed_email_url_names_the_variable():
    result = _manage("check", DEBUG="true", EMAIL_URL="bogus")
    assert result.returncode == 2
    assert "Environment variable EMAIL_URL" in result.stderr


def test_favicon_ico_leads_to_the_site_icon_and_the_admin_links_it(client, admin_client):
    from django.templatetags.static import static

    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("img/favicon.svg")
    assert f'<link rel="icon" href="{static("img/favicon.svg")}"' in admin_client.get("/admin/").content.decode()


@pytest.mark.django_db
def test_the_admin_index_names_a_stopped_scheduler_apart_from_the_workers(client, engineer, settings):
    from django.contrib.auth.models import Permission

    settings.WATCHER_ALARM = True  # the banner every admin page shows (portal/watch_alarm.py)
    from portal.models import SchedulerHeartbeat, WorkerHeartbeat

    engineer.user_permissions.add(*Permission.objects.filter(codename="view_incident"))
    client.force_login(engineer)
    stopped_at = timezone.now() - dt.timedelta(minutes=10)
    SchedulerHeartbeat.objects.create(seen_at=timezone.now())
    WorkerHeartbeat.objects.create(worker="celery@a", seen_at=timezone.now())
    assert b"The scheduler stopped" not in client.get("/admin/").content
    SchedulerHeartbeat.objects.update(seen_at=stopped_at)
    page = client.get("/admin/").content.decode()
    assert "The scheduler stopped" in page
    assert "No worker answers" not in page
