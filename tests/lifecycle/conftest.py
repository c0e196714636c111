"""The product registry: a product, its versions and their Dynamics versions, built the way
staff and the import build them."""

from __future__ import annotations

import datetime as dt

import pytest

from lifecycle.models import Compatibility, DynamicsProduct, PolicyKind, Product, ProductVersion
from lifecycle.services import (
    DATA_FILE,
    dynamics_lifecycle_import,
    dynamics_lifecycle_read,
)

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def product(db):
    return Product.objects.create(code="contoso-advanced-warehousing", name="Contoso Advanced Warehousing")


@pytest.fixture
def dynamics(db, now):
    dynamics_lifecycle_import(rows=dynamics_lifecycle_read(DATA_FILE), now=now - dt.timedelta(days=400))
    return {d.key: d for d in DynamicsProduct.objects.all()}


@pytest.fixture
def versions(product, dynamics):
    rows = {
        "11.0": ProductVersion.objects.create(
            product=product,
            version="11.0",
            policy=PolicyKind.FIXED,
            released_on=dt.date(2018, 1, 15),
            mainstream_end_on=dt.date(2023, 1, 10),
            extended_end_on=dt.date(2028, 1, 11),
        ),
        "28.0": ProductVersion.objects.create(
            product=product, version="28.0", policy=PolicyKind.MODERN, released_on=dt.date(2026, 4, 20)
        ),
        "29.0": ProductVersion.objects.create(
            product=product, version="29.0", policy=PolicyKind.MODERN, released_on=dt.date(2026, 10, 19)
        ),
    }
    Compatibility.objects.create(product_version=rows["11.0"], dynamics_product=dynamics["nav-2018"])
    Compatibility.objects.create(product_version=rows["28.0"], dynamics_product=dynamics["bc-onprem-v28"])
    Compatibility.objects.create(product_version=rows["29.0"], dynamics_product=dynamics["bc-onprem-v29"])
    return rows
