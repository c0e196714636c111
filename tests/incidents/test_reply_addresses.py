"""The reply address names an incident and a person, and cannot be forged or altered."""

from __future__ import annotations

import pytest

from incidents.reply_addresses import reply_address, reply_address_parse, thread_headers


@pytest.fixture
def inbound(settings):
    settings.INBOUND_EMAIL_ADDRESS = "Support@Example.com"


def test_an_address_names_its_incident_and_person(inbound):
    address = reply_address(incident_id=42, user_id=7)
    assert address.startswith("Support+r-42-7-")
    assert address.endswith("@Example.com")
    found = reply_address_parse(address)
    assert (found.incident_id, found.user_id) == (42, 7)


def test_a_mail_system_that_changes_the_case_still_reaches_the_incident(inbound):
    address = reply_address(incident_id=42, user_id=7)
    assert reply_address_parse(address.upper()).incident_id == 42


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.replace("r-42-", "r-43-"),  # another incident
        lambda a: a.replace("-7-", "-8-"),  # another person
        lambda a: a[: a.index("@") - 1] + ("0" if a[a.index("@") - 1] != "0" else "1") + a[a.index("@") :],
        lambda a: a.replace("@Example.com", "@example.org"),
        lambda a: a.replace("Support+", "other+"),
        lambda a: a.split("+")[0] + "@Example.com",
    ],
)
def test_an_altered_address_names_nothing(inbound, change):
    assert reply_address_parse(change(reply_address(incident_id=42, user_id=7))) is None


def test_without_an_inbound_mailbox_there_is_no_reply_address(settings):
    settings.INBOUND_EMAIL_ADDRESS = ""
    assert reply_address(incident_id=42, user_id=7) is None
    assert reply_address_parse("support+r-42-7-0123456789abcdef0123@example.com") is None


def test_every_mail_about_an_incident_names_one_thread(inbound):
    assert thread_headers(42) == {"In-Reply-To": "<incident-42@Example.com>", "References": "<incident-42@Example.com>"}
    assert thread_headers(42) != thread_headers(43)
