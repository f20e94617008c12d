from __future__ import annotations

import gettext
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import Nn_, Translator
from bot.services.event_fields import (
    FieldError,
    PartnerDraft,
    known_city_zone,
    parse_capacity,
    parse_description,
    parse_duration,
    parse_kind,
    parse_language,
    parse_link,
    parse_moment,
    parse_offsets,
    parse_partner,
    parse_start,
    parse_timezone,
    parse_title,
)
from storage.models import EventKind
from tests.factories import NOW

ENGLISH = Translator("en", gettext.NullTranslations())


def message(error: pytest.ExceptionInfo[FieldError]) -> str:
    return error.value.render(ENGLISH)


class _Upper(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return message.upper().replace("{VALUE}", "{value}")


class _RussianForms(gettext.NullTranslations):
    """Three plural forms chosen by the Russian rule, as a compiled ru catalog does."""

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        forms = ("{length} символ, не больше {limit}", "{length} символа, не больше {limit}",
                 "{length} символов, не больше {limit}")
        if n % 10 == 1 and n % 100 != 11:
            return forms[0]
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return forms[1]
        return forms[2]


TOO_LONG = Nn_("{length} character, at most {limit}", "{length} characters, at most {limit}",
               count="length")


def test_field_error_render_translates_msgid_then_fills_placeholders():
    error = FieldError("Unknown thing {value}.", value="x{y}")

    assert error.render(Translator("ru", _Upper())) == "UNKNOWN THING x{y}."
    assert str(error) == "Unknown thing x{y}."


@pytest.mark.parametrize(
    ("length", "expected"),
    [(1, "1 character, at most 9"), (5, "5 characters, at most 9")],
)
def test_field_error_plural_renders_the_english_form_for_the_count(length, expected):
    error = FieldError(TOO_LONG, length=length, limit=9)

    assert (error.render(ENGLISH), str(error)) == (expected, expected)


@pytest.mark.parametrize(
    ("length", "expected"),
    [(1, "1 символ, не больше 1"), (3, "3 символа, не больше 1"),
     (5, "5 символов, не больше 1"), (21, "21 символ, не больше 1")],
)
def test_field_error_plural_picks_the_form_by_its_count_parameter_not_others(length, expected):
    error = FieldError(TOO_LONG, length=length, limit=1)

    assert error.render(Translator("ru", _RussianForms())) == expected


def test_field_error_plural_without_its_count_parameter_fails_at_once():
    with pytest.raises(KeyError):
        FieldError(TOO_LONG, limit=9)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("video_bridge", EventKind.VIDEO_BRIDGE),
        (" Conference ", EventKind.CONFERENCE),
        ("chat-conference", EventKind.CHAT_CONFERENCE),
    ],
)
def test_parse_kind_accepts_the_three_kinds(text, kind):
    assert parse_kind(text) == kind


def test_parse_kind_rejects_unknown_kind():
    with pytest.raises(FieldError) as error:
        parse_kind("webinar")

    assert message(error) == (
        "Unknown kind of event webinar: use video_bridge, conference, chat_conference or "
        "offline."
    )


def test_parse_title_strips_and_keeps_200_characters():
    assert parse_title("  Модель будущего  ") == "Модель будущего"
    assert parse_title("я" * 200) == "я" * 200


@pytest.mark.parametrize("text", ["", "   ", None])
def test_parse_title_rejects_empty(text):
    with pytest.raises(FieldError) as error:
        parse_title(text)

    assert message(error) == "The title is empty: write a few words."


def test_parse_title_rejects_201_characters():
    with pytest.raises(FieldError) as error:
        parse_title("a" * 201)

    assert message(error) == "The title is too long: 201 characters, at most 200."


def test_parse_description_limits():
    assert parse_description(" Видеомост ") == "Видеомост"
    assert parse_description("x" * 2000) == "x" * 2000
    with pytest.raises(FieldError) as too_long:
        parse_description("x" * 2001)
    with pytest.raises(FieldError) as empty:
        parse_description("  ")

    assert message(too_long) == "The description is too long: 2001 characters, at most 2000."
    assert message(empty) == "The description is empty: write a sentence or two about the event."


@pytest.mark.parametrize(
    ("text", "zone"),
    [
        ("Asia/Almaty", "Asia/Almaty"),
        ("asia/almaty", "Asia/Almaty"),
        ("Europe/Kyiv", "Europe/Kyiv"),
        ("Karaganda", "Asia/Almaty"),
        ("караганда", "Asia/Almaty"),
        ("Қарағанды", "Asia/Almaty"),
        ("Астана", "Asia/Almaty"),
        ("Нур-Султан", "Asia/Almaty"),
        ("Алматы", "Asia/Almaty"),
        ("Уральск", "Asia/Oral"),
        ("Орал", "Asia/Oral"),
        ("Петропавловск", "Asia/Almaty"),
        ("Шымкент", "Asia/Almaty"),
        ("Актобе", "Asia/Aqtobe"),
        ("Ақтөбе", "Asia/Aqtobe"),
        ("Москва", "Europe/Moscow"),
        ("Мәскеу", "Europe/Moscow"),
        ("Киев", "Europe/Kyiv"),
        ("Київ", "Europe/Kyiv"),
        ("KYIV", "Europe/Kyiv"),
        ("Могилёв", "Europe/Minsk"),
        ("Могилев", "Europe/Minsk"),
        ("Могильов", "Europe/Minsk"),
        ("Mogilev", "Europe/Minsk"),
        ("Минск", "Europe/Minsk"),
    ],
)
def test_parse_timezone_accepts_zone_names_and_known_cities(text, zone):
    assert parse_timezone(text) == zone


def test_known_city_zones_are_utc_plus_5_across_kazakhstan_in_2026():
    moment = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    cities = ["Karaganda", "Astana", "Almaty", "Uralsk", "Petropavlovsk", "Shymkent", "Aktobe"]

    offsets = {
        city: moment.astimezone(ZoneInfo(known_city_zone(city))).utcoffset()
        for city in cities
    }

    assert offsets == {city: timedelta(hours=5) for city in cities}


@pytest.mark.parametrize("text", ["Atlantis", "Mars/Base", "UTC+5"])
def test_parse_timezone_rejects_unknown_zone(text):
    with pytest.raises(FieldError) as error:
        parse_timezone(text)

    assert message(error) == (
        f"Unknown time zone {text}: write the city whose clock you use, such as Karaganda or "
        "Kyiv."
    )


def test_parse_timezone_rejects_empty():
    with pytest.raises(FieldError) as error:
        parse_timezone(" ")

    assert message(error) == (
        "The time zone is empty: write the city whose clock you use, such as Karaganda or Kyiv."
    )


@pytest.mark.parametrize(
    ("text", "zone", "expected"),
    [
        ("2026-12-05 15:00", "Asia/Almaty", datetime(2026, 12, 5, 10, 0, tzinfo=UTC)),
        ("05.12.2026 15:00", "Asia/Almaty", datetime(2026, 12, 5, 10, 0, tzinfo=UTC)),
        ("5.12.2026 9:30", "Europe/Kyiv", datetime(2026, 12, 5, 7, 30, tzinfo=UTC)),
        ("2026-12-05T15:00:00+05:00", "Europe/Kyiv", datetime(2026, 12, 5, 10, 0, tzinfo=UTC)),
        ("2026-12-05T10:00Z", "Asia/Almaty", datetime(2026, 12, 5, 10, 0, tzinfo=UTC)),
        ("2026-12-05 15:00 +0300", "Asia/Almaty", datetime(2026, 12, 5, 12, 0, tzinfo=UTC)),
    ],
)
def test_parse_start_reads_local_and_offset_times_as_utc(text, zone, expected):
    result = parse_start(text, zone, NOW)

    assert result == expected
    assert result.tzinfo == UTC


def test_parse_start_accepts_an_aware_datetime():
    moment = datetime(2026, 12, 5, 15, 0, tzinfo=ZoneInfo("Asia/Almaty"))

    assert parse_start(moment, "Europe/Kyiv", NOW) == datetime(2026, 12, 5, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "tomorrow", "15:00", "2026-12-05", "12/05/26 3pm"])
def test_parse_start_rejects_wrong_format(text):
    with pytest.raises(FieldError) as error:
        parse_start(text, "Asia/Almaty", NOW)

    assert message(error) == (
        f"Cannot read {text} as a date and time: write it like 21.12.2026 15:00."
    )


@pytest.mark.parametrize("text", ["2026-12-05 25:00", "2026-12-05 10:61",
                                  "2026-12-05 10:00 +99:99"])
def test_parse_start_rejects_impossible_times(text):
    with pytest.raises(FieldError) as error:
        parse_start(text, "Asia/Almaty", NOW)

    assert message(error) == f"There is no such date or time: {text}."


@pytest.mark.parametrize(("text", "expected"), [
    ("31.02.2027 10:00", "There is no 31 February: 31.02.2027 10:00 is not a date."),
    ("2027-04-31 10:00", "There is no 31 April: 2027-04-31 10:00 is not a date."),
    ("29.02.2027 10:00", "There is no 29 February in 2027: it is not a leap year."),
    ("2026-13-01 10:00",
     "There is no month 13: months go from 1 to 12, so 2026-13-01 10:00 is not a date."),
    ("32.12.2026 10:00", "There is no day 32 in any month: 32.12.2026 10:00 is not a date."),
])
def test_parse_start_impossible_date_is_named(text, expected):
    with pytest.raises(FieldError) as error:
        parse_start(text, "Asia/Almaty", NOW)

    assert message(error) == expected


@pytest.mark.parametrize("text", ["0001-01-01 00:00", "9999-12-31 23:59", "01.01.0001 00:00"])
def test_parse_moment_year_out_of_range_is_named_not_overflowing(text):
    with pytest.raises(FieldError) as error:
        parse_moment(text, "Pacific/Kiritimati")

    assert message(error).startswith("The year ")
    assert message(error).endswith("is out of range: write a year from 1900 to 2200.")


def test_parse_moment_reads_digits_of_any_script():
    moment = parse_moment("٢٠٢٦-١٢-٠٥ ١٥:٠٠", "UTC")

    assert moment == datetime(2026, 12, 5, 15, 0, tzinfo=UTC)


def test_parse_start_rejects_past_and_now():
    # NOW is 09:00 in Karaganda.
    with pytest.raises(FieldError) as past:
        parse_start("22.11.2026 08:59", "Asia/Almaty", NOW)
    with pytest.raises(FieldError) as exactly_now:
        parse_start("22.11.2026 09:00", "Asia/Almaty", NOW)

    assert message(past) == "Start time must be in the future: 22.11.2026 08:59 is already past."
    assert message(exactly_now) == (
        "Start time must be in the future: 22.11.2026 09:00 is already past."
    )
    assert parse_start("22.11.2026 09:01", "Asia/Almaty", NOW) == NOW + timedelta(minutes=1)


def test_parse_start_rejects_a_mistyped_far_year():
    with pytest.raises(FieldError) as error:
        parse_start("05.12.2062 15:00", "Asia/Almaty", NOW)

    assert message(error) == (
        "Start time 05.12.2062 15:00 is more than two years ahead: check the year."
    )


def test_parse_moment_rejects_time_skipped_by_daylight_saving():
    with pytest.raises(FieldError) as error:
        parse_moment("29.03.2026 03:30", "Europe/Kyiv")

    assert message(error) == (
        "29.03.2026 03:30 does not exist in Kyiv time: the clocks are moved forward then."
    )


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("90", 90), (90, 90), ("1h30m", 90), ("1h 30m", 90), ("1:30", 90), ("2h", 120),
     ("45 min", 45), ("1 ч 30 мин", 90), ("10", 10), ("12h", 720), ("1.5h", 90),
     ("1,5 ч", 90), ("2,5 год", 150)],
)
def test_parse_duration_accepts_minutes_hours_and_clock_form(text, minutes):
    assert parse_duration(text) == minutes


@pytest.mark.parametrize("text", ["", "long", "1,5m", "1,01h", "-30", "1h30x", "h"])
def test_parse_duration_rejects_wrong_format(text):
    with pytest.raises(FieldError) as error:
        parse_duration(text)

    assert message(error) == (
        f"Cannot read {text} as a duration: write minutes (90) or hours and minutes (1h30m, 1:30)."
    )


@pytest.mark.parametrize("text", ["9", "0", "721", "13h", 1000])
def test_parse_duration_rejects_out_of_range(text):
    with pytest.raises(FieldError) as error:
        parse_duration(text)

    assert message(error) == (
        f"The duration must be from 10 to 720 minutes; {text} is out of range."
    )


def test_parse_link_accepts_http_and_https():
    assert parse_link(" https://zoom.us/j/123456789 ") == "https://zoom.us/j/123456789"
    assert parse_link("http://library.kz/meet") == "http://library.kz/meet"


def test_parse_link_typed_without_https_is_completed():
    assert [parse_link(text) for text in (" zoom.us/j/123 ", "meet.google.com/abc-defg")] == [
        "https://zoom.us/j/123", "https://meet.google.com/abc-defg"]


@pytest.mark.parametrize("text", ["ftp://zoom.us/j/1", "javascript:alert(1)"])
def test_parse_link_rejects_other_schemes(text):
    with pytest.raises(FieldError) as error:
        parse_link(text)

    assert message(error) == f"{text} is not a web link: it must start with https:// or http://."


@pytest.mark.parametrize("text", ["https://", "https://zoom", "https://zoom.us/j/1 2"])
def test_parse_link_rejects_malformed_urls(text):
    with pytest.raises(FieldError) as error:
        parse_link(text)

    assert message(error) == (
        f"{text} is not a web link: write a link like https://zoom.us/j/123456789."
    )


def test_parse_link_rejects_empty_and_too_long():
    with pytest.raises(FieldError) as empty:
        parse_link("")
    with pytest.raises(FieldError) as too_long:
        parse_link("https://zoom.us/" + "a" * 485)

    assert message(empty) == "The link is empty: write a link like https://zoom.us/j/123456789."
    assert message(too_long) == "The link is too long: 501 characters, at most 500."


@pytest.mark.parametrize(
    ("text", "capacity"),
    [("100", 100), (100, 100), ("1", 1), ("100000", 100000), ("0", None), (0, None),
     ("-", None), ("none", None), ("Нет", None), (None, None)],
)
def test_parse_capacity_reads_seats_or_no_limit(text, capacity):
    assert parse_capacity(text) == capacity


@pytest.mark.parametrize("text", ["many", "1.5", "-5", ""])
def test_parse_capacity_rejects_wrong_format(text):
    with pytest.raises(FieldError) as error:
        parse_capacity(text)

    assert message(error) == (
        f"Cannot read {text} as a number of seats: write a number, or 0 for no limit."
    )


def test_parse_capacity_rejects_out_of_range():
    with pytest.raises(FieldError) as error:
        parse_capacity("100001")

    assert message(error) == (
        "The number of seats must be from 1 to 100000 (or 0 for no limit); 100001 is out of range."
    )


@pytest.mark.parametrize(("text", "code"), [("ru", "ru"), (" KK ", "kk"), ("Українська", "uk")])
def test_parse_language_accepts_codes_and_names(text, code):
    assert parse_language(text) == code


def test_parse_language_rejects_others():
    with pytest.raises(FieldError) as error:
        parse_language("de")

    assert message(error) == "Unknown language de: use one of kk, ru, uk, en, kk_Latn."


@pytest.mark.parametrize(
    ("value", "offsets"),
    [
        ("24h, 1h, 0m", [1440, 60, 0]),
        (["24h", "1h", "0m"], [1440, 60, 0]),
        ("0m, 1h, 24h", [1440, 60, 0]),
        ("1d; 2h30m", [1440, 150]),
        ("60, 1h", [60]),
        ([1440, 60, 0], [1440, 60, 0]),
        ("30d", [43200]),
        ("24ч, 1ч", [1440, 60]),
        ("-", []),
        ([], []),
    ],
)
def test_parse_offsets_reads_unique_minutes_largest_first(value, offsets):
    assert parse_offsets(value) == offsets


@pytest.mark.parametrize("value", ["soon", "1h, later", ["-1h"], ["1.5m"]])
def test_parse_offsets_rejects_wrong_format(value):
    bad = value[0] if isinstance(value, list) else value.split(", ")[-1]
    with pytest.raises(FieldError) as error:
        parse_offsets(value)

    assert message(error) == (
        f"Cannot read {bad} as a reminder time: write it like 24h, 1h or 30m."
    )


def test_parse_offsets_rejects_more_than_30_days_and_empty():
    with pytest.raises(FieldError) as too_early:
        parse_offsets("31d")
    with pytest.raises(FieldError) as empty:
        parse_offsets(" , ")

    assert message(too_early) == (
        "A reminder can be at most 30 days before the start; 31d is too early."
    )
    assert message(empty) == "List the reminder times before the start, for example: 24h, 1h, 0m."


@pytest.mark.parametrize(
    ("value", "partner"),
    [
        ("State Library of Ukraine for Youth, Kyiv",
         PartnerDraft("State Library of Ukraine for Youth", "Kyiv", "Europe/Kyiv")),
        ("ЦБС, Могилёв", PartnerDraft("ЦБС", "Могилёв", "Europe/Minsk")),
        ("Library, Odd, Town, Europe/Moscow",
         PartnerDraft("Library, Odd", "Town", "Europe/Moscow")),
        # Only a zone name is taken as the third part: otherwise the name has a comma.
        ("ЦБС №1, ВАО, Москва", PartnerDraft("ЦБС №1, ВАО", "Москва", "Europe/Moscow")),
        ({"name": "ЦБС №1 ВАО", "city": "Moscow"}, PartnerDraft("ЦБС №1 ВАО", "Moscow",
                                                                 "Europe/Moscow")),
        ({"name": "Library", "city": "Oslo", "timezone": "Europe/Oslo"},
         PartnerDraft("Library", "Oslo", "Europe/Oslo")),
    ],
)
def test_parse_partner_reads_name_city_and_zone(value, partner):
    assert parse_partner(value) == partner


@pytest.mark.parametrize("value", ["", "Just a name", ", Kyiv", {"name": "Library"}])
def test_parse_partner_rejects_missing_name_or_city(value):
    with pytest.raises(FieldError) as error:
        parse_partner(value)

    assert message(error) == "Write the partner as: name, city (for example: Youth Library, Kyiv)."


def test_parse_partner_asks_for_the_zone_of_an_unknown_city():
    with pytest.raises(FieldError) as error:
        parse_partner("Library, Oslo")

    assert message(error) == (
        "I do not know the time zone of Oslo: after a comma, add a city with the same clock, "
        "for example: Library, Oslo, Kyiv."
    )


def test_parse_partner_rejects_too_long_name_and_bad_zone():
    with pytest.raises(FieldError) as long_name:
        parse_partner({"name": "n" * 201, "city": "Kyiv"})
    with pytest.raises(FieldError) as long_city:
        parse_partner({"name": "Library", "city": "c" * 101})
    with pytest.raises(FieldError) as bad_zone:
        parse_partner({"name": "Library", "city": "Kyiv", "timezone": "Europe/Nowhere"})

    assert message(long_name) == "The partner name is too long: 201 characters, at most 200."
    assert message(long_city) == "The city name is too long: 101 characters, at most 100."
    assert message(bad_zone) == (
        "Unknown time zone Europe/Nowhere: write the city whose clock you use, such as "
        "Karaganda or Kyiv."
    )


def test_time_skipped_by_daylight_saving_names_the_city_in_ukrainian(catalogs):
    with pytest.raises(FieldError) as error:
        parse_moment("29.03.2026 03:30", "Europe/Kyiv")

    assert error.value.render(catalogs.translator("uk")) == (
        "Часу 29.03.2026 03:30 за часовим поясом «Київ» не існує: саме тоді годинники "
        "переводять уперед."
    )


@pytest.mark.parametrize("text", ["21.12.2026 15:00", "21.12.2026, 15:00", "2026-12-21 15:00"])
def test_parse_moment_reads_day_first_and_iso(text):
    assert parse_moment(text, "Asia/Almaty") == datetime(2026, 12, 21, 10, 0, tzinfo=UTC)
