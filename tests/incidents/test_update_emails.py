"""The incident update e-mails: written to the outbox in the change's transaction, rendered
by the worker in each recipient's language and zone, one thread per incident, a Reply-To
that lands answers on the incident, and a one-click unsubscribe per kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import EmailKind, EmailOptOut, Membership
from accounts.unsubscribe import email_opt_out, unsubscribe_token
from escalation.services.requests import escalation_request_by_customer
from incidents.models import IncidentStatus, Visibility
from incidents.reply_addresses import reply_address, reply_address_parse, thread_headers
from incidents.services import comment_add, incident_assign, incident_transition
from notify.models import Delivery
from tests.conftest import NOW
from tests.incidents.test_admin_queue import file_incident
from tests.notify.outbox import send_pending

pytestmark = pytest.mark.django_db
S = IncidentStatus
LATER = NOW + dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def _inbound(settings):
    settings.INBOUND_EMAIL_ADDRESS = "support@portal.example"
    settings.SITE_URL = "https://portal.example"


def updates(prefix: str):
    return Delivery.objects.filter(key__startswith=prefix)


def sent_to(address: str):
    return [m for m in mail.outbox if m.to == [address]]


def test_a_public_reply_reaches_the_customer_and_a_watcher_once_in_their_language_in_one_thread(
    organization, customer, colleague, engineer
):
    Membership.objects.filter(user=colleague).update(language="de", time_zone="Europe/Berlin")
    incident = file_incident(organization, customer)
    incident.shared_with.add(colleague)
    comment_add(incident=incident, author=engineer, body="Please send the log.", now=LATER)
    assert sorted(updates("incident-reply:").values_list("to", flat=True)) == sorted([customer.email, colleague.email])
    send_pending(now=LATER + dt.timedelta(minutes=1))
    (to_customer,) = sent_to(customer.email)
    (to_colleague,) = sent_to(colleague.email)
    assert "Please send the log." in to_customer.body
    assert "New reply from support" in to_customer.subject
    assert "Neue Antwort vom Support" in to_colleague.subject  # the watcher's language
    assert "(Europe/Berlin)" in to_colleague.body  # and zone
    for message, person in ((to_customer, customer), (to_colleague, colleague)):
        for name, value in thread_headers(incident.pk).items():
            assert message.extra_headers[name] == value
        assert message.extra_headers["Reply-To"] == reply_address(incident_id=incident.pk, user_id=person.pk)
        assert reply_address_parse(message.extra_headers["Reply-To"]).incident_id == incident.pk
        assert message.extra_headers["List-Unsubscribe"].startswith("<https://portal.example/accounts/unsubscribe/")
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.extra_headers["Message-ID"]
    assert to_customer.extra_headers["Message-ID"] != to_colleague.extra_headers["Message-ID"]


def test_an_internal_note_reaches_nobody(organization, customer, colleague, engineer):
    incident = file_incident(organization, customer)
    incident.shared_with.add(colleague)
    comment_add(incident=incident, author=engineer, body="Looks like #412.", visibility=Visibility.INTERNAL, now=LATER)
    assert (
        not Delivery.objects.filter(reference=incident.number)
        .exclude(key__startswith="incident-submitted")
        .filter(channel="email")
        .exists()
    )


@pytest.mark.parametrize("to_status", [S.AWAITING_CUSTOMER, S.RESOLVED, S.CLOSED])
def test_a_status_that_needs_the_customer_or_ends_the_incident_reaches_the_customer(
    organization, customer, engineer, to_status
):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=to_status, by=engineer, now=LATER)
    assert list(updates("incident-status:").values_list("to", flat=True)) == [customer.email]
    send_pending(now=LATER + dt.timedelta(minutes=1))
    (message,) = sent_to(customer.email)
    assert str(S(to_status).label) in message.subject


def test_a_status_the_customer_need_not_hear_of_writes_no_email(organization, customer, engineer):
    incident = file_incident(organization, customer)
    incident_transition(incident=incident, to_status=S.IN_PROGRESS, by=engineer, now=LATER)
    assert not updates("incident-status:").exists()


def test_an_assignment_reaches_the_engineer_and_not_whoever_assigned_themselves(
    organization, customer, engineer, other_engineer
):
    incident = file_incident(organization, customer)
    incident_assign(incident=incident, assignee=engineer, by=engineer, now=LATER)
    assert not updates("incident-assigned:").exists()
    incident_assign(incident=incident, assignee=other_engineer, by=engineer, now=LATER)
    assert list(updates("incident-assigned:").values_list("to", flat=True)) == [other_engineer.email]
    send_pending(now=LATER + dt.timedelta(minutes=1))
    (message,) = sent_to(other_engineer.email)
    assert "Assigned to you" in message.subject


def test_a_customer_reply_reaches_the_assignee(organization, customer, engineer):
    incident = file_incident(organization, customer)
    incident_assign(incident=incident, assignee=engineer, by=engineer, now=LATER)
    comment_add(incident=incident, author=customer, body="Here is the log.", now=LATER)
    assert list(updates("incident-customer-reply:").values_list("to", flat=True)) == [engineer.email]
    assert not updates("incident-reply:").exists()  # the customer is not told of their own reply


def test_an_accepted_escalation_request_reaches_the_customer_who_asked(organization, customer):
    incident = file_incident(organization, customer)
    escalation_request_by_customer(
        incident=incident, user=customer, criterion="business_impact", description="Warehouse stopped", now=LATER
    )
    assert list(updates("escalation-accepted:").values_list("to", flat=True)) == [customer.email]


def test_a_kind_turned_off_is_not_sent_and_the_others_still_are(organization, customer, engineer):
    email_opt_out(user_id=customer.pk, kind=EmailKind.REPLY, now=NOW)
    incident = file_incident(organization, customer)
    comment_add(incident=incident, author=engineer, body="Try 24.3.2.", now=LATER)
    assert not updates("incident-reply:").exists()
    incident_transition(incident=incident, to_status=S.RESOLVED, by=engineer, now=LATER)
    assert updates("incident-status:").count() == 1


def test_the_account_page_turns_kinds_off_and_on(client, customer):
    client.force_login(customer)
    data = {"time_zone": "UTC", "language": "en", "phone": "", "incident_emails": [EmailKind.STATUS]}
    assert client.post(reverse("account"), data).status_code == 302
    assert set(EmailOptOut.objects.filter(user=customer).values_list("kind", flat=True)) == {
        EmailKind.REPLY,
        EmailKind.ESCALATION,
    }
    data["incident_emails"] = [EmailKind.STATUS, EmailKind.REPLY, EmailKind.ESCALATION]
    client.post(reverse("account"), data)
    assert not EmailOptOut.objects.filter(user=customer).exists()


def test_the_one_click_unsubscribe_post_works_without_a_session_or_csrf_token(customer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    url = reverse("unsubscribe", args=[unsubscribe_token(user_id=customer.pk, kind=EmailKind.REPLY)])
    page = client.get(url)
    assert page.status_code == 200
    assert not EmailOptOut.objects.exists()  # a GET (a mail scanner's visit) changes nothing
    assert client.post(url, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert list(EmailOptOut.objects.values_list("user_id", "kind")) == [(customer.pk, EmailKind.REPLY)]
    assert client.post(url).status_code == 200  # again: still off, once


def test_a_tampered_unsubscribe_token_is_refused(client, customer, engineer):
    token = unsubscribe_token(user_id=customer.pk, kind=EmailKind.REPLY)
    signature = token.rsplit(":", 1)[1]
    forged = unsubscribe_token(user_id=engineer.pk, kind=EmailKind.REPLY).rsplit(":", 1)[0] + ":" + signature
    for bad in (forged, token[:-2] + "xx", "not-a-token"):
        assert client.post(reverse("unsubscribe", args=[bad])).status_code == 404
    assert not EmailOptOut.objects.exists()


def test_a_reply_costs_the_same_queries_for_one_or_many_watchers(organization, customer, engineer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import MemberFactory

    incident = file_incident(organization, customer)
    with CaptureQueriesContext(connection) as few:
        comment_add(incident=incident, author=engineer, body="First.", now=LATER)
    for n in range(6):
        incident.shared_with.add(MemberFactory(organization=organization, email=f"w{n}.watcher@fabrikam.example"))
    with CaptureQueriesContext(connection) as many:
        comment_add(incident=incident, author=engineer, body="Second.", now=LATER)
    # The first reply also records the first response; the second costs no more per watcher.
    assert len(many) <= len(few)


def test_the_customers_comment_request_stays_cheap(
    client, organization, customer, engineer, django_assert_max_num_queries
):
    incident = file_incident(organization, customer)
    incident_assign(incident=incident, assignee=engineer, by=engineer, now=LATER)
    client.force_login(customer)
    url = reverse("incidents:comment", args=[incident.number])
    client.post(url, {"body": "Warm-up."})
    with django_assert_max_num_queries(10):  # 9: 3 of them the assignee's e-mail
        response = client.post(url, {"body": "Here is the log."})
    assert response.status_code == 302
    assert updates("incident-customer-reply:").count() == 2
