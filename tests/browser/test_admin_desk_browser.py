"""The engineer's desk in a real browser: the urgency order, the live queue, the row at
1366 px and the phone's blocks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from incidents.models import Incident
from incidents.services import incident_assign
from tests.factories import PASSWORD
from tests.incidents.test_admin_queue import file_incident
from tests.two_factor import pass_second_factor, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_without_asking_for_a_page(page, live_server, user) -> None:
    totp_device_for(user)
    page.goto(f"{live_server.url}/admin/")  # signed out: the sign-in form, next=/admin/
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    pass_second_factor(page, user)


def unanswered(organization, customer, *, title: str, sev: str, due_in: int, warn_in: int, age: int) -> Incident:
    now = timezone.now()
    incident = file_incident(organization, customer, title=title, sev=sev, at=now - dt.timedelta(minutes=age))
    Incident.objects.filter(pk=incident.pk).update(
        response_due_at=now + dt.timedelta(minutes=due_in), response_warning_at=now + dt.timedelta(minutes=warn_in)
    )
    return incident


@pytest.fixture
def busy_morning(organization, customer, other_engineer):
    """The issue's morning: two breached Severity B above an unassigned Severity A due in 43 min."""
    made = [
        unanswered(
            organization, customer, title="Production down: posting stopped", sev="A", due_in=43, warn_in=-2, age=17
        ),
        unanswered(organization, customer, title="Invoice layout wrong", sev="B", due_in=-120, warn_in=-150, age=300),
        unanswered(
            organization, customer, title="Bin codes blank on pick list", sev="B", due_in=-30, warn_in=-60, age=200
        ),
        unanswered(
            organization, customer, title="Question about cross-docking", sev="C", due_in=240, warn_in=200, age=5
        ),
    ]
    for incident in made[1:3]:
        incident_assign(incident=incident, assignee=other_engineer, by=other_engineer, now=timezone.now())
    return made


def test_staff_land_on_the_queue_in_urgency_order_and_the_row_fits_1366(
    page, live_server, screenshot, engineer, busy_morning
):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in_without_asking_for_a_page(page, live_server, engineer)
    assert "/admin/incidents/incident/" in page.url
    assert page.get_by_role("heading", name="Incident queue").is_visible()
    rows = page.locator("#result_list tbody tr")
    assert [rows.nth(i).locator("th a").inner_text() for i in range(rows.count())] == [i.number for i in busy_morning]
    # The whole row fits: the Assignee column ends inside the window, no sideways scroll.
    assignee = page.locator("#result_list thead th.column-assignee_name")
    box = assignee.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 1366
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    # ... and nothing lies over it (the filters once covered the last column).
    point = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th.column-assignee_name') !== null", point
    )
    # The state in words, the row marked by it.
    assert "Breached" in rows.nth(1).locator(".sla-clock-text").inner_text()
    assert page.title().startswith("(4) ")
    screenshot("admin-desk-queue-1366")

    page.keyboard.press("?")
    assert page.locator("#queue-keys-help").is_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "queue-row-current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "queue-row-current" in (rows.nth(0).get_attribute("class") or "")
    screenshot("admin-desk-queue-keys")
    page.keyboard.press("a")
    page.wait_for_load_state("networkidle")
    assert "1 incident assigned to you." in page.locator(".messagelist").inner_text()


def test_a_new_incident_appears_within_seconds_without_a_reload(
    page, live_server, screenshot, engineer, organization, customer, busy_morning
):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in_without_asking_for_a_page(page, live_server, engineer)
    page.evaluate("window.__notReloaded = true")
    fresh = file_incident(organization, customer, title="Warehouse scanners cannot log in", sev="A", at=timezone.now())
    page.locator("#result_list tbody tr", has_text=fresh.number).wait_for(timeout=15000)
    assert page.evaluate("window.__notReloaded") is True  # swapped in, not reloaded
    assert page.title().startswith("(5) ")
    assert "New incidents arrived." in page.locator("#queue-live").inner_text()
    assert "5 results" in page.locator("#changelist-search").inner_text()
    screenshot("admin-desk-queue-live")


def test_on_a_phone_each_incident_is_one_block_with_severity_state_and_due_time(
    page, live_server, screenshot, engineer, busy_morning
):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in_without_asking_for_a_page(page, live_server, engineer)
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 4
    first = rows.first
    box = first.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    for part in (".queue-sev", ".sla-clock-text", ".sla-clock-due", ".queue-status"):
        element = first.locator(part)
        assert element.is_visible(), part
        inner = element.bounding_box()
        assert inner is not None
        assert inner["x"] + inner["width"] <= 390, part
    assert first.locator(".queue-sev").inner_text() == "A"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("admin-desk-queue-phone")
