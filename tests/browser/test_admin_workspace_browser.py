"""The incident page as a workspace, with a real browser at desktop and phone width."""

from __future__ import annotations

import pytest
from django.utils import timezone

from incidents.models import Comment, Macro, MacroVariant
from incidents.services import comment_add
from tests.browser.test_admin_queue_browser import sign_in_to_admin
from tests.incidents.test_admin_queue import file_incident

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(SIZES))
def size(request, page):
    width, height = SIZES[request.param]
    page.set_viewport_size({"width": width, "height": height})
    return request.param


def open_incident(page, live_server, incident) -> None:
    page.goto(f"{live_server.url}/admin/incidents/incident/{incident.pk}/change/")
    page.wait_for_load_state("networkidle")


def test_an_internal_note_stays_internal_on_the_next_message(
    page, live_server, screenshot, size, engineer, organization, customer
):
    incident = file_incident(organization, customer, title="Bin codes blank", sev="B", at=timezone.now())
    comment_add(incident=incident, author=customer, body="It **still** fails", now=timezone.now())
    sign_in_to_admin(page, live_server, engineer)
    open_incident(page, live_server, incident)
    reply_box = page.locator("#reply")
    assert reply_box.bounding_box()["y"] < 900  # the reply box where the hand is
    assert page.locator(".queue-entry-body strong", has_text="still").count() == 1  # Markdown rendered
    page.check("#id_visibility_1")
    page.fill("#id_body", "Reproduced on a copy of their database.")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    assert page.is_checked("#id_visibility_1")  # still an internal note
    assert not page.is_checked("#id_visibility_0")
    note = page.locator(".queue-entry-internal")
    assert "the customer does not see this" in note.inner_text().lower()
    screenshot(f"workspace-internal-sticky-{size}")
    page.fill("#id_body", "Second thought, also internal.")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    kinds = set(Comment.objects.filter(incident=incident, is_staff_author=True).values_list("visibility", flat=True))
    assert kinds == {"internal"}


def test_a_saved_reply_is_inserted_in_the_customers_language(
    page, live_server, screenshot, size, engineer, organization, customer
):
    customer.first_name, customer.last_name = "Carl", "Contact"
    customer.save()
    customer.membership.language, customer.membership.time_zone = "de", "Europe/Berlin"
    customer.membership.save()
    incident = file_incident(organization, customer, title="Bin codes blank", sev="B", at=timezone.now())
    macro = Macro.objects.create(name="Need logs")
    MacroVariant.objects.create(macro=macro, language="en", body="Hello {customer_name}, about {incident_number}.")
    MacroVariant.objects.create(macro=macro, language="de", body="Hallo {customer_name}, zu {incident_number}.")
    sign_in_to_admin(page, live_server, engineer)
    open_incident(page, live_server, incident)
    page.fill("#id_body", "")
    page.select_option("#ws-macro", label="Need logs")
    assert page.input_value("#id_body") == f"Hallo Carl Contact, zu {incident.number}."
    screenshot(f"workspace-macro-{size}")
    page.get_by_role("button", name="Add").click()
    page.wait_for_load_state("networkidle")
    macro.refresh_from_db()
    assert macro.usage_count == 1


def test_closing_asks_for_confirmation_and_a_note(
    page, live_server, screenshot, size, engineer, organization, customer
):
    incident = file_incident(organization, customer, title="Bin codes blank", sev="B", at=timezone.now())
    sign_in_to_admin(page, live_server, engineer)
    open_incident(page, live_server, incident)
    page.locator("button.queue-status-button", has_text="Closed").click()
    page.wait_for_load_state("networkidle")
    assert "Closed?" in page.locator("#content").inner_text()
    incident.refresh_from_db()
    assert incident.status == "new"
    page.fill("#ws-confirm-note", "Customer confirmed the fix")
    screenshot(f"workspace-close-confirm-{size}")
    page.get_by_role("button", name="Yes, set to Closed").click()
    page.wait_for_load_state("networkidle")
    incident.refresh_from_db()
    assert incident.status == "closed"


def test_merging_moves_the_conversation(
    page, live_server, screenshot, size, engineer, organization, customer, colleague
):
    now = timezone.now()
    primary = file_incident(organization, customer, title="Bin codes blank", sev="B", at=now)
    duplicate = file_incident(organization, colleague, title="No bin codes", sev="B", at=now)
    comment_add(incident=duplicate, author=colleague, body="Same here in Aarhus", now=now)
    sign_in_to_admin(page, live_server, engineer)
    open_incident(page, live_server, duplicate)
    page.get_by_role("button", name="Merge into…").click()
    page.wait_for_load_state("networkidle")
    page.fill("#id_original", primary.number)
    page.locator("input[name=apply]").click()
    page.wait_for_load_state("networkidle")
    open_incident(page, live_server, primary)
    assert "Same here in Aarhus" in page.locator("#timeline").inner_text()
    screenshot(f"workspace-merged-{size}")
