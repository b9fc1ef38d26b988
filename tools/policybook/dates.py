"""Calendar helpers: full ISO dates only, and month arithmetic that clamps to the month's end."""

from __future__ import annotations

import calendar
import datetime as dt


def parse_date(text: object) -> dt.date | None:
    """A ``YYYY-MM-DD`` string as a date, or None for anything else (the schema reports why)."""
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def long_date(day: dt.date | None) -> str:
    """'6 November 2020', the house style for dates in prose."""
    return f"{day.day} {day:%B %Y}" if day else "not set"


def days_text(count: int) -> str:
    """'1 day', '3 days': how long, as every message and page says it."""
    return "1 day" if count == 1 else f"{count} days"


def today_from(value: str | None) -> dt.date:
    """The day to check against: ``value``, else POLICYBOOK_TODAY, else today."""
    import os

    from policybook.errors import PolicybookError

    text = value or os.environ.get("POLICYBOOK_TODAY")
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise PolicybookError(f"'{text}' is not a date: write YYYY-MM-DD") from None


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months; 31 January + 1 month is 28 or 29 February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def past_date(text: str | None, today: dt.date, what: str) -> dt.date:
    """A command-line date that may not be in the future (today when not given)."""
    from policybook.errors import PolicybookError

    if text is None:
        return today
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise PolicybookError(f"{what}: '{text}' is not a date: write YYYY-MM-DD") from None
    if day > today:
        raise PolicybookError(f"{what}: {day} is in the future")
    return day
