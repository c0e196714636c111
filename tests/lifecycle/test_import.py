"""manage.py import_dynamics_lifecycle: rows with their source, idempotent, clear errors."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from lifecycle.models import DynamicsProduct
from lifecycle.services import DATA_FILE

pytestmark = pytest.mark.django_db


def test_import_keeps_each_rows_source_confirmed_flag_and_notes():
    call_command("import_dynamics_lifecycle", skip_checks=True)
    data = json.loads(DATA_FILE.read_text())
    assert DynamicsProduct.objects.count() == len(data["products"])
    nav = DynamicsProduct.objects.get(key="nav-2018")
    assert nav.listing_name == "Dynamics NAV 2018"
    assert str(nav.extended_end_on) == "2028-01-11"
    assert nav.is_confirmed is True
    assert "learn.microsoft.com" in nav.source
    estimated = DynamicsProduct.objects.get(key="bc-onprem-v29")
    assert estimated.is_confirmed is False
    assert str(estimated.estimated_end_on) == "2028-04-11"
    assert estimated.notes


def test_importing_twice_changes_nothing_and_writes_no_history(capsys):
    call_command("import_dynamics_lifecycle", skip_checks=True)
    history = DynamicsProduct.history.count()
    call_command("import_dynamics_lifecycle", skip_checks=True)
    assert DynamicsProduct.history.count() == history
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_a_changed_row_is_updated_in_place(tmp_path):
    call_command("import_dynamics_lifecycle", skip_checks=True)
    data = json.loads(DATA_FILE.read_text())
    for row in data["products"]:
        if row["id"] == "bc-onprem-v29":
            row["confirmed"] = True
            row["end_of_servicing"] = "2028-04-11"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    call_command("import_dynamics_lifecycle", file=changed, skip_checks=True)
    row = DynamicsProduct.objects.get(key="bc-onprem-v29")
    assert row.is_confirmed is True
    assert str(row.end_of_servicing_on) == "2028-04-11"
    assert row.history.count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"rows": []}', 'no "products" list'),
        ('{"products": [{"id": "x", "policy": "forever"}]}', "policy must be fixed or modern"),
        (
            '{"products": [{"id": "x", "product": "P", "version": "1", "listing_name": "P 1", "policy": "fixed",'
            ' "confirmed": true, "source": "s", "start": "01/02/2020"}]}',
            "start is not an ISO date",
        ),
        (
            '{"products": [{"id": "x", "product": "P", "version": "1", "listing_name": "P 1", "policy": "fixed",'
            ' "confirmed": true}]}',
            "source is missing",
        ),
    ],
)
def test_a_bad_file_stops_with_a_clear_message_and_exit_status_2(tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    with pytest.raises(CommandError, match=message) as excinfo:
        call_command("import_dynamics_lifecycle", file=bad, skip_checks=True)
    assert excinfo.value.returncode == 2
    assert DynamicsProduct.objects.count() == 0


def test_a_missing_file_is_reported_with_exit_status_2(tmp_path):
    with pytest.raises(CommandError, match="Cannot read") as excinfo:
        call_command("import_dynamics_lifecycle", file=tmp_path / "nope.json", skip_checks=True)
    assert excinfo.value.returncode == 2
