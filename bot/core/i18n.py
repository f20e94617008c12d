"""Languages, gettext catalogs and locale-aware formatting.

Catalogs are loaded once by the composition root (`Catalogs.load`), never at
import time. Every text a person sees goes through a `Translator` bound to
that person's language.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES: tuple[str, ...] = ("kk", "ru", "uk", "en")
# Shown on the language buttons in each language's own name, so a reader who
# does not read the current language still finds theirs.
LANGUAGE_NAMES: dict[str, str] = {
    "kk": "Қазақша",
    "ru": "Русский",
    "uk": "Українська",
    "en": "English",
}
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a string for extraction where it is translated later."""
    return message


def Nn_(singular: str, plural: str, count: str = "n") -> Plural:
    """Mark a counted message for extraction (keyword `Nn_:1,2`) where it is translated later.

    `count` names the `.format()` parameter whose value picks the plural form.
    """
    return Plural(singular, plural, count)


def guess_language(telegram_code: str | None, default: str) -> str:
    """Map Telegram's `language_code` (e.g. "uk", "ru-RU", "en-GB") to ours."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


@dataclass(frozen=True)
class Translator:
    # Its `date` and `datetime` methods would shadow the types of those names in the
    # class body: the types are spelled `dt.date`, `dt.datetime` here.
    language: str
    translations: gettext.NullTranslations

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self.translations.pgettext(context, message)

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.language)

    def datetime(self, moment: dt.datetime, zone: dt.tzinfo) -> str:
        """Date and time of `moment` as seen in `zone`, e.g. "5 December 2026, 15:00"."""
        local = moment.astimezone(zone)
        day = format_date(local.date(), format="long", locale=self.language)
        clock = format_time(local.time(), format="short", locale=self.language)
        return f"{day}, {clock}"

    def date(self, day: dt.date) -> str:
        return format_date(day, format="long", locale=self.language)

    def short_date(self, day: dt.date) -> str:
        return format_date(day, format="short", locale=self.language)

    def time(self, moment: dt.datetime, zone: dt.tzinfo) -> str:
        return format_time(moment.astimezone(zone).time(), format="short", locale=self.language)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.language)


@dataclass(frozen=True)
class Plural:
    """A singular and plural msgid pair, made by `Nn_`."""

    singular: str
    plural: str
    count: str = "n"

    def translate(self, t: Translator, params: Mapping[str, object]) -> str:
        """The form for `params[count]` in `t`'s language, with the placeholders filled in."""
        count = params[self.count]
        if not isinstance(count, int):
            raise TypeError(f"{self.count!r} picks a plural form: an int, not {count!r}")
        return t.ngettext(self.singular, self.plural, count).format(**params)


class Catalogs:
    """All compiled catalogs, keyed by language."""

    def __init__(self, translations: dict[str, gettext.NullTranslations]) -> None:
        self._translations = translations

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalogs:
        loaded: dict[str, gettext.NullTranslations] = {}
        for language in LANGUAGES:
            translations = Translations.load(str(directory), [language], DOMAIN)
            loaded[language] = translations
        return cls(loaded)

    def translator(self, language: str | None, default: str = "ru") -> Translator:
        code = language if language in self._translations else default
        return Translator(code, self._translations[code])
