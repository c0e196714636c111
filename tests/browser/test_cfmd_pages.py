"""The CfMD pages in headless Chromium, on the demo data: lifecycle, contacts, roadmap,
compliance (with a historical view), the printable evidence pack and its PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from cfmd import demo as cfmd_demo
from escalation.models import EscalationContact
from lifecycle import demo as lifecycle_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    # The SLA defaults (a data migration's rows) are restored by tests/conftest.py.
    now = timezone.now()
    lifecycle_demo.seed(now=now, stdout=io.StringIO())
    cfmd_demo.seed(now=now, stdout=io.StringIO())
    EscalationContact.objects.create(
        name="Maria Sørensen",
        role="Head of Support, escalation contact for Microsoft",
        email="escalation@contoso.example",
        phone="+45 55 55 01 99",
        hours="Monday–Friday 08:00–18:00 CET; 24/7 for Severity A",
        channels="phone, email, Teams",
        is_public=True,
        verified_on=now.date() - dt.timedelta(days=21),
    )
    return now


def test_lifecycle_page_shows_versions_phases_and_dynamics(page, live_server, screenshot, demo):
    page.goto(f"{live_server.url}/support/lifecycle/")
    assert page.get_by_role("heading", name="Support lifecycle", level=1).is_visible()
    table = page.locator("table.lifecycle-table")
    assert table.locator("tbody tr").count() == 7
    assert table.get_by_text("Supported (current version)").count() == 1
    assert "America/Los_Angeles" in table.locator("caption").inner_text()
    assert page.locator("dl.facts").get_by_text("at least 12 months in advance").is_visible()
    screenshot("cfmd-lifecycle")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # wide tables scroll in their box
    screenshot("cfmd-lifecycle-mobile")


def test_lifecycle_as_of_form_shows_the_page_as_it_stood(page, live_server, screenshot, demo):
    page.goto(f"{live_server.url}/support/lifecycle/")
    page.fill("#id_as_of", "2026-03-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    assert "as_of=2026-03-01" in page.url
    assert page.get_by_text("Historical view").is_visible()
    assert page.locator("dl.facts").get_by_text("at least 6 months in advance").is_visible()  # the policy before June
    # Versions 28.0 and 29.0 shipped later: not on the page as it stood on 1 March.
    assert "27.0" in page.locator("table.lifecycle-table").inner_text()
    assert "29.0" not in page.locator("table.lifecycle-table").inner_text()
    screenshot("cfmd-lifecycle-as-of")


def test_contacts_page_shows_channels_and_escalation_contact(page, live_server, screenshot, demo):
    page.goto(f"{live_server.url}/support/contacts/")
    assert page.locator("article.channel").count() == 3
    contact = page.locator("article.escalation-contact")
    assert "Maria Sørensen" in contact.inner_text()
    assert contact.get_by_role("link", name="escalation@contoso.example").is_visible()
    screenshot("cfmd-contacts")


def test_roadmap_page_shows_statement_and_release_waves(page, live_server, screenshot, demo):
    page.goto(f"{live_server.url}/roadmap/")
    assert page.get_by_role("heading", name="Direction", exact=True).is_visible()
    assert page.get_by_text("Reviewed on").is_visible()
    assert page.get_by_role("rowheader", name="2027 release wave 1").is_visible()
    screenshot("cfmd-roadmap")


def test_compliance_page_is_mostly_green_with_one_stale_record(page, live_server, screenshot, demo):
    page.goto(f"{live_server.url}/cfmd/")
    rows = page.locator("table.cfmd-table tbody tr")
    assert rows.count() == 11
    statuses = {row.get_attribute("id"): row.get_attribute("data-status") for row in rows.all()}
    assert statuses["req-partner_profile"] == "bad"  # stale on purpose in the demo
    assert statuses["req-sla"] == statuses["req-escalation_contact"] == statuses["req-source_code_escrow"] == "ok"
    assert list(statuses.values()).count("ok") >= 8
    screenshot("cfmd-compliance")
    page.goto(f"{live_server.url}/cfmd/?as_of=not-a-date")
    assert page.get_by_role("alert").is_visible()
    assert "YYYY-MM-DD" in page.get_by_role("alert").inner_text()
    screenshot("cfmd-compliance-bad-as-of")


def test_evidence_pack_prints_one_section_per_requirement(page, live_server, screenshot, demo):
    page.goto(f"{live_server.url}/cfmd/evidence-pack/")
    assert page.locator("section.pack-section").count() == 11
    screenshot("cfmd-evidence-pack")
    page.emulate_media(media="print")
    assert page.locator("nav.main-nav").is_hidden()
    assert page.locator("section.pack-section").first.evaluate("e => getComputedStyle(e).breakBefore") == "page"
    screenshot("cfmd-evidence-pack-print")


def test_evidence_pack_command_refuses_a_bad_date(demo):
    with pytest.raises(CommandError, match="YYYY-MM-DD") as excinfo:
        call_command("cfmd_evidence_pack", output="x.pdf", as_of="someday", skip_checks=True)
    assert excinfo.value.returncode == 2


def test_evidence_pack_command_writes_a_pdf(demo, tmp_path, chromium):
    # A process of its own: Playwright's sync API cannot nest inside the test browser's loop.
    from tests.conftest import worker_environment

    out = tmp_path / "evidence.pdf"
    done = subprocess.run(
        [sys.executable, "manage.py", "cfmd_evidence_pack", "--output", str(out), "--skip-checks"],
        env=worker_environment(),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Wrote" in done.stdout
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", data))
    assert pages >= 12  # a summary page and one page (or more) per requirement


def test_evidence_pack_as_of_shows_what_the_sla_promised_then(page, live_server, screenshot, demo):
    from sla.models import ResponseTarget

    target = ResponseTarget.objects.get(plan__code="subscription", severity__code="B")
    for minutes, when in [
        (300, dt.datetime(2026, 2, 1, 9, tzinfo=dt.UTC)),
        (180, dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)),
    ]:
        target.minutes = minutes
        target._history_date = when
        target.save()
    sla = page.locator("#pack-sla table.data")
    page.goto(f"{live_server.url}/cfmd/evidence-pack/?as_of=2026-03-15")
    assert "5 hours" in sla.inner_text()
    page.locator("#pack-sla").scroll_into_view_if_needed()
    screenshot("cfmd-evidence-pack-sla-as-of")
    page.goto(f"{live_server.url}/cfmd/evidence-pack/")
    assert "3 hours" in sla.inner_text()
    assert "5 hours" not in sla.inner_text()
