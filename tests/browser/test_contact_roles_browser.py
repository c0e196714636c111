"""The organisation admin names support and billing contacts on the people page, on a phone too."""

from __future__ import annotations

import pytest

from accounts.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_names_contacts_on_a_phone(page, live_server, login, customer_admin, customer, screenshot):
    login(customer_admin)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/members/")
    assert "Name at least one support contact." in page.content()
    pk = customer.membership.pk
    support = page.locator(f"#support-{pk}")
    box = support.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390, box  # each person is one block on a phone
    support.check()
    page.locator(f"#billing-{pk}").check()
    page.locator(f"#member-{pk}").get_by_role("button", name="Save").click()
    page.wait_for_load_state("networkidle")
    assert "are saved" in page.content()
    assert "Name at least one support contact." not in page.content()
    screenshot("customer-members-contact-roles-mobile")
    membership = Membership.objects.get(pk=pk)
    assert (membership.is_support_contact, membership.is_billing_contact) == (True, True)
