"""Dates as documents write them, read the British way and never guessed.

Policies written in the UK put the day first: 03/04/2024 is 3 April. Only a numeric date that reads
two ways (both numbers 12 or less, and different) gets a note, in case it was written month first;
14/03/2025 can only be 14 March. A date that only names a month or a year ("March 2024") is reported
as ambiguous rather than pinned to a day nobody wrote, and a numeric date that only makes sense month
first (04/13/2024) is reported, not swapped.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from policybook.dates import long_date

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
    ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
    ("december", "dec")), start=1) for name in names}
_MONTH = "(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + ")"
_WEEKDAY = re.compile(r"^(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)[a-z]*,?\s+", re.I)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.I)
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})$")
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}})[\s-]+{_MONTH}\.?[\s,-]+(\d{{4}}|\d{{2}})$", re.I)
_MONTH_DAY_YEAR = re.compile(rf"^{_MONTH}\.?\s+(\d{{1,2}}),?\s+(\d{{4}})$", re.I)
_NO_YEAR = re.compile(rf"^(?:\d{{1,2}}[\s-]+{_MONTH}\.?|{_MONTH}\.?\s+\d{{1,2}}|\d{{1,2}}[/.]\d{{1,2}})$", re.I)
_MONTH_YEAR = re.compile(rf"^(?:{_MONTH}\.?,?\s+\d{{4}}|\d{{1,2}}[/.-]\d{{4}}|\d{{4}}(?:-\d{{2}})?)$", re.I)


@dataclass(frozen=True)
class DateReading:
    """What a written date was read as: ``day``, or ``problem`` saying why it was not read."""

    text: str
    day: dt.date | None
    problem: str = ""
    note: str = ""  # how an ambiguous-looking date was read, for the report


def read_date(value: object) -> DateReading:
    """Read ``value`` (a date from YAML or TOML, or text from a document) as a calendar date."""
    if isinstance(value, dt.datetime):
        return DateReading(value.isoformat(), value.date())
    if isinstance(value, dt.date):
        return DateReading(value.isoformat(), value)
    text = " ".join(str(value).split())
    cleaned = _ORDINAL.sub(r"\1", _WEEKDAY.sub("", text)).strip().rstrip(".")
    if not cleaned:
        return DateReading(text, None, "is empty")
    match = _ISO.match(cleaned)
    if match:
        return _make(text, int(match[1]), int(match[2]), int(match[3]))
    match = _NUMERIC.match(cleaned)
    if match:
        first, second, year_text = int(match[1]), int(match[2]), match[3]
        if second > 12:
            return DateReading(text, None, f"is not a day/month/year date (there is no month {second}): "
                                           "written month first? Not guessed")
        year = 2000 + int(year_text) if len(year_text) == 2 else int(year_text)
        reading = _make(text, year, second, first)
        if reading.day is not None and first <= 12 and first != second:  # 03/04: 3 April or March 4?
            return DateReading(text, reading.day, note=f"read as {long_date(reading.day)} (day first)")
        return reading
    match = _DAY_MONTH_YEAR.match(cleaned)
    if match:
        year = int(match[3]) + (2000 if len(match[3]) == 2 else 0)
        return _make(text, year, MONTHS[match[2].lower()], int(match[1]))
    match = _MONTH_DAY_YEAR.match(cleaned)
    if match:
        return _make(text, int(match[3]), MONTHS[match[1].lower()], int(match[2]))
    if _NO_YEAR.match(cleaned):
        return DateReading(text, None, "gives no year: not guessed")
    if _MONTH_YEAR.match(cleaned):
        return DateReading(text, None, "names a month or a year but no day: ambiguous, so not guessed")
    return DateReading(text, None, "is not a date that can be read")


def _make(text: str, year: int, month: int, day: int) -> DateReading:
    try:
        return DateReading(text, dt.date(year, month, day))
    except ValueError:
        return DateReading(text, None, "is not a real date")
