"""Filing an incident in the browser: the form, its bad input, entitlements, emails."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Contract, Membership
from escalation.watcher import escalation_sweep
from incidents.models import Attachment, Incident
from tests.conftest import NOW
from tests.factories import ContractFactory, OrganizationFactory, severity

pytestmark = pytest.mark.django_db

NEW_URL = reverse("incidents:new")


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def tasks_run_eagerly():
    """The emails go out from a Celery task enqueued on commit: run it in this process."""
    from portal.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def form_data(**overrides) -> dict[str, object]:
    data = {
        "submission_token": str(uuid.uuid4()),
        "title": "Pick list prints blank bin codes",
        "description": "After the upgrade the **pick list** shows no bin codes.\n\n1. Open\n2. Print",
        "product_text": "Contoso Advanced Warehousing 24.3",
        "severity": severity("B").pk,
        "kind": "break_fix",
        "microsoft_case_number": "",
        "contact_phone": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_form_shows_each_severity_with_its_impact_and_obligation(client, customer):
    client.force_login(customer)
    response = client.get(NEW_URL)
    content = response.content.decode()
    assert response.status_code == 200
    for code in ("A", "B", "C"):
        sev = severity(code)
        assert escape(sev.business_impact) in content
        assert escape(sev.customer_obligation) in content
    assert 'name="submission_token"' in content
    assert "No response commitment for preview features." in content
    assert 'type="file" name="attachments"' in content
    assert "multiple" in content


def test_a_contact_files_a_severity_b_incident_with_an_attachment(client, customer, django_capture_on_commit_callbacks):
    client.force_login(customer)
    upload = SimpleUploadedFile("error.log", b"ERROR bin code missing\n", content_type="text/plain")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(NEW_URL, {**form_data(), "attachments": [upload]})
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:submitted", args=[incident.number])
    assert incident.number.startswith("INC-2026-")
    assert incident.submitted_by == customer
    assert incident.severity.code == "B"
    assert incident.response_due_at is not None
    assert Attachment.objects.get(incident=incident).original_name == "error.log"
    page = client.get(response["Location"]).content.decode()
    assert incident.number in page
    assert "A support engineer will contact you by" in page
    # Viewer's zone (Los Angeles, the contact's) and the region's zone are both named.
    assert "America/Los_Angeles" in page


def test_the_confirmation_names_the_regions_zone_when_it_differs(client, customer):
    Membership.objects.filter(user=customer).update(time_zone="Europe/Berlin")
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(), follow=True)
    content = response.content.decode()
    incident = Incident.objects.get()
    assert "Europe/Berlin" in content
    assert "America/Los_Angeles, support region" in content
    assert incident.response_due_at is not None


def test_posting_the_same_form_twice_files_one_incident(
    client, customer, django_capture_on_commit_callbacks, tasks_run_eagerly
):
    client.force_login(customer)
    data = form_data()
    first = client.post(NEW_URL, data)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep(now=timezone.now())  # announces the incident
    second = client.post(NEW_URL, data)
    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep(now=timezone.now())
    assert Incident.objects.count() == 1
    assert first["Location"] == second["Location"]
    assert len([m for m in mail.outbox if customer.email in m.to]) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "This field is required."),
        ({"description": ""}, "description", "This field is required."),
        ({"severity": None}, "severity", "This field is required."),
        ({"severity": "999999"}, "severity", "Select a valid choice."),  # no such severity
        ({"severity": "B"}, "severity", "Select a valid choice."),  # a code, not one of the choices
        ({"product_text": ""}, "product_text", "Name the product and version you use."),
        ({"microsoft_case_number": "12345"}, "microsoft_case_number", "15 or 16 digits"),
        ({"microsoft_case_number": "26112200400012AB"}, "microsoft_case_number", "15 or 16 digits"),
        ({"kind": "rant"}, "kind", "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_on_the_form_and_the_rest_is_kept(client, customer, overrides, field, message):
    client.force_login(customer)
    data = form_data(**overrides)
    response = client.post(NEW_URL, data)
    assert response.status_code == 400
    assert Incident.objects.count() == 0
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    content = response.content.decode()
    assert "The incident is not filed yet" in content
    if field != "title":
        assert 'value="Pick list prints blank bin codes"' in content
    if field != "description":
        assert "After the upgrade the **pick list** shows no bin codes." in content
    # The same token comes back, so a corrected post is still protected against doubles.
    assert f'value="{data["submission_token"]}"' in content


def test_a_valid_microsoft_case_number_is_kept_without_spaces(client, customer):
    client.force_login(customer)
    client.post(NEW_URL, form_data(microsoft_case_number="2611 2200 4000 1234"))
    assert Incident.objects.get().microsoft_case_number == "2611220040001234"


def test_severity_a_needs_confirmation_and_a_phone_number(client, customer):
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(severity=severity("A").pk, contact_phone=""))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "around the clock" in errors["around_the_clock"][0]
    assert "phone number" in errors["contact_phone"][0]
    assert Incident.objects.count() == 0


def test_severity_a_rejects_a_phone_number_that_is_not_one(client, customer):
    client.force_login(customer)
    response = client.post(
        NEW_URL, form_data(severity=severity("A").pk, around_the_clock="on", contact_phone="call me maybe")
    )
    assert response.status_code == 400
    assert "at least 6 digits" in response.context["form"].errors["contact_phone"][0]


def test_severity_a_with_confirmation_and_phone_is_filed(client, customer):
    client.force_login(customer)
    response = client.post(
        NEW_URL, form_data(severity=severity("A").pk, around_the_clock="on", contact_phone="+1 312 555 0101")
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.contact_phone == "+1 312 555 0101"
    assert incident.severity.requires_around_the_clock_contact


def test_an_oversized_file_is_refused_with_its_name(client, customer, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    client.force_login(customer)
    upload = SimpleUploadedFile("dump.txt", b"x" * 2048, content_type="text/plain")
    response = client.post(NEW_URL, {**form_data(), "attachments": [upload]})
    assert response.status_code == 400
    assert "dump.txt is 0.0 MB; files may be at most 0 MB." in response.context["form"].errors["attachments"][0]
    assert "choose your attachments again" in response.content.decode()
    assert Incident.objects.count() == 0


def test_a_disallowed_file_type_is_refused(client, customer):
    client.force_login(customer)
    good = SimpleUploadedFile("notes.txt", b"ok", content_type="text/plain")
    bad = SimpleUploadedFile("setup.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(NEW_URL, {**form_data(), "attachments": [good, bad]})
    assert response.status_code == 400
    assert "setup.exe: files of this type are not accepted" in response.context["form"].errors["attachments"][0]
    assert Incident.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_preview_feature_has_no_response_commitment(client, customer):
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(is_preview_feature="on"), follow=True)
    incident = Incident.objects.get()
    assert incident.is_preview_feature
    assert incident.response_due_at is None
    assert "No response commitment:" in response.content.decode()


def test_product_versions_from_the_lifecycle_registry_are_offered(client, customer):
    from lifecycle.models import Product, ProductVersion

    product = Product.objects.create(code="caw", name="Contoso Advanced Warehousing")
    version = ProductVersion.objects.create(product=product, version="24.3", policy="modern")
    client.force_login(customer)
    content = client.get(NEW_URL).content.decode()
    assert f'<option value="{version.pk}">Contoso Advanced Warehousing 24.3</option>' in content
    response = client.post(NEW_URL, form_data(product_text="", product_version=version.pk))
    assert response.status_code == 302
    assert Incident.objects.get().product_version == version
    response = client.post(NEW_URL, form_data(product_text=""))
    assert "Choose the version you use, or name it below." in response.context["form"].errors["product_version"][0]


def test_a_viewer_cannot_file_incidents(client, viewer):
    client.force_login(viewer)
    assert client.get(NEW_URL).status_code == 403
    response = client.post(NEW_URL, form_data())
    assert response.status_code == 403
    assert "read only" in response.content.decode()
    assert Incident.objects.count() == 0


def test_emails_go_to_submitter_admins_who_want_them_and_the_support_team(
    client, customer, customer_admin, organization, django_capture_on_commit_callbacks, settings, tasks_run_eagerly
):
    from accounts.models import Role
    from tests.factories import MemberFactory

    quiet_admin = MemberFactory(organization=organization, role=Role.ADMIN, email="quinn.quiet@fabrikam.example")
    Membership.objects.filter(user=quiet_admin).update(notify_on_all_incidents=False)
    client.force_login(customer)
    client.post(NEW_URL, form_data())
    assert mail.outbox == []  # not on the request: the watcher's next sweep writes them
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        escalation_sweep(now=timezone.now())
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    incident = Incident.objects.get()
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == sorted([customer.email, customer_admin.email, settings.SUPPORT_TEAM_EMAIL])
    to_submitter = next(m for m in mail.outbox if m.to == [customer.email])
    assert incident.number in to_submitter.subject
    assert "A support engineer will contact you by" in to_submitter.body
    assert reverse("incidents:detail", args=[incident.number]) in to_submitter.body
    to_team = next(m for m in mail.outbox if m.to == [settings.SUPPORT_TEAM_EMAIL])
    assert "Sev B" in to_team.subject
    assert organization.name in to_team.subject
    assert to_submitter.alternatives[0][1] == "text/html"


# --- Entitlements: the clear "cannot submit" page, and nothing typed is lost ------------------


def test_an_expired_contract_gets_the_clear_page_and_the_draft_is_kept(client, sla):
    from accounts.models import Role
    from tests.factories import MemberFactory

    org = OrganizationFactory(name="Expired Corp")
    ContractFactory(organization=org, starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2025, 12, 31))
    admin = MemberFactory(organization=org, role=Role.ADMIN, email="ada.admin@expired.example")
    contact = MemberFactory(organization=org, role=Role.SUBMITTER, email="sam.submitter@expired.example")
    client.force_login(contact)
    data = form_data(title="Our title stays", microsoft_case_number="2611220040001234")
    response = client.post(NEW_URL, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:cannot_submit")
    assert Incident.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "ended on 31 December 2025" in page
    assert admin.email in page  # whom to contact
    assert "Our title stays" in page
    assert "After the upgrade the **pick list** shows no bin codes." in page
    # Back on the form, everything typed is filled in again.
    form_page = client.get(NEW_URL)
    content = form_page.content.decode()
    assert 'value="Our title stays"' in content
    assert 'value="2611220040001234"' in content
    assert "We restored what you typed earlier." in content
    assert "no active support contract" in content


def test_no_incidents_left_gets_the_clear_page(client, customer, organization):
    Contract.objects.filter(organization=organization).update(incidents_allotted=0)
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(), follow=True)
    content = response.content.decode()
    assert "used all 0 incidents" in content
    assert "none is left for this term" in content
    assert Incident.objects.count() == 0


def test_discarding_the_draft_empties_the_form(client, customer, organization):
    Contract.objects.filter(organization=organization).update(incidents_allotted=0)
    client.force_login(customer)
    client.post(NEW_URL, form_data(title="Forget me"))
    client.post(reverse("incidents:discard_draft"))
    assert "Forget me" not in client.get(NEW_URL).content.decode()


def test_the_cannot_submit_page_sends_an_entitled_contact_back_to_the_form(client, customer):
    client.force_login(customer)
    response = client.get(reverse("incidents:cannot_submit"))
    assert response.status_code == 302
    assert response["Location"] == NEW_URL


def test_a_successful_submission_forgets_the_draft(client, customer, organization):
    contract = Contract.objects.get(organization=organization)
    Contract.objects.filter(pk=contract.pk).update(incidents_allotted=0)
    client.force_login(customer)
    client.post(NEW_URL, form_data(title="Draft then filed"))
    Contract.objects.filter(pk=contract.pk).update(incidents_allotted=6)
    client.post(NEW_URL, form_data(title="Draft then filed"))
    assert Incident.objects.filter(title="Draft then filed").count() == 1
    assert "Draft then filed" not in client.get(NEW_URL).content.decode()


def test_the_form_asks_the_knowledge_base_for_suggestions(client, customer):
    client.force_login(customer)
    content = client.get(NEW_URL).content.decode()
    assert f'hx-get="{reverse("kb:suggest")}"' in content


def test_the_description_preview_is_sanitised_markdown(client, customer):
    client.force_login(customer)
    response = client.post(reverse("incidents:preview"), {"description": "**bold** <script>x()</script>"})
    content = response.content.decode()
    assert "<strong>bold</strong>" in content
    assert "<script>" not in content
    assert 'hx-post="/incidents/preview/"' in client.get(NEW_URL).content.decode()


def test_a_form_sent_back_without_versions_in_the_registry_offers_free_text_only(client, customer):
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(title=""))  # names a product, so no version query before cleaning
    assert response.status_code == 400
    form = response.context["form"]
    assert "product_version" not in form.fields
    assert form.fields["product_text"].label == "Product and version"
    content = response.content.decode()
    assert 'name="product_version"' not in content
    # What the page shows, not only the field: no "other" beside a list that is not there.
    assert "Other product or version" not in content
    assert "Only if your version is not in the list." not in content
    assert ">Product and version<" in content or "Product and version</label>" in content


def test_a_severity_a_form_sent_back_without_versions_shows_free_text_only(client, customer):
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(severity=severity("A").pk))  # errors from clean(), not a field
    assert response.status_code == 400
    assert "Other product or version" not in response.content.decode()


def test_a_form_sent_back_with_versions_in_the_registry_offers_them_again(client, customer):
    from lifecycle.models import Product, ProductVersion

    product = Product.objects.create(code="caw", name="Contoso Advanced Warehousing")
    version = ProductVersion.objects.create(product=product, version="24.3", policy="modern")
    client.force_login(customer)
    response = client.post(NEW_URL, form_data(title=""))
    assert response.status_code == 400
    assert f'<option value="{version.pk}">Contoso Advanced Warehousing 24.3</option>' in response.content.decode()
    assert response.context["form"].fields["product_text"].label == "Other product or version"
    response = client.post(NEW_URL, form_data())  # free text beside the registry is accepted
    assert response.status_code == 302
    assert Incident.objects.get().product_text == "Contoso Advanced Warehousing 24.3"
