"""factory_boy factories; personas in conftest.py build on these."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Contract, Membership, Organization, Role, StaffProfile
from sla.models import Severity, SupportPlan, SupportRegion

PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Customer {n}")
    region = factory.LazyFunction(lambda: SupportRegion.objects.get(code="north-america"))
    time_zone = "America/Los_Angeles"
    language = "en"


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    organization = factory.SubFactory(OrganizationFactory)
    plan = factory.LazyFunction(lambda: SupportPlan.objects.get(code="professional-direct"))
    starts_on = dt.date(2026, 1, 1)
    ends_on = dt.date(2026, 12, 31)
    incidents_allotted = 6


def MemberFactory(*, organization: Organization, role: str = Role.SUBMITTER, email: str, **extra) -> object:
    """A customer contact: a user (username = email) with a membership."""
    user = UserFactory(
        username=email,
        email=email,
        first_name=email.split(".")[0].title(),
        last_name=email.split("@")[0].split(".")[-1].title(),
    )
    Membership.objects.update_or_create(
        user=user,
        defaults={"organization": organization, "role": role, "time_zone": organization.time_zone, **extra},
    )
    return user


def StaffFactory(
    *, username: str, group: str = "Support engineers", time_zone: str = "Europe/London", superuser: bool = False
):
    user = UserFactory(username=username, email=f"{username}@contoso.example", is_staff=True, is_superuser=superuser)
    group_obj, _ = Group.objects.get_or_create(name=group)
    user.groups.add(group_obj)
    StaffProfile.objects.update_or_create(user=user, defaults={"time_zone": time_zone})
    return user


def severity(code: str) -> Severity:
    return Severity.objects.get(code=code)
