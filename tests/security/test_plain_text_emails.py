"""Plain-text e-mails and subjects are not HTML-escaped: `R&D` arrives as `R&D`."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.services import invitation_create

pytestmark = pytest.mark.django_db


def test_an_invitation_names_the_organisation_as_written(
    organization, customer_admin, now, django_capture_on_commit_callbacks
):
    organization.name = 'R&D <Labs> "North"'
    organization.save()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            organization=organization,
            email="new.person@example.com",
            role="submitter",
            invited_by=customer_admin,
            now=now,
        )
    [message] = mail.outbox
    assert 'R&D <Labs> "North"' in message.body
    assert "&amp;" not in message.body
    assert "&amp;" not in message.subject
    html = message.alternatives[0][0] if message.alternatives else ""
    assert "R&amp;D &lt;Labs&gt;" in html or not html  # the HTML part stays escaped
