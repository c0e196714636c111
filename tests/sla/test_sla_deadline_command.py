"""`manage.py sla_deadline`: plain mode, --jsonl, and bad input (exit 2, one line naming the field)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import ManagementUtility, call_command

pytestmark = pytest.mark.django_db

EXAMPLE = [
    "--plan",
    "subscription",
    "--severity",
    "B",
    "--region",
    "north-america",
    "--at",
    "2026-11-20T16:30:00-08:00",
]


def run(capsys, *args: str) -> tuple[int, str, str]:
    """Run the command as `manage.py` does, returning (exit status, stdout, stderr)."""
    status = 0
    try:
        ManagementUtility(["manage.py", "sla_deadline", *args]).execute()
    except SystemExit as exc:
        status = int(exc.code or 0)
    out, err = capsys.readouterr()
    return status, out, err


def test_prints_only_the_due_instant_in_utc(capsys):
    assert run(capsys, *EXAMPLE) == (0, "2026-11-23T16:30:00+00:00\n", "")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--plan", "premier", "--severity", "A", "--region", "japan", "--at", "2026-11-21T12:00:00+09:00"],
            "2026-11-21T04:00:00+00:00",
        ),
        (
            ["--plan", "subscription", "--severity", "C", "--region", "japan", "--at", "2026-11-20T17:00:00+09:00"],
            "2026-11-24T07:30:00+00:00",
        ),
        (
            ["--plan", "premier", "--severity", "C", "--region", "germany", "--at", "2026-12-31T15:00:00Z"],
            "2027-01-04T11:00:00+00:00",
        ),
    ],
)
def test_more_examples(capsys, args, expected):
    assert run(capsys, *args) == (0, expected + "\n", "")


@pytest.mark.parametrize(
    ("replace", "field"),
    [
        (("--plan", "gold"), "--plan"),
        (("--severity", "Z"), "--severity"),
        (("--region", "mars"), "--region"),
        (("--at", "2026-11-20T16:30:00"), "--at"),
        (("--at", "tomorrow morning"), "--at"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(capsys, replace, field):
    args = list(EXAMPLE)
    args[args.index(replace[0]) + 1] = replace[1]
    status, out, err = run(capsys, *args)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert f"{field}: " in err


def test_a_missing_argument_is_named(capsys):
    status, out, err = run(capsys, *EXAMPLE[:6])
    assert (status, out) == (2, "")
    assert err.strip().splitlines() == ["CommandError: --at: required"]


def test_jsonl_answers_each_line_in_order_and_carries_on_after_errors():
    lines = [
        {"plan": "subscription", "severity": "B", "region": "north-america", "at": "2026-11-20T16:30:00-08:00"},
        {"plan": "gold", "severity": "B", "region": "north-america", "at": "2026-11-20T16:30:00-08:00"},
        {"plan": "premier", "severity": "B", "region": "japan", "at": "2026-11-20T17:00:00"},
        {"plan": "premier", "severity": "B", "region": "japan", "at": "2026-11-20T17:00:00+09:00"},
    ]
    stdin = io.StringIO("\n".join(json.dumps(line) for line in lines) + "\nnot json\n[1, 2]\n\n" + json.dumps(lines[0]))
    out = io.StringIO()
    call_command("sla_deadline", "--jsonl", stdin=stdin, stdout=out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answers[0] == {"due": "2026-11-23T16:30:00+00:00"}
    assert answers[1]["error"].startswith("plan: unknown plan 'gold'")
    assert answers[2]["error"].startswith("at: '2026-11-20T17:00:00' has no UTC offset")
    assert answers[3] == {"due": "2026-11-20T10:00:00+00:00"}
    assert answers[4]["error"] == "line 5: not JSON (Expecting value)"
    assert answers[5]["error"] == "line 6: expected a JSON object"
    assert answers[6] == {"due": "2026-11-23T16:30:00+00:00"}  # the blank line gets no answer
    assert len(answers) == 7


def test_jsonl_loads_the_policy_once(django_assert_max_num_queries):
    lines = "".join(
        json.dumps({"plan": "subscription", "severity": "C", "region": region, "at": f"2026-{month:02d}-15T10:00:00Z"})
        + "\n"
        for month in range(1, 13)
        for region in ("north-america", "japan", "germany", "united-kingdom", "denmark")
    )
    out = io.StringIO()
    with django_assert_max_num_queries(7):
        call_command("sla_deadline", "--jsonl", stdin=io.StringIO(lines), stdout=out)
    assert len(out.getvalue().splitlines()) == 60
    assert all("due" in json.loads(line) for line in out.getvalue().splitlines())


def test_jsonl_refuses_single_mode_arguments(capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    status, out, err = run(capsys, "--jsonl", "--plan", "premier")
    assert (status, out) == (2, "")
    assert err.strip() == "CommandError: --plan: not used with --jsonl (each input line names it)"
