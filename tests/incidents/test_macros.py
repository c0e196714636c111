"""Saved replies: team and personal, placeholders filled in the incident's language and the
customer's zone, an unknown placeholder refused when saved, inserted without JavaScript,
counted when used."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.models import Comment, Macro, MacroVariant
from incidents.models_desk import macro_body_check
from incidents.selectors.macros import macros_for, macros_rendered
from incidents.selectors.page import incident_stamp
from tests.conftest import NOW
from tests.incidents.test_admin_queue import change_url, file_incident

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def incident(organization, customer):
    customer.first_name, customer.last_name = "Carl", "Contact"
    customer.save()
    return file_incident(organization, customer, title="Bin codes blank")


@pytest.fixture
def team_macro(db):
    macro = Macro.objects.create(name="Need logs")
    MacroVariant.objects.create(
        macro=macro, language="en", body="Hello {customer_name}, about {incident_number}: we answer by {due_at}."
    )
    MacroVariant.objects.create(
        macro=macro, language="de", body="Hallo {customer_name}, zu {incident_number}: Antwort bis {due_at}."
    )
    return macro


def test_placeholders_are_filled_in_the_customers_language_and_zone(incident, customer, engineer, team_macro):
    # Due 09:00 in Los Angeles; the customer reads German in Berlin (18:00).
    customer.membership.language, customer.membership.time_zone = "de", "Europe/Berlin"
    customer.membership.save()
    [rendered] = macros_rendered(incident=incident, engineer=engineer)
    assert rendered.text == f"Hallo Carl Contact, zu {incident.number}: Antwort bis Mo 23 Nov 2026, 18:00 CET."


def test_without_a_variant_in_the_customers_language_english_is_used(incident, customer, engineer, team_macro):
    customer.membership.language = "ja"
    customer.membership.save()
    [rendered] = macros_rendered(incident=incident, engineer=engineer)
    assert rendered.text.startswith("Hello Carl Contact")


def test_an_unknown_placeholder_is_refused_when_saved():
    with pytest.raises(ValidationError, match=r"\{customer\}"):
        macro_body_check("Dear {customer}, see {incident_number}")
    macro_body_check("Dear {customer_name}")  # known: accepted


def test_the_admin_refuses_a_macro_with_an_unknown_placeholder(client, engineer):
    client.force_login(engineer)
    response = client.post(
        reverse("admin:incidents_macro_add"),
        {
            "name": "Typo",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "1",
            "variants-MAX_NUM_FORMS": "1000",
            "variants-0-language": "en",
            "variants-0-body": "Hi {custmer_name}",
        },
    )
    assert response.status_code == 200
    assert "Unknown placeholder" in response.content.decode()
    assert not Macro.objects.exists()


def test_an_engineers_macro_is_personal_and_others_do_not_see_it(client, engineer, other_engineer, team_macro):
    client.force_login(engineer)
    client.post(
        reverse("admin:incidents_macro_add"),
        {
            "name": "My sign-off",
            "variants-TOTAL_FORMS": "1",
            "variants-INITIAL_FORMS": "0",
            "variants-MIN_NUM_FORMS": "1",
            "variants-MAX_NUM_FORMS": "1000",
            "variants-0-language": "en",
            "variants-0-body": "Regards, {engineer_name}",
        },
    )
    mine = Macro.objects.get(name="My sign-off")
    assert mine.owner == engineer
    assert [m.name for m in macros_for(engineer)] == ["My sign-off", "Need logs"]
    assert [m.name for m in macros_for(other_engineer)] == ["Need logs"]
    assert client.get(reverse("admin:incidents_macro_change", args=[team_macro.pk])).status_code == 200
    response = client.post(
        reverse("admin:incidents_macro_delete", args=[team_macro.pk]), {"post": "yes"}
    )  # a team reply is the leads'
    assert response.status_code == 403


def test_inserting_without_javascript_fills_the_reply_box_and_sending_counts_the_use(
    client, engineer, incident, team_macro
):
    client.force_login(engineer)
    url = reverse("admin:incidents_incident_reply", args=[incident.pk])
    client.post(url, {"insert": "1", "macro": team_macro.pk, "body": "", "visibility": "public"})
    content = client.get(change_url(incident)).content.decode()
    assert f"Hello Carl Contact, about {incident.number}" in content
    team_macro.refresh_from_db()
    assert team_macro.usage_count == 0
    client.post(
        url,
        {
            "body": "Hello, please send logs",
            "visibility": "public",
            "macro": team_macro.pk,
            "stamp": incident_stamp(incident),
        },
    )
    team_macro.refresh_from_db()
    assert team_macro.usage_count == 1
    assert Comment.objects.filter(incident=incident).count() == 1
