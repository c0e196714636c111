from __future__ import annotations

import pytest

from accounts.models import Membership


@pytest.fixture
def contacts(organization, customer_admin, customer):
    """Olivia (admin) is the support contact and reads German; Carl is the billing contact and reads Japanese."""
    Membership.objects.filter(user=customer_admin).update(is_support_contact=True, language="de")
    Membership.objects.filter(user=customer).update(is_billing_contact=True, language="ja", time_zone="Asia/Tokyo")
    return {customer_admin.email: "de", customer.email: "ja"}
