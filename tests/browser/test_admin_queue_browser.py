"""An engineer works the queue in the admin with a real browser."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.conftest import SCREENSHOTS
from tests.factories import PASSWORD
from tests.incidents.test_admin_queue import file_incident
from tests.two_factor import pass_second_factor, totp_device_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_to_admin(page, live_server, user) -> None:
    """The admin's sign-in form, then the code of the engineer's authenticator app."""
    totp_device_for(user)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/incidents/incident/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    pass_second_factor(page, user)


def test_engineer_takes_an_unassigned_incident_and_answers_it(
    page, live_server, screenshot, engineer, other_engineer, organization, customer
):
    from incidents.services import incident_assign

    now = timezone.now()
    urgent = file_incident(organization, customer, title="Warehouse shipments cannot be posted", sev="A", at=now)
    taken = file_incident(
        organization, customer, title="Pick list prints blank bin codes", sev="A", at=now - dt.timedelta(minutes=90)
    )
    incident_assign(incident=taken, assignee=other_engineer, by=other_engineer, now=now)

    sign_in_to_admin(page, live_server, engineer)
    assert page.get_by_role("heading", name="Incident queue").is_visible()
    assert page.locator("#result_list tbody tr").count() == 2
    screenshot("admin-queue-default")

    page.locator("#changelist-filter").get_by_role("link", name="Unassigned").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert urgent.number in rows.first.inner_text()
    screenshot("admin-queue-unassigned")

    page.check(f"input[name=_selected_action][value='{urgent.pk}']")
    page.select_option("select[name=action]", "assign_to_me")
    page.click("button[name=index]")
    page.wait_for_load_state("networkidle")
    assert "1 incident assigned to you." in page.locator(".messagelist").inner_text()

    page.locator("#changelist-filter").get_by_role("link", name="Assigned to me").click()
    page.get_by_role("link", name=urgent.number).click()
    page.wait_for_load_state("networkidle")
    clock = page.locator(".queue-clock-line .sla-clock")
    assert clock.get_attribute("data-state") in ("running", "warning")
    page.get_by_role("button", name="Record initial response").click()
    page.wait_for_load_state("networkidle")
    clock = page.locator(".queue-clock-line .sla-clock")
    assert clock.get_attribute("class") == "sla-clock sla-met"
    assert clock.locator(".sla-clock-text").inner_text() == "Met"
    assert "Initial response recorded" in page.locator(".messagelist").inner_text()
    screenshot("admin-queue-incident-met")

    page.goto(f"{live_server.url}/admin/incidents/incident/?assigned=me")
    row = page.locator("#result_list tbody tr", has_text=urgent.number)
    assert row.locator(".sla-clock-text").inner_text() == "Met"
    assert row.locator(".queue-status").inner_text() == "Responded"
    screenshot("admin-queue-mine-met")


def test_the_clocks_count_down_without_a_reload(page, live_server, screenshot, engineer, organization, customer):
    incident = file_incident(organization, customer, title="Posting stopped", sev="A", at=timezone.now())
    sign_in_to_admin(page, live_server, engineer)
    clock = page.locator(f"#result_list tbody tr:has-text('{incident.number}') .sla-clock")
    assert clock.get_attribute("data-state") in ("running", "warning")
    assert clock.get_attribute("data-breached-at") == clock.get_attribute("data-due")
    # Pretend the deadline was two hours ago, then let the page's script refresh the clocks:
    # it switches to the state whose instant (rendered by the server) has passed.
    page.evaluate(
        """() => {
            const el = document.querySelector('[data-sla-clock]');
            const due = new Date(Date.now() - 2 * 3600 * 1000 - 30000).toISOString();
            el.setAttribute('data-due', due);
            el.setAttribute('data-breached-at', due);
            window.portalQueueClocks.refresh();
        }"""
    )
    assert clock.get_attribute("data-state") == "breached"
    assert clock.get_attribute("class") == "sla-clock sla-breached"
    assert clock.locator(".sla-clock-text").inner_text() == "Breached 2 h 00 min ago"
    screenshot("admin-queue-clock-refreshed")


def test_severity_change_and_an_internal_note_from_the_incident_page(
    page, live_server, screenshot, engineer, organization, customer
):
    incident = file_incident(organization, customer, title="Bin codes blank", sev="C", at=timezone.now())
    sign_in_to_admin(page, live_server, engineer)
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")

    page.get_by_role("button", name="Change severity…").click()
    page.wait_for_load_state("networkidle")
    assert incident.number in page.locator("#content-main").inner_text()
    page.select_option("#id_severity", label="A – Critical")
    page.fill("#id_reason", "Production warehouse stopped shipping")
    screenshot("admin-queue-change-severity-form")
    page.locator("input[name=apply]").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/admin/incidents/incident/{incident.pk}/change/")
    assert "deadlines recomputed" in page.locator(".messagelist").inner_text()

    page.check("#id_visibility_1")  # internal note
    page.fill("#id_body", "Customer's job queue runs as a disabled user; checking with Microsoft.")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    note = page.locator(".queue-entry-internal")
    assert note.count() == 1
    assert "checking with Microsoft" in note.inner_text()
    assert "INTERNAL NOTE" in note.inner_text().upper()
    severity_entry = page.locator(".queue-entry-severity")
    assert "Production warehouse stopped shipping" in severity_entry.inner_text()
    page.locator("#timeline").scroll_into_view_if_needed()
    screenshot("admin-queue-incident-timeline")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.locator(".queue-clock-line .sla-clock").is_visible()
    screenshot("admin-queue-incident-mobile")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "admin-queue-incident-mobile-top.png"))
