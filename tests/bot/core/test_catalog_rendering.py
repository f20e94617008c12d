"""Every message of the catalogs, rendered as a reader sees it, reads as the reader's language.

Each source message is translated through the compiled catalogs and filled in with sample
values (dates and numbers through the `Translator`, as the bot does), then the text is checked
for what slips through review message by message: a time-zone identifier, an ISO date, a
placeholder left raw, English words in a Kazakh, Russian or Ukrainian screen.
"""

import datetime as dt
import re
import string
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir

from bot.core.i18n import Catalogs, Translator
from tests.bot.core.test_i18n import KEYWORDS, ROOT

ZONE = ZoneInfo("Asia/Almaty")
MOMENT = dt.datetime(2026, 12, 21, 10, 0, tzinfo=dt.UTC)
# Placeholders that carry a date or a moment, by name.
MOMENTS = {"when", "opens", "closes", "time", "old_time", "new_time"}
DAYS = {"date", "day", "consent_date", "birth_date", "deadline"}
# Placeholders that carry a count or another whole number, by name.
NUMBERS = {
    "n", "length", "limit", "max", "min", "age", "allowed", "came", "days", "id", "jurors",
    "no_show", "number", "page", "pages", "place", "points", "position", "quota", "registered",
    "scored", "sent", "size", "total", "year", "low", "high", "score", "first", "second", "last",
    "needed", "count", "left", "unranked", "seats", "entries", "minutes", "hours", "sequence",
}
# Latin words that are right in any language: names of things, file formats, and the
# words an organizer types into an import file or a form (each explained in the message).
ALLOWED_LATIN = {
    "Kopir", "Telegram", "Zoom", "Excel", "Word", "Google", "Meet",
    "essay", "photo", "shared", "dense", "full", "initial", "code", "video_bridge",
    "conference", "chat_conference", "offline", "mean", "median", "kz", "ua", "ru", "com",
    "www", "example", "org", "yes", "no", "diploma", "certificate", "charter",
    # Spellings of a country a reader may type, in an example of how to list them.
    "Kazakhstan",
}
ZONE_IDENTIFIER = re.compile(
    r"\b(?:Africa|America|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Z]\w+")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
RAW_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
NOT_WORDS = re.compile(r"<[^>]+>|&\w+;|https?://\S*|t\.me/\S+|@\w+|/[a-z_]+|\b[a-z]+_[a-z_]+\b")
LATIN_WORD = re.compile(r"\b[A-Za-z][a-z]+\b")


def _source_messages() -> list[tuple[str, str | None]]:
    """(msgid, plural msgid or None) of every source message, as `make extract` finds them."""
    found = set()
    for package in ("bot", "handlers", "storage"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add((message[0], message[1]) if isinstance(message, tuple) else (message, None))
    return sorted(found, key=str)


def _sample(name: str, t: Translator) -> object:
    if name in MOMENTS:
        return t.datetime(MOMENT, ZONE)
    if name in DAYS:
        return t.date(MOMENT.date())
    if name in NUMBERS:
        return 3
    if name in {"average", "rate", "spread", "weight"}:
        return t.number(4.5)
    # A proper noun every language writes alike keeps the words around it in view.
    return "«Абай»" if t.language != "en" else "«Abai»"


def _rendered(t: Translator, msgid: str, plural: str | None) -> list[str]:
    names = {name for _, name, _, _ in string.Formatter().parse(plural or msgid) if name}
    values = {name: _sample(name, t) for name in names}
    if plural is None:
        texts = [t.gettext(msgid)]
    else:
        texts = [t.ngettext(msgid, plural, n) for n in (1, 3, 5)]
    return [text.format(**values) if names else text for text in texts]


def _problems(text: str, language: str) -> list[str]:
    problems = [f"zone identifier {m!r}" for m in ZONE_IDENTIFIER.findall(text)]
    problems += [f"ISO date {m!r}" for m in ISO_DATE.findall(text)]
    problems += [f"raw placeholder {m!r}" for m in RAW_PLACEHOLDER.findall(text)]
    if language != "en":
        reported = RAW_PLACEHOLDER.sub(" ", ZONE_IDENTIFIER.sub(" ", text))
        words = LATIN_WORD.findall(NOT_WORDS.sub(" ", reported))
        problems += [f"English word {w!r}" for w in words if w not in ALLOWED_LATIN]
    return problems


@pytest.fixture(scope="module")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.mark.parametrize("language", ["kk", "ru", "uk", "en"])
def test_catalog_renders_every_message_without_identifiers_iso_dates_or_english(catalogs, language):
    t = catalogs.translator(language)

    found = sorted({
        f"{problem} in {msgid[:60]!r}"
        for msgid, plural in _source_messages()
        for text in _rendered(t, msgid, plural)
        for problem in _problems(text, language)
    })

    assert found == [], "\n".join(found)


def test_catalog_rendering_check_finds_each_kind_of_problem():
    # The check itself, on texts with one problem each, so that a pass above means something.
    sample = {
        "Начало: 5 декабря (Asia/Almaty)": ["zone identifier 'Asia/Almaty'"],
        "Отправьте дату, например 2026-12-21 15:00": ["ISO date '2026-12-21'"],
        "Здравствуйте, {name}!": ["raw placeholder '{name}'"],
        "Нажмите Register": ["English word 'Register'"],
        "Откройте Kopir в Telegram и отправьте PDF: /start": [],
    }

    assert {text: _problems(text, "ru") for text in sample} == sample
