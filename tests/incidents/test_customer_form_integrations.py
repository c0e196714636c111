"""The incident form's links to the lifecycle and the knowledge base."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.urls import reverse

from knowledgebase.models import DeflectionEvent
from knowledgebase.services import DEFLECTION_SESSION_KEY
from lifecycle.models import Product, ProductVersion
from tests.conftest import NOW
from tests.factories import severity

pytestmark = pytest.mark.django_db

NEW_URL = reverse("incidents:new")


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def versions(db):
    product = Product.objects.create(code="caw", name="Contoso Advanced Warehousing")
    ended = ProductVersion.objects.create(
        product=product,
        version="9.0",
        policy="fixed",
        released_on=dt.date(2016, 1, 1),
        mainstream_end_on=dt.date(2019, 1, 1),
        extended_end_on=dt.date(2021, 1, 1),
    )
    current = ProductVersion.objects.create(
        product=product, version="29.0", policy="modern", released_on=dt.date(2026, 10, 1)
    )
    return {"ended": ended, "current": current}


def test_picking_a_version_out_of_support_flags_it_without_javascript(client, customer, versions):
    client.force_login(customer)
    # Title missing: the form comes back, with the chosen version flagged.
    response = client.post(NEW_URL, {"submission_token": str(uuid.uuid4()), "product_version": versions["ended"].pk})
    content = response.content.decode()
    assert response.status_code == 400
    assert "Version 9.0 is out of support since 2021-01-02." in content


def test_a_supported_version_is_not_flagged(client, customer, versions):
    client.force_login(customer)
    response = client.post(NEW_URL, {"submission_token": str(uuid.uuid4()), "product_version": versions["current"].pk})
    assert "out of support" not in response.content.decode()


def test_the_version_select_asks_the_lifecycle_for_its_notice_live(client, customer, versions):
    client.force_login(customer)
    content = client.get(NEW_URL).content.decode()
    assert f'hx-get="{reverse("cfmd:version_status")}"' in content
    notice = client.get(reverse("cfmd:version_status"), {"product_version": versions["ended"].pk})
    assert "out of support" in notice.content.decode()


def test_submitting_marks_opened_suggestions_as_not_deflecting(client, customer, versions):
    from knowledgebase.models import Article, Category

    client.force_login(customer)
    session = client.session
    session[DEFLECTION_SESSION_KEY] = "form-token-1"
    session.save()
    category = Category.objects.create(name="Setup", slug="setup")
    article = Article.objects.create(
        title="Bin codes",
        slug="bin-codes",
        summary="s",
        body="b",
        category=category,
        status="published",
        published_at=NOW,
    )
    event = DeflectionEvent.objects.create(article=article, token="form-token-1", opened_at=NOW)

    response = client.post(
        NEW_URL,
        {
            "submission_token": str(uuid.uuid4()),
            "title": "Pick list prints blank bin codes",
            "description": "After the upgrade the pick list shows no bin codes.",
            "product_version": versions["current"].pk,
            "severity": severity("C").pk,
            "kind": "break_fix",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # The knowledge base sees the incident filed when the next form asks for suggestions.
    client.get(reverse("kb:suggest"), {"title": "Bin codes"})
    event.refresh_from_db()
    assert event.submitted_at is not None
    assert client.session[DEFLECTION_SESSION_KEY] != "form-token-1"
