"""The portal in German, Danish and Japanese: every message translated, the compiled
catalogues in step with the sources, and a contact's saved language used for their pages
and emails."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import Membership
from tests.conftest import skip_or_fail

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
SLA_PAGE = "/support/"
LANGUAGE_CHOICE = "/i18n/language/"
PLACEHOLDER = re.compile(r"%\([a-zA-Z0-9_]+\)[sdif]|%[sdif]|\{[a-zA-Z0-9_]*\}")


def po_file(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    po = po_file(language)
    assert len(po) > 1000
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert po.metadata["Language"] == language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_source_as_it_is_now(language):
    """`make translations` compiles locale/*/django.po; a source edited without compiling
    would leave the old text on the site."""
    po = po_file(language)
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    for entry in po.translated_entries():
        key = entry.msgid if not entry.msgctxt else f"{entry.msgctxt}\x04{entry.msgid}"
        if entry.msgid_plural:
            for n, form in entry.msgstr_plural.items():
                assert catalog[(key, int(n))] == form, entry.msgid
        else:
            assert catalog[key] == entry.msgstr, entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    for entry in po_file(language).translated_entries():
        if entry.msgid_plural:
            expected = set(PLACEHOLDER.findall(entry.msgid_plural))
            for form in entry.msgstr_plural.values():
                assert set(PLACEHOLDER.findall(form)) <= expected, (entry.msgid, form)
        else:
            assert sorted(PLACEHOLDER.findall(entry.msgstr)) == sorted(PLACEHOLDER.findall(entry.msgid)), (
                entry.msgid,
                entry.msgstr,
            )


def test_every_translatable_text_of_the_code_is_in_every_catalogue(tmp_path):
    """`make messages` on a copy of the project adds nothing to the catalogues: a text marked
    for translation and never extracted would show in English on every translated page."""
    if shutil.which("xgettext") is None:
        skip_or_fail("xgettext not found (apt-get install gettext)")
    base = Path(settings.BASE_DIR)
    copy = tmp_path / "project"
    shutil.copytree(base, copy, ignore=shutil.ignore_patterns(".venv", "var", ".git", "__pycache__"))
    venv = Path(sys.executable).parent.parent
    # The project's own target, with this test run's virtualenv (taken as it is: -o).
    done = subprocess.run(
        ["make", "-s", "-o", f"{venv}/.dev", "messages", f"VENV={venv}"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for language in LANGUAGES:
        known = {(entry.msgctxt, entry.msgid) for entry in po_file(language) if not entry.obsolete}
        extracted = polib.pofile(str(copy / "locale" / language / "LC_MESSAGES" / "django.po"))
        missing = [
            entry.msgid for entry in extracted if not entry.obsolete and (entry.msgctxt, entry.msgid) not in known
        ]
        assert missing == [], f"{language}: run `make messages`, translate, then `make translations`"


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        translated = translation.gettext(text)
    assert translated != text, f"{text!r} has no {language} translation"
    return translated


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_contact_sees_the_pages_in_their_saved_language(client, customer, language):
    Membership.objects.filter(user=customer).update(language=language)
    client.force_login(customer)
    response = client.get(reverse("incidents:list"), headers={"accept-language": "en"})
    assert response["Content-Language"] == language
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    assert in_language(language, "My incidents") in page
    assert in_language(language, "File a new incident") in page


@pytest.mark.django_db
def test_visitors_and_engineers_get_their_browsers_language(client, engineer, sla):
    response = client.get(SLA_PAGE, headers={"accept-language": "ja,en;q=0.5"})
    assert response["Content-Language"] == "ja"
    assert in_language("ja", "Knowledge base") in response.content.decode()
    client.force_login(engineer)
    assert client.get(SLA_PAGE, headers={"accept-language": "da"})["Content-Language"] == "da"
    assert client.get(SLA_PAGE, headers={"accept-language": "en"})["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_new_incident_emails_are_in_each_recipients_language(organization, customer, customer_admin):
    from escalation.watcher import escalation_sweep
    from incidents.services import NewIncident
    from incidents.services.customer import incident_submit
    from tests.conftest import NOW
    from tests.factories import severity
    from tests.notify.outbox import send_pending

    Membership.objects.filter(user=customer).update(language="de")
    Membership.objects.filter(user=customer_admin).update(language="ja")
    customer.refresh_from_db()
    incident, _ = incident_submit(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Lagerplatz", description="x", severity=severity("B"), product_text="CAW"),
        submission_token=None,
        now=NOW,
    )
    escalation_sweep(now=NOW)  # writes the emails to the outbox
    send_pending(now=NOW)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    german, japanese = by_recipient[customer.email], by_recipient[customer_admin.email]
    assert incident.number in german.subject
    assert incident.number in japanese.subject
    assert "We received your incident" not in german.subject
    assert "New incident from your organisation" not in japanese.subject
    assert german.subject != japanese.subject
    assert german.body.startswith(in_language("de", "Hello,"))
    assert japanese.body.startswith(in_language("ja", "Hello,"))
    team = by_recipient[settings.SUPPORT_TEAM_EMAIL]
    assert team.subject.startswith(f"[{incident.number}] Sev B")  # the team reads English


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected"), [("ja", "2026年11月23日"), ("de", "Mo, 23. Nov"), ("da", "man 23. Nov")]
)
def test_dates_are_written_the_way_each_language_writes_them(client, customer, organization, language, expected):
    from incidents.services import NewIncident, incident_create
    from tests.conftest import NOW
    from tests.factories import severity

    incident = incident_create(
        organization=organization,
        submitted_by=customer,
        data=NewIncident(title="Dates", description="x", severity=severity("C"), product_text="CAW"),
        now=NOW,
    ).incident
    Membership.objects.filter(user=customer).update(language=language)
    client.force_login(customer)
    page = client.get(reverse("incidents:detail", args=[incident.number])).content.decode()
    assert expected in page
    assert "23 Nov 2026" not in page


@pytest.mark.django_db
def test_why_a_german_contact_cannot_submit_is_said_in_german(client, sla):
    import datetime as dt

    from accounts.models import Role
    from tests.factories import ContractFactory, MemberFactory, OrganizationFactory

    org = OrganizationFactory(name="Abgelaufen GmbH")
    ContractFactory(organization=org, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31))
    contact = MemberFactory(organization=org, role=Role.SUBMITTER, email="jana.klein@abgelaufen.example", language="de")
    client.force_login(contact)
    from tests.incidents.test_customer_submission import form_data

    response = client.post(reverse("incidents:new"), form_data(title="Etikett"))
    assert response["Location"] == reverse("incidents:cannot_submit")
    page = client.get(response["Location"]).content.decode()
    assert "Der Supportvertrag Ihrer Organisation ist am 31. Dezember 2025 abgelaufen." in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_seeded_sla_texts_are_shown_in_the_readers_language(sla, language):
    """Every text the seed migration wrote (severities, plans' descriptions, regions and
    their languages and hours) has a translation; a text a manager edited is shown as written."""
    from sla.models import RegionLanguage, Severity, SupportPlan, SupportRegion

    catalog = {entry.msgid: entry.msgstr for entry in po_file(language).translated_entries()}
    shown = []
    with translation.override(language):
        for severity in Severity.objects.all():
            shown += [
                (severity.name, severity.display_name),
                (severity.business_impact, severity.display_impact),
                (severity.customer_obligation, severity.display_obligation),
            ]
            assert str(severity) == f"{severity.code} – {severity.display_name}"
        shown += [(plan.description, plan.display_description) for plan in SupportPlan.objects.all()]
        for region in SupportRegion.objects.all():
            shown.append((region.name, region.display_name))
            assert str(region) == region.display_name
        for served in RegionLanguage.objects.all():
            shown += [(served.language, served.display_language), (served.hours, served.display_hours)]
        edited = Severity.objects.get(code="B")
        edited.business_impact = "Our own wording."
        assert edited.display_impact == "Our own wording."
    assert len(shown) >= 27
    for seeded, displayed in shown:
        assert displayed == catalog[seeded], seeded


@pytest.mark.django_db
def test_the_new_incident_form_explains_the_severities_in_the_contacts_language(client, customer):
    Membership.objects.filter(user=customer).update(language="de")
    client.force_login(customer)
    page = client.get(reverse("incidents:new")).content.decode()
    assert (
        in_language(
            "de",
            "Moderate business impact: the customer's business has moderate loss or degradation of services, but work can reasonably continue in an impaired manner.",
        )
        in page
    )
    assert "Moderate business impact" not in page


@pytest.mark.django_db
def test_the_escalation_page_names_the_seeded_steps_and_groups_in_the_visitors_language(client, sla):
    page = client.get(reverse("escalation:page"), headers={"accept-language": "de"}).content.decode()
    for seeded in ("Level 2", "Breach", "Support leads", "Support managers"):
        assert in_language("de", seeded) in page
    assert "Support leads" not in page


@pytest.mark.django_db
def test_a_visitor_chooses_a_language_in_the_footer_and_keeps_it(client, sla):
    page = client.get(SLA_PAGE, headers={"accept-language": "en"}).content.decode()
    assert f'action="{LANGUAGE_CHOICE}" method="get"' in page  # no CSRF token: a public page stays public
    assert '<option value="da" lang="da">Dansk</option>' in page
    response = client.get(LANGUAGE_CHOICE, {"next": SLA_PAGE, "language": "da"})
    assert response.status_code == 302
    assert response["Location"] == SLA_PAGE
    assert "no-store" in response["Cache-Control"]  # it sets a cookie: no cache keeps it
    again = client.get(SLA_PAGE, headers={"accept-language": "en"})  # the cookie wins over the browser
    assert again["Content-Language"] == "da"
    assert '<option value="da" lang="da" selected>Dansk</option>' in again.content.decode()


@pytest.mark.django_db
def test_an_engineer_chooses_a_language_in_the_footer_too(client, engineer, sla):
    client.force_login(engineer)
    page = client.get(SLA_PAGE, headers={"accept-language": "en"}).content.decode()
    assert f'action="{LANGUAGE_CHOICE}"' in page
    response = client.get(LANGUAGE_CHOICE, {"next": SLA_PAGE, "language": "de"})
    assert response["Location"] == SLA_PAGE
    assert client.get(SLA_PAGE, headers={"accept-language": "en"})["Content-Language"] == "de"


@pytest.mark.django_db
def test_a_contact_is_sent_to_their_account_page_to_change_their_language(client, customer):
    client.force_login(customer)
    page = client.get(reverse("incidents:list")).content.decode()
    assert f'action="{LANGUAGE_CHOICE}"' not in page  # their saved language would win over it
    assert f'href="{reverse("account")}">change it on your account page' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "/support/\r\nSet-Cookie: x=1", ""]
)
def test_the_language_choice_refuses_an_unknown_language_and_a_foreign_next(client, sla, next_url):
    response = client.get(LANGUAGE_CHOICE, {"language": "xx", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"  # not the foreign address
    assert not response.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    assert client.get(SLA_PAGE, headers={"accept-language": "en"})["Content-Language"] == "en"


@pytest.mark.django_db
def test_the_language_choice_keeps_the_page_and_its_query(client, sla):
    response = client.get(LANGUAGE_CHOICE, {"language": "ja", "next": "/support/?as_of=2026-01-15"})
    assert response["Location"] == "/support/?as_of=2026-01-15"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"


@pytest.mark.django_db
def test_a_contacts_saved_language_wins_over_the_language_choice(client, customer, sla):
    Membership.objects.filter(user=customer).update(language="de")
    client.force_login(customer)
    client.get(LANGUAGE_CHOICE, {"language": "da", "next": SLA_PAGE})
    assert client.get(SLA_PAGE)["Content-Language"] == "de"
