"""A contest's dates: when submissions open and close, the day ages are counted on,
the jury's deadline. Used by `contest_fields`, the /newcontest conversation and
`kopir import`: each `parse_*` reads what a librarian typed or wrote in YAML,
`check_*` relate dates.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import N_
from bot.services.contest_groups import as_shown
from bot.services.event_fields import FieldError, as_text, parse_moment
from bot.services.numbers import date_problem

LONGEST_WINDOW = timedelta(days=366)
# A reference day further than this from the window is almost always a mistyped year.
REFERENCE_SLACK = timedelta(days=366)
# Words for "the day the contest closes / opens" as the reference date of ages.
_CLOSING_WORDS = frozenset({"closes", "closing", "close", "closing date", "закрытие",
                            "жабылуы", "закриття"})
_OPENING_WORDS = frozenset({"opens", "opening", "open", "opening date", "открытие",
                            "ашылуы", "відкриття"})


def parse_opens(value: object, zone: str) -> datetime:
    """When submissions open, aware UTC; local time in `zone` unless an offset is given."""
    return parse_moment(_moment_text(value), zone)


def parse_closes(value: object, zone: str, opens_at: datetime | None = None,
                 now: datetime | None = None) -> datetime:
    """When submissions close: after `opens_at` and, when `now` is given, still ahead."""
    closes_at = parse_moment(_moment_text(value), zone)
    if now is not None and closes_at <= now:
        raise FieldError(
            N_("The closing time must be in the future: {value} is already past."),
            value=as_shown(value),
        )
    if opens_at is not None:
        check_window(opens_at, closes_at)
    return closes_at


def check_window(opens_at: datetime, closes_at: datetime) -> None:
    if closes_at <= opens_at:
        raise FieldError(N_("The contest must close after it opens: check both dates."))
    if closes_at - opens_at > LONGEST_WINDOW:
        raise FieldError(
            N_("Submissions would stay open for more than a year: check the years of both dates.")
        )


def parse_reference_date(value: object, *, opens_at: datetime | None = None,
                         closes_at: datetime | None = None, zone: str = "UTC") -> date:
    """The day on which ages are counted: a date, or "closes"/"opens" for that day in `zone`."""
    shown = as_shown(value)
    word = shown.casefold()
    day: date | None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif word in _CLOSING_WORDS and closes_at is not None:
        day = closes_at.astimezone(ZoneInfo(zone)).date()
    elif word in _OPENING_WORDS and opens_at is not None:
        day = opens_at.astimezone(ZoneInfo(zone)).date()
    else:
        day = _date(shown)
        if day is None:
            raise FieldError(
                N_("Cannot read {value} as a date: write it like 31.01.2027, or closes for the "
                   "closing day."),
                value=shown,
            )
    check_reference_date(day, opens_at, closes_at)
    return day


def check_reference_date(day: date, opens_at: datetime | None,
                         closes_at: datetime | None) -> None:
    far = (opens_at is not None and day < (opens_at - REFERENCE_SLACK).date()) or (
        closes_at is not None and day > (closes_at + REFERENCE_SLACK).date()
    )
    if far:
        raise FieldError(
            N_("Ages would be counted on {value}, more than a year away from the contest: "
               "check the year."),
            value=day,  # shown as a date in the reader's language
        )


def parse_jury_deadline(value: object, zone: str,
                        closes_at: datetime | None = None) -> datetime:
    deadline = parse_moment(_moment_text(value), zone)
    if closes_at is not None:
        check_jury_deadline(deadline, closes_at)
    return deadline


def check_jury_deadline(deadline: datetime, closes_at: datetime) -> None:
    if deadline <= closes_at:
        raise FieldError(
            N_("The jury deadline must come after submissions close: the jury scores closed "
               "entries.")
        )


def _date(text: str) -> date | None:
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})\.(\d{1,2})\.(\d{4})"):
        match = re.fullmatch(pattern, text)
        if match:
            parts = [int(part) for part in match.groups()]
            year, month, day = parts if pattern.startswith(r"(\d{4})") else parts[::-1]
            # The form is right: a day that does not exist (31.02) is named, not misread.
            problem = date_problem(year, month, day, text)
            if problem is not None:
                raise FieldError(problem[0], **problem[1])
            return date(year, month, day)
    return None


_DAY_ALONE = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{4})\s*")


def _moment_text(value: object) -> str | datetime:
    if isinstance(value, datetime):
        return value
    # YAML reads 2027-01-31 as a date; a day alone is ambiguous (its start or its end?).
    text = value.isoformat() if isinstance(value, date) else as_text(value)
    if _DAY_ALONE.fullmatch(text):
        raise FieldError(N_("{value} has no time of day: add it, like {value} 23:59."),
                         value=text.strip())
    return text
