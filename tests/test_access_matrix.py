"""Every customer-facing URL, walked as the incident's owner, a colleague, a viewer, an
outsider (another organisation's admin) and an anonymous visitor.

Another organisation's incident or file is always a 404 (never a 403 that would confirm
it exists); a read-only viewer gets 403 on writes; anonymous visitors are sent to sign in.
"""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Membership
from incidents.services import NewIncident, incident_create
from tests.conftest import NOW
from tests.factories import severity

PERSONAS = ["owner", "colleague", "viewer", "outsider", "anonymous"]
LOGIN = "login"

# name, method, expected status per persona (owner, colleague, viewer, outsider, anonymous)
MATRIX = [
    ("incidents:list", "get", (200, 200, 200, 200, LOGIN)),
    ("incidents:new", "get", (200, 200, 403, 200, LOGIN)),
    ("incidents:cannot_submit", "get", (302, 302, 302, 302, LOGIN)),
    ("incidents:detail", "get", (200, 404, 200, 404, LOGIN)),
    ("incidents:submitted", "get", (200, 404, 200, 404, LOGIN)),
    ("incidents:attachment", "get", (200, 404, 200, 404, LOGIN)),
    ("incidents:comment", "post", (302, 404, 403, 404, LOGIN)),
    ("incidents:confirm", "post", (302, 404, 403, 404, LOGIN)),
    ("incidents:reopen", "post", (302, 404, 403, 404, LOGIN)),
    ("incidents:share", "post", (302, 404, 403, 404, LOGIN)),
    ("incidents:unshare", "post", (302, 404, 403, 404, LOGIN)),
    ("account", "get", (200, 200, 200, 200, LOGIN)),
    ("account_members", "get", (403, 403, 403, 200, LOGIN)),
    ("account_member_role", "post", (403, 403, 403, 404, LOGIN)),
    ("account_member_revoke", "post", (403, 403, 403, 404, LOGIN)),
]

CASES = [
    pytest.param(name, method, persona, expected[i], id=f"{name}-{method}-{persona}")
    for name, method, expected in MATRIX
    for i, persona in enumerate(PERSONAS)
]


@pytest.fixture
def world(customer, colleague, viewer, outsider, customer_admin, organization):
    with time_machine.travel(NOW, tick=True):
        incident = incident_create(
            organization=organization,
            submitted_by=customer,
            data=NewIncident(title="Owner's incident", description="x", severity=severity("B"), product_text="CAW"),
            files=[SimpleUploadedFile("owner.txt", b"owner")],
            now=NOW,
        ).incident
    return {
        "incident": incident,
        "attachment": incident.attachments.get(),
        "membership": Membership.objects.get(user=customer),
        "users": {"owner": customer, "colleague": colleague, "viewer": viewer, "outsider": outsider},
    }


def url_for(name: str, world) -> str:
    number = world["incident"].number
    if name in (
        "incidents:detail",
        "incidents:submitted",
        "incidents:comment",
        "incidents:confirm",
        "incidents:reopen",
        "incidents:share",
    ):
        return reverse(name, args=[number])
    if name == "incidents:unshare":
        # Unsharing looks the person up among those the incident is shared with (a 404
        # otherwise, security issue item 2): share it with someone no persona depends on.
        follower = world["users"]["viewer"]
        world["incident"].shared_with.add(follower)
        return reverse(name, args=[number, follower.pk])
    if name == "incidents:attachment":
        return reverse(name, args=[number, world["attachment"].pk])
    if name in ("account_member_role", "account_member_revoke"):
        return reverse(name, args=[world["membership"].pk])
    return reverse(name)


POST_DATA = {
    "incidents:comment": {"body": "A reply"},
    "incidents:reopen": {"reason": "Not solved"},
    "account_member_role": {"role": "viewer"},
}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "method", "persona", "expected"), CASES)
def test_access(client, world, name, method, persona, expected):
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    url = url_for(name, world)
    with time_machine.travel(NOW, tick=True):
        data = POST_DATA.get(name, {})
        if name == "incidents:share":
            data = {"user": world["users"]["colleague"].pk}
        response = getattr(client, method)(url, data)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        return
    assert response.status_code == expected
    if expected == 404:
        # Nothing on the page gives the incident away.
        assert world["incident"].title.encode() not in response.content
    if name == "account_member_role" or name == "account_member_revoke":
        membership = Membership.objects.get(pk=world["membership"].pk)
        assert (membership.role, membership.is_active) == ("submitter", True)
