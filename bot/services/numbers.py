"""Whole numbers and calendar dates as readers and organizers type them.

Digits may come from any script: "42", "٤٢" (Arabic-Indic) and "४२" (Devanagari) are all 42.
Characters that merely look like digits are not: `"²".isdigit()` is true, yet "²" is no
number, so nothing here relies on `str.isdigit()`.

`date_problem` names what is wrong with a year, month and day ("there is no 31 February")
as an English msgid and its parameters; each caller raises its own error type with them.
"""

from __future__ import annotations

import calendar
import unicodedata

from bot.core.i18n import N_

# Longer numbers are never a count, a place or an id here; refusing them keeps int() and the
# database (64-bit integers) safe.
MAX_DIGITS = 18
# An id in callback data: nine digits at most, as the handlers' patterns say (\d{1,9}).
ID_DIGITS = 9
# Years a date typed in the bot may have; others are typos (0001, 9999) that would overflow
# time-zone arithmetic.
YEAR_RANGE = (1900, 2200)

# Months with fewer than 31 days, each named in a sentence of its own so that translators can
# decline the month ("31 февраля").
_NO_SUCH_DAY = {
    2: N_("There is no {day} February: {value} is not a date."),
    4: N_("There is no {day} April: {value} is not a date."),
    6: N_("There is no {day} June: {value} is not a date."),
    9: N_("There is no {day} September: {value} is not a date."),
    11: N_("There is no {day} November: {value} is not a date."),
}


def parse_whole_number(text: str | None, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The number written in `text` with decimal digits of any script; None otherwise.

    Surrounding spaces are ignored; signs, separators, superscripts ("²"), fractions ("½")
    and more than `max_digits` digits are not numbers here.
    """
    value = (text or "").strip()
    if not value or len(value) > max_digits:
        return None
    number = 0
    for char in value:
        digit = unicodedata.decimal(char, None)
        if digit is None:
            return None
        number = number * 10 + digit
    return number


def date_problem(year: int, month: int, day: int, value: str,
                 years: tuple[int, int] = YEAR_RANGE) -> tuple[str, dict[str, object]] | None:
    """Why year-month-day is no date in the bot's calendar, as (msgid, params); None if it is.

    `value` is the text as typed, named in the answer. `years` may be widened up to
    (1, 9999) by a caller that checks the year itself (a birth date and the age it makes).
    """
    low, high = years
    if not low <= year <= high:
        return (N_("The year {year} in {value} is out of range: write a year from {low} to "
                   "{high}."), {"year": year, "value": value, "low": low, "high": high})
    if not 1 <= month <= 12:
        return (N_("There is no month {month}: months go from 1 to 12, so {value} is not a "
                   "date."), {"month": month, "value": value})
    if not 1 <= day <= 31:
        return (N_("There is no day {day} in any month: {value} is not a date."),
                {"day": day, "value": value})
    if day > calendar.monthrange(year, month)[1]:
        if month == 2 and day == 29:
            return (N_("There is no 29 February in {year}: it is not a leap year."),
                    {"year": year, "value": value})
        return _NO_SUCH_DAY[month], {"day": day, "value": value}
    return None
