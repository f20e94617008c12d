"""The catalogs are complete, translated for real, and compiled from the current sources."""

import re
from pathlib import Path

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


@pytest.mark.parametrize("language", ["kk", "ru", "uk"])
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
