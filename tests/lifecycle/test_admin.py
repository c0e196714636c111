"""Staff keep the lifecycle registry in the admin, with history on every row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

MODELS = [
    "lifecycle.product",
    "lifecycle.productversion",
    "lifecycle.dynamicsproduct",
    "lifecycle.compatibility",
    "lifecycle.lifecyclepolicy",
    "sla.supportchannel",
    "lifecycle.roadmapstatement",
    "lifecycle.plannedrelease",
]


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(username="ada.admin", superuser=True))
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_lifecycle_model_has_a_working_admin(admin_client, versions, model):
    app_label, model_name = model.split(".")
    assert admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist")).status_code == 200
