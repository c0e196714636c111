"""Response headers: a strict Content-Security-Policy on every page (no inline script left in
the templates), `Cache-Control: no-store` on signed-in pages and the API, and a sandbox on
attachment downloads."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents.models import Attachment
from incidents.services import NewIncident, incident_create
from tests.factories import severity

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def assert_strict(response) -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    scripts = directives.get("script-src", directives["default-src"])
    assert "'unsafe-inline'" not in scripts
    assert "'unsafe-eval'" not in scripts
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]


@pytest.fixture
def incident(organization, customer):
    with time_machine.travel(NOW, tick=True):
        return incident_create(
            organization=organization,
            submitted_by=customer,
            data=NewIncident(
                title="Blank bin codes", description="Details", severity=severity("B"), product_text="CAW"
            ),
            files=[SimpleUploadedFile("trace.svg.txt", b"<svg onload=alert(1)>")],
            now=NOW,
        ).incident


@pytest.mark.parametrize("name", ["home", "login", "password_reset", "admin:login", "kb:index", "sla:page"])
def test_public_pages_have_a_strict_policy(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_strict(response)


def test_signed_in_pages_and_the_admin_have_a_strict_policy(client, customer, engineer, incident):
    client.force_login(customer)
    for url in (
        reverse("incidents:list"),
        reverse("incidents:new"),
        reverse("incidents:detail", args=[incident.number]),
    ):
        assert_strict(client.get(url))
    client.force_login(engineer)
    for url in (reverse("admin:index"), reverse("admin:incidents_incident_changelist")):
        response = client.get(url)
        assert response.status_code == 200
        assert_strict(response)


def test_the_api_docs_load_their_assets_from_this_site(client, customer):
    client.force_login(customer)
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert "<script>" not in html
    assert_strict(response)


def test_no_inline_script_or_event_handler_is_left_in_the_templates():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        if "emails" in path.parts or path.name.startswith("password_reset_email"):
            continue  # e-mails are not pages
        text = path.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"""\son[a-z]+\s*=\s*["']""", text):
            offenders.append(str(path.relative_to(TEMPLATES)))
    assert offenders == []


def test_signed_in_pages_are_not_stored(client, customer, incident):
    client.force_login(customer)
    for url in (reverse("incidents:list"), reverse("incidents:detail", args=[incident.number]), reverse("home")):
        assert "no-store" in client.get(url)["Cache-Control"]


def test_public_pages_for_visitors_may_be_stored(client):
    assert "no-store" not in client.get(reverse("kb:index")).get("Cache-Control", "")


def test_api_responses_are_not_stored(client, customer):
    assert "no-store" in client.get("/api/v1/incidents/")["Cache-Control"]  # 401
    client.force_login(customer)
    response = client.get("/api/v1/incidents/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_attachment_downloads_are_sandboxed(client, customer, engineer, incident):
    attachment = Attachment.objects.get(incident=incident)
    client.force_login(customer)
    urls = [
        reverse("incidents:attachment", args=[incident.number, attachment.pk]),
        reverse("api:incidents:attachment", args=[incident.number, attachment.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        directives = policy(response)
        assert directives["sandbox"] == []
        assert directives["default-src"] == ["'none'"]
        assert "no-store" in response["Cache-Control"]
    client.force_login(engineer)
    response = client.get(reverse("admin:incidents_incident_attachment", args=[incident.pk, attachment.pk]))
    assert response.status_code == 200
    assert policy(response)["sandbox"] == []


def test_a_body_larger_than_anything_the_portal_accepts_is_refused_before_it_is_read(client, customer, settings):
    settings.REQUEST_MAX_BYTES = 1024 * 1024
    client.force_login(customer)
    too_big = str(2 * 1024 * 1024)
    response = client.post(
        "/incidents/new/", data=b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH=too_big
    )
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()
    api = client.post("/api/v1/incidents/", data=b"", content_type="application/json", CONTENT_LENGTH=too_big)
    assert api.status_code == 413
    assert api.json()["code"] == "request_too_large"
