"""Whole numbers in digits of any script, and dates that do not exist, named."""

from __future__ import annotations

import gettext

import pytest

from bot.core.i18n import Translator
from bot.services.contest_dates import parse_reference_date
from bot.services.contest_fields import parse_age_range, parse_quota, parse_scale
from bot.services.event_fields import FieldError, parse_capacity, parse_duration
from bot.services.numbers import date_problem, parse_whole_number

ENGLISH = Translator("en", gettext.NullTranslations())


@pytest.mark.parametrize(("text", "expected"), [
    ("42", 42), (" 7 ", 7), ("٤٢", 42), ("४२", 42), ("٣", 3), ("0", 0),
    ("123456789012345678", 123456789012345678),
])
def test_parse_whole_number_reads_decimal_digits_of_any_script(text, expected):
    assert parse_whole_number(text) == expected


@pytest.mark.parametrize("text", ["", None, "²", "2²", "½", "-1", "+1", "1.5", "1 000", "x",
                                  "1234567890123456789"])
def test_parse_whole_number_refuses_what_is_not_a_whole_number(text):
    assert parse_whole_number(text) is None


def test_parse_whole_number_bounds_the_number_of_digits():
    assert parse_whole_number("9" * 20, max_digits=9) is None


@pytest.mark.parametrize(("parts", "expected"), [
    ((2009, 2, 31), "There is no 31 February: 31.02.2009 is not a date."),
    ((2009, 2, 29), "There is no 29 February in 2009: it is not a leap year."),
    ((2009, 11, 31), "There is no 31 November: 31.02.2009 is not a date."),
    ((2009, 13, 1), "There is no month 13: months go from 1 to 12, so 31.02.2009 is not a date."),
    ((9999, 1, 1), "The year 9999 in 31.02.2009 is out of range: write a year from 1900 to 2200."),
])
def test_date_problem_names_the_missing_date(parts, expected):
    msgid, params = date_problem(*parts, "31.02.2009")

    assert ENGLISH.gettext(msgid).format(**params) == expected


def test_date_problem_accepts_a_leap_day():
    assert date_problem(2008, 2, 29, "29.02.2008") is None


def message(call, *args) -> str:
    with pytest.raises(FieldError) as error:
        call(*args)
    return error.value.render(ENGLISH)


def test_parse_capacity_refuses_a_superscript_clearly():
    assert message(parse_capacity, "²") == (
        "Cannot read ² as a number of seats: write a number, or 0 for no limit.")


def test_parse_capacity_reads_arabic_indic_digits():
    assert parse_capacity("٣٠") == 30


def test_parse_duration_refuses_a_superscript_clearly():
    assert message(parse_duration, "9²").startswith("Cannot read 9² as a duration")


def test_parse_duration_reads_arabic_indic_digits():
    assert parse_duration("٩٠") == 90


def test_parse_scale_refuses_a_superscript_clearly():
    assert message(parse_scale, "1-1²").startswith("Cannot read 1-1² as a scale")


def test_parse_age_range_reads_arabic_indic_digits():
    assert parse_age_range("١٥-١٩") == (15, 19)


def test_parse_reference_date_names_a_day_that_does_not_exist():
    assert message(parse_reference_date, "31.02.2027") == (
        "There is no 31 February: 31.02.2027 is not a date.")


def test_parse_quota_refuses_a_superscript_clearly():
    assert message(parse_quota, "²") == (
        "The number of winners per side must be a whole number from 1 to 100; ² is not.")
