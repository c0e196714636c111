"""`IsCustomer`: a step that is the customer's to take (confirming a resolution, escalating)."""

from __future__ import annotations

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from core.api.permissions import IsCustomer

pytestmark = pytest.mark.django_db


class CustomerStepView(APIView):
    permission_classes = [IsCustomer]
    customer_step_message = "Staff do this in the console."

    def post(self, request):
        return Response({"done": True})


class UnnamedStepView(CustomerStepView):
    customer_step_message = None


def call(view_class, user=None):
    request = APIRequestFactory().post("/step/")
    if user is not None:
        force_authenticate(request, user=user)
    return view_class.as_view()(request)


def test_a_customer_may_take_the_step(customer):
    assert call(CustomerStepView, customer).status_code == 200


def test_staff_are_refused_with_what_they_do_instead(engineer):
    response = call(CustomerStepView, engineer)
    assert response.status_code == 403
    assert response.data == {"code": "permission_denied", "message": "Staff do this in the console.", "fields": {}}


def test_without_a_named_step_staff_get_the_plain_refusal(engineer):
    response = call(UnnamedStepView, engineer)
    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"


def test_anonymous_callers_are_asked_to_sign_in():
    assert call(CustomerStepView).status_code == 401


@pytest.mark.parametrize(
    ("path", "words"),
    [("confirm-resolution/", "staff close incidents"), ("escalation/", "staff escalate")],
)
def test_the_api_refuses_staff_the_customers_steps(token_for, engineer, customer, file_incident, path, words):
    incident = file_incident(customer)
    response = token_for(engineer).post(f"/api/v1/incidents/{incident.number}/{path}", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert words in response.json()["message"]
