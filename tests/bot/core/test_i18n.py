"""The catalogs are complete, translated for real, and compiled from the current sources."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from bot.core.i18n import LANGUAGES, LOCALES_DIR, guess_language

ROOT = Path(__file__).resolve().parents[3]
# The same keywords as `make extract`.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "N_": None,
    "Nn_": (1, 2),
}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")
CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґӘәҒғҚқҢңӨөҰұҮүҺһ]")


def _source_messages() -> set[str]:
    found = set()
    for package in ("bot", "handlers", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def _catalog(language: str):
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.po", "rb") as po:
        return read_po(po, locale=language)


def _translated(message) -> bool:
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(strings)


# kk_Latn is generated from kk (tests/bot/core/test_latin.py checks that it is current).
@pytest.mark.parametrize("language", ["kk", "kk_Latn", "ru", "uk"])
def test_catalog_has_every_source_message_translated(language):
    catalog = _catalog(language)

    missing = sorted(
        msgid
        for msgid in _source_messages()
        if catalog.get(msgid) is None or catalog.get(msgid).fuzzy or not _translated(catalog[msgid])
    )

    assert missing == []


def test_english_catalog_has_every_source_message():
    # English is the source language: an empty translation means "as written".
    catalog = _catalog("en")

    missing = sorted(
        msgid for msgid in _source_messages() if catalog.get(msgid) is None or catalog[msgid].fuzzy
    )

    assert missing == []


@pytest.mark.parametrize("language", ["kk", "ru", "uk"])
def test_catalog_translations_are_not_english_left_in_place(language):
    catalog = _catalog(language)

    untranslated = sorted(
        message.id if isinstance(message.id, str) else message.id[0]
        for message in catalog
        if message.id and re.search(r"[A-Za-z]{3,} [A-Za-z]{3,}", str(message.id))
        and not CYRILLIC.search(str(message.string))
    )

    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_translations_keep_placeholders(language):
    catalog = _catalog(language)

    broken = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        strings = tuple(text for text in strings if text)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        broken += [ids[0] for text in strings if set(PLACEHOLDER.findall(text)) != expected]

    assert broken == []


def _messages(catalog) -> dict:
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    # An empty translation and one equal to the msgid mean the same at run time.
    return {
        frozen(message.id): frozen(message.string)
        for message in catalog
        if message.id and not message.fuzzy and any(message.string)
        and frozen(message.string) != frozen(message.id)
    }


# Compared message by message, not byte by byte: Babel versions lay out .mo files differently.
@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_compiled_file_is_current(language):
    with open(LOCALES_DIR / language / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        compiled = read_mo(mo)

    assert _messages(compiled) == _messages(_catalog(language)), (
        f"run `make compile`: {language} .mo is stale"
    )


@pytest.mark.parametrize(
    ("telegram_code", "expected"),
    [("kk", "kk"), ("uk", "uk"), ("ru-RU", "ru"), ("en-GB", "en"), ("de", "ru"), (None, "ru")],
)
def test_guess_language_maps_telegram_codes(telegram_code, expected):
    assert guess_language(telegram_code, "ru") == expected


# --- formatting: dates, numbers, time zones --------------------------------------------------

MOMENT = dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC)


def test_datetime_in_english_is_british_with_a_24_hour_clock(catalogs):
    assert catalogs.translator("en").datetime(MOMENT, ZoneInfo("Asia/Almaty")) == (
        "5 December 2026, 15:00"
    )


def test_date_in_kazakh_puts_the_day_first(catalogs):
    assert catalogs.translator("kk").date(MOMENT.date()) == "5 желтоқсан 2026 ж."


def test_date_before_suffix_in_kazakh_names_the_year_first(catalogs):
    # "2026 жылғы 5 желтоқсан күнгі жағдай бойынша", not "5 желтоқсан 2026 ж. күнгі".
    assert catalogs.translator("kk").date_before_suffix(MOMENT.date()) == (
        "2026 жылғы 5 желтоқсан"
    )


def test_date_before_suffix_in_russian_is_the_plain_date(catalogs):
    assert catalogs.translator("ru").date_before_suffix(MOMENT.date()) == "5 декабря 2026\u202fг."


@pytest.mark.parametrize(
    ("language", "zone", "city"),
    [("kk", "Asia/Almaty", "Алматы"), ("kk", "Europe/Moscow", "Мәскеу"),
     ("ru", "Asia/Qyzylorda", "Кызылорда"), ("ru", "Europe/Kyiv", "Киев"),
     ("uk", "Europe/Kyiv", "Київ"), ("uk", "Asia/Aqtobe", "Актобе"),
     ("en", "Europe/London", "London"), ("en", "UTC", "UTC")],
)
def test_zone_city_names_the_zone_in_the_readers_language(catalogs, language, zone, city):
    assert catalogs.translator(language).zone_city(zone) == city


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", "5 желтоқсан 2026 ж., 15:00 (Алматы уақыты)"),
     ("ru", "5 декабря 2026\u202fг., 15:00 (часовой пояс: Алматы)"),
     ("uk", "5 грудня 2026\u202fр., 15:00 (часовий пояс: Алмати)"),
     ("en", "5 December 2026, 15:00 (Almaty time)")],
)
def test_moment_in_names_the_city_whose_time_it_is(catalogs, language, expected):
    assert catalogs.translator(language).moment_in(MOMENT, "Asia/Almaty") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("kk", "5 желтоқсан 2026 ж., 12:00 (сіздің уақытыңызбен)"),
     ("ru", "5 декабря 2026\u202fг., 12:00 (по вашему времени)"),
     ("uk", "5 грудня 2026\u202fр., 12:00 (за вашим часом)"),
     ("en", "5 December 2026, 12:00 (your time)")],
)
def test_moment_in_the_readers_own_zone_says_your_time(catalogs, language, expected):
    assert catalogs.translator(language).moment_in(MOMENT, "Europe/Kyiv", yours=True) == expected


def test_moment_in_utc_says_utc(catalogs):
    assert catalogs.translator("ru").moment_in(MOMENT, dt.UTC) == (
        "5 декабря 2026\u202fг., 10:00 (UTC)"
    )


@pytest.mark.parametrize(("language", "expected"),
                         [("kk", "0,4"), ("ru", "0,4"), ("uk", "0,4"), ("en", "0.4")])
def test_number_uses_the_languages_decimal_sign(catalogs, language, expected):
    assert catalogs.translator(language).number(0.4) == expected
