"""Answers by e-mail end to end: beat ticks the poll, a real worker reads Dovecot, the reply
lands on the incident and a stranger's message is answered with one bounce."""

from __future__ import annotations

import time

import pytest
from django.conf import settings as django_settings

from incidents.models import Comment, InboundMessage
from incidents.services import NewIncident, incident_create
from notify.models import Delivery, DeliveryStatus
from tests.conftest import NOW
from tests.factories import severity
from tests.incidents.test_inbound import reply

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, *, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        time.sleep(0.3)


def test_a_worker_turns_a_reply_in_the_mailbox_into_a_comment_and_bounces_a_stranger(
    celery_worker_process, imap_mailbox, organization, customer, settings
):
    settings.INBOUND_EMAIL_ADDRESS = "support@inbound.example"
    incident = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Pick list prints blank bin codes", description="Details", severity=severity("B")),
        now=NOW,
    ).incident
    imap_mailbox.append(reply(incident, customer))
    imap_mailbox.append(reply(incident, customer, sender="someone@elsewhere.example"))

    celery_worker_process(
        "inbound",
        beat=True,
        env={
            "INBOUND_IMAP_URL": imap_mailbox.url,
            "INBOUND_EMAIL_ADDRESS": "support@inbound.example",
            "INBOUND_POLL_SECONDS": "2",
            "SECRET_KEY": django_settings.SECRET_KEY,  # the reply addresses' tags
        },
    )

    wait_for(lambda: InboundMessage.objects.count() == 2, timeout=60, message="both messages to be read")
    comment = Comment.objects.get(incident=incident)
    assert (comment.author, comment.body) == (customer, "Thanks, the new build fixes the bin codes.\n\nCarl")
    bounces = Delivery.objects.filter(template="emails/incidents/inbound_bounce")
    wait_for(lambda: bounces.filter(status=DeliveryStatus.SENT).exists(), timeout=60, message="the bounce sent")
    bounce = bounces.get()
    assert bounce.to == "someone@elsewhere.example"
    assert "not added" in bounce.subject
    wait_for(lambda: imap_mailbox.unseen() == 0, timeout=10, message="both flagged as read")
    time.sleep(5)  # more ticks of beat: nothing more
    assert Comment.objects.count() == 1
    assert bounces.count() == 1
