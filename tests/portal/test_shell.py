"""The site shell: navigation pages, probes, error pages, start-up configuration errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.urls import reverse

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


@pytest.mark.django_db
def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_broker_when_it_is_down(client, settings, monkeypatch):
    from portal.celery import app

    # Nothing listens on port 1. Celery prefers the CELERY_BROKER_URL environment variable
    # (set when the suite runs on Redis) to its configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = settings.CELERY_BROKER_URL
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["broker"]
    assert body["checks"]["database"] == "ok"
    assert "broker unreachable" in body["checks"]["broker"]


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
