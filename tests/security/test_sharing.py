"""Sharing an incident reveals nobody outside the organisation (security issue, item 2).

The people an incident can be shared with, or unshared from, are looked up among the
incident's organisation only; ids are validated; the actor's role is read again at the
moment of sharing.
"""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Membership, Role
from incidents.services import IncidentError, NewIncident, incident_create
from incidents.services.customer import incident_share, incident_unshare
from tests.conftest import NOW
from tests.factories import severity


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def incident(organization, customer):
    return incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Pick list blank", description="Details", severity=severity("C"), product_text="CAW"),
        now=NOW,
    ).incident


def share_url(incident):
    return reverse("incidents:share", args=[incident.number])


def unshare_url(incident, user_id):
    return reverse("incidents:unshare", args=[incident.number, user_id])


@pytest.mark.parametrize("who", ["outsider", "engineer"])
def test_unsharing_a_foreign_user_id_is_a_404_that_names_nobody(client, customer, incident, request, who):
    stranger = request.getfixturevalue(who)
    stranger.first_name, stranger.last_name = "Zelda", "Zimmermann"
    stranger.save(update_fields=["first_name", "last_name"])
    client.force_login(customer)
    response = client.post(unshare_url(incident, stranger.pk), follow=True)
    assert response.status_code == 404
    content = response.content.decode()
    assert "Zimmermann" not in content
    assert stranger.email not in content


def test_unsharing_an_unknown_user_id_is_the_same_404(client, customer, incident):
    client.force_login(customer)
    assert client.post(unshare_url(incident, 999_999)).status_code == 404


def test_sharing_with_a_foreign_user_id_is_a_404(client, customer, outsider, incident):
    client.force_login(customer)
    response = client.post(share_url(incident), {"user": outsider.pk}, follow=True)
    assert response.status_code == 404
    assert outsider.email not in response.content.decode()
    assert list(incident.shared_with.all()) == []


@pytest.mark.parametrize("value", ["abc", "1.5", "", "99999999999999999999999", "-1"])
def test_a_malformed_user_id_is_a_clear_400_not_a_500(client, customer, incident, value):
    client.force_login(customer)
    response = client.post(share_url(incident), {"user": value})
    assert response.status_code in (400, 404)
    assert list(incident.shared_with.all()) == []


def test_a_submitter_demoted_to_viewer_can_no_longer_share(client, customer, colleague, incident):
    Membership.objects.filter(user=customer).update(role=Role.VIEWER)
    client.force_login(customer)
    response = client.post(share_url(incident), {"user": colleague.pk})
    assert response.status_code == 403
    assert list(incident.shared_with.all()) == []
    incident.shared_with.add(colleague)
    assert client.post(unshare_url(incident, colleague.pk)).status_code == 403
    assert list(incident.shared_with.all()) == [colleague]


def test_the_role_is_read_again_at_the_moment_of_sharing(customer, colleague, incident):
    assert customer.membership.role == Role.SUBMITTER  # loaded with the user, as for a request
    Membership.objects.filter(user=customer).update(role=Role.VIEWER)  # demoted meanwhile
    with pytest.raises(IncidentError):
        incident_share(incident=incident, with_user=colleague, by=customer)
    incident.shared_with.add(colleague)
    with pytest.raises(IncidentError):
        incident_unshare(incident=incident, with_user=colleague, by=customer)
    assert list(incident.shared_with.all()) == [colleague]


def test_a_revoked_admin_cannot_share(customer_admin, colleague, incident):
    assert customer_admin.membership.is_admin
    Membership.objects.filter(user=customer_admin).update(is_active=False)
    with pytest.raises(IncidentError):
        incident_share(incident=incident, with_user=colleague, by=customer_admin)
    assert list(incident.shared_with.all()) == []
