"""One-line fields refuse line breaks, control characters and invisible formatting
characters (bidi overrides, zero-width spaces) with a clear message: forms and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.text import single_line_refusal
from tests.incidents.test_customer_submission import form_data

REFUSED = ["a\nb", "a\rb", "a\tb", "a\x00b", "abc\u202efdp.exe", "pay\u200bpal", "\ufeffBOM", "a\u2028b", "a\u2066b"]
ALLOWED = [
    "Plain title",
    "Überweisung fehlgeschlagen",
    "請求書が印刷されない",
    "می\u200cخواهم",
    "👩\u200d💻 works",
    "R&D <ok>",
]


@pytest.mark.parametrize("text", REFUSED)
def test_line_breaks_controls_and_invisible_formatting_are_refused(text):
    assert single_line_refusal(text) is not None


NONCHARACTERS = ["\uffff", "\ufffe", "\ufdd0", "\ufdef", "\U0001fffe", "\U0001ffff", "\U0010ffff", "\U000efffe"]


@pytest.mark.parametrize("char", NONCHARACTERS)
def test_noncharacters_are_refused(char):
    assert single_line_refusal(f"Title {char} here") == f"U+{ord(char):04X} noncharacter"


def test_the_neighbours_of_the_noncharacters_are_kept():
    assert single_line_refusal("\ufdcf \ufdf0 \ufffd \U0001fffd \U00020000") is None


@pytest.mark.django_db
def test_the_incident_form_refuses_a_noncharacter_in_a_title(client, customer):
    client.force_login(customer)
    response = client.post(reverse("incidents:new"), form_data(title="Posting fails\uffff"))
    assert response.status_code == 400
    assert "U+FFFF noncharacter" in response.content.decode()


@pytest.mark.parametrize("text", ALLOWED)
def test_every_script_punctuation_and_joiners_are_kept(text):
    assert single_line_refusal(text) is None


@given(st.text(alphabet=st.characters(categories=["L", "M", "N", "P", "S", "Zs"])))
def test_visible_text_in_any_script_passes(text):
    assert single_line_refusal(text) is None


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "microsoft_case_number", "product_text"])
def test_the_incident_form_refuses_an_invisible_character_and_keeps_the_rest(client, customer, field):
    client.force_login(customer)
    value = "Posting\u202e fails" if field == "title" else "12\u200b34"
    response = client.post(reverse("incidents:new"), form_data(**{field: value}))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Use one line of visible text" in content
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in content or "U+200B ZERO WIDTH SPACE" in content


@pytest.mark.django_db
def test_the_api_refuses_a_line_break_in_a_title(client, customer):
    client.force_login(customer)
    response = client.post(
        "/api/v1/incidents/",
        {"title": "Line one\nBcc: victim@example.com", "description": "x", "severity": "B"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "title" in response.json()["fields"]


@pytest.mark.django_db
def test_the_public_escalation_form_refuses_a_bidi_override_in_a_name(client):
    response = client.post(
        reverse("escalation:page"),
        {
            "name": "Ann\u202eeoD",
            "email": "ann@microsoft.com",
            "microsoft_case_number": "2611230010000001",
            "customer": "Fabrikam",
            "criterion": "impact_grew",
            "description": "Production is down.",
        },
    )
    assert response.status_code == 400
    assert "Use one line of visible text" in response.content.decode()


def test_the_invitation_names_and_the_phone_refuse_invisible_characters():
    from accounts.forms import AcceptInvitationForm, PreferencesForm

    form = AcceptInvitationForm(
        {
            "first_name": "Ann\u202e",
            "last_name": "Lee",
            "time_zone": "UTC",
            "phone": "+1\n555",
            "password1": "x",
            "password2": "x",
        }
    )
    assert not form.is_valid()
    assert {"first_name", "phone"} <= set(form.errors)
    preferences = PreferencesForm({"time_zone": "UTC", "language": "en", "phone": "+45\u200b5555"})
    assert not preferences.is_valid()
    assert "phone" in preferences.errors
