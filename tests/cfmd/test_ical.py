"""The iCalendar writer: RFC 5545 escaping, CRLF line ends and 75-octet folding (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from cfmd import ical

STAMP = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    summary = "Contoso Advanced Warehousing 11.0 – Ende des erweiterten Supports für Dynamics NAV 2018 ÄÖÜ " * 3
    text = ical.calendar(
        name="Lifecycle",
        product_id="-//Test//EN",
        events=[ical.AllDayEvent(uid="a@x", on=dt.date(2028, 1, 11), summary=summary)],
        stamp=STAMP,
    )
    physical = text.split("\r\n")
    assert all(len(line.encode("utf-8")) <= 75 for line in physical)
    assert any(line.startswith(" ") for line in physical)
    assert f"SUMMARY:{summary}" in unfold(text)


def test_text_values_are_escaped_and_events_are_all_day():
    text = ical.calendar(
        name="A; B, C",
        product_id="-//Test//EN",
        events=[ical.AllDayEvent(uid="u@x", on=dt.date(2027, 1, 11), summary="x", description="one, two;\nthree\\")],
        stamp=STAMP,
    )
    lines = unfold(text)
    assert "X-WR-CALNAME:A\\; B\\, C" in lines
    assert "DESCRIPTION:one\\, two\\;\\nthree\\\\" in lines
    assert "DTSTART;VALUE=DATE:20270111" in lines
    assert "DTEND;VALUE=DATE:20270112" in lines
    assert "DTSTAMP:20261123T150000Z" in lines
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    assert "\n" not in text.replace("\r\n", "")


def test_naive_stamp_is_refused():
    with pytest.raises(ValueError, match="aware"):
        ical.calendar(name="x", product_id="x", events=[], stamp=dt.datetime(2026, 1, 1))
