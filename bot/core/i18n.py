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
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from babel.numbers import format_decimal
from babel.support import Translations

from bot.core.latin import to_latin
from bot.core.latin import upper as latin_upper

# "kk_Latn" is Kazakh in the Latin alphabet of 2021: its catalog is generated from the
# Kazakh one (`python -m bot.core.latin_catalog`, run by `make update`). It comes last, so
# the four first choices keep their places (and numbers, in the sandbox's chat).
LANGUAGES: tuple[str, ...] = ("kk", "ru", "uk", "en", "kk_Latn")
LATIN_KAZAKH = "kk_Latn"
# Shown on the language buttons in each language's own name, so a reader who
# does not read the current language still finds theirs.
LANGUAGE_NAMES: dict[str, str] = {
    "kk": "Қазақша",
    "ru": "Русский",
    "uk": "Українська",
    "en": "English",
    "kk_Latn": "Qazaqşa (latyn)",
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
    """Map Telegram's `language_code` (e.g. "uk", "ru-RU", "en-GB") to ours.

    Never Latin Kazakh: Telegram says "kk" for Kazakh in either alphabet, and Cyrillic is
    what most readers use; the Latin one is chosen at /start or /language."""
    if telegram_code:
        base = telegram_code.split("-")[0].lower()
        if base in LANGUAGES:
            return base
    return default


# The Babel locale of a language where it is not the language code: English dates and
# times read the British way ("5 December 2026, 15:00", 24-hour clock).
_BABEL_LOCALES: dict[str, str] = {"en": "en_GB"}
# CLDR's Kazakh long date puts the year first ("2026 ж. 5 желтоқсан"); people write the
# day first when the date stands alone.
_LONG_DATES: dict[str, str] = {"kk": "d MMMM y 'ж'."}
# Before a suffixed word ("күнгі", "күні") Kazakh names the year as an attribute.
_SUFFIXED_DATES: dict[str, str] = {"kk": "y 'жылғы' d MMMM"}
_UTC_KEYS = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/GMT", "GMT", "Etc/Zulu", "Zulu"})


def zone_key(zone: str | dt.tzinfo) -> str:
    """The identifier of a time zone ("Asia/Almaty"), whether given as text or as a zone."""
    if isinstance(zone, str):
        return zone
    return getattr(zone, "key", None) or str(zone)


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

    def upper(self, text: str) -> str:
        """`text` in capitals as this language writes them (a heading on a certificate)."""
        return text.upper()

    def in_script(self, text: str) -> str:
        """`text` that Babel formatted for `babel_locale` elsewhere (a month name, a list,
        a duration), in this language's alphabet."""
        return text

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.babel_locale)

    @property
    def babel_locale(self) -> str:
        """The Babel locale that formats this language's dates and numbers."""
        return _BABEL_LOCALES.get(self.language, self.language)

    def datetime(self, moment: dt.datetime, zone: dt.tzinfo) -> str:
        """Date and time of `moment` as seen in `zone`, e.g. "5 December 2026, 15:00"."""
        local = moment.astimezone(zone)
        clock = format_time(local.time(), format="short", locale=self.babel_locale)
        return f"{self.date(local.date())}, {clock}"

    def date(self, day: dt.date) -> str:
        """A day on its own: "5 December 2026", "5 желтоқсан 2026 ж."."""
        pattern = _LONG_DATES.get(self.language, "long")
        return format_date(day, format=pattern, locale=self.babel_locale)

    def date_before_suffix(self, day: dt.date) -> str:
        """A day that a Kazakh translation follows with a suffixed word ("… күнгі", "… күні"):
        "2026 жылғы 5 желтоқсан"; in the other languages the same as `date`."""
        pattern = _SUFFIXED_DATES.get(self.language)
        if pattern is None:
            return self.date(day)
        return format_date(day, format=pattern, locale=self.babel_locale)

    def short_date(self, day: dt.date) -> str:
        return format_date(day, format="short", locale=self.babel_locale)

    def time(self, moment: dt.datetime, zone: dt.tzinfo) -> str:
        return format_time(moment.astimezone(zone).time(), format="short",
                           locale=self.babel_locale)

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.babel_locale)

    def zone_city(self, zone: str | dt.tzinfo) -> str:
        """The city that names a time zone, in this language ("Алматы", "Київ"); "UTC" for
        UTC. Identifiers such as "Asia/Almaty" are never shown to people."""
        key = zone_key(zone)
        if key in _UTC_KEYS:
            return "UTC"
        try:
            return get_timezone_location(key, locale=self.babel_locale, return_city=True)
        except LookupError:
            return key

    def zone_time(self, zone: str | dt.tzinfo) -> str:
        """Whose clock a time is given by: "Almaty time"; "UTC" for UTC."""
        if zone_key(zone) in _UTC_KEYS:
            return "UTC"
        # Translators: the clock a date and time is given by, shown in brackets after it:
        # "5 December 2026, 15:00 (Almaty time)". {city} comes from the time-zone data in
        # the nominative ("Киев", "Київ", "Мәскеу") and cannot be declined: write a form
        # that is grammatical for any city, e.g. "время: {city}", "час: {city}".
        return self.gettext("{city} time").format(city=self.zone_city(zone))

    def moment_in(self, moment: dt.datetime, zone: str | dt.tzinfo, *,
                  yours: bool = False) -> str:
        """`moment` in `zone` with whose time it is: "5 December 2026, 15:00 (your time)"
        when `zone` is the reader's own, known from their profile; otherwise the zone's
        city, "(Almaty time)", since a reader without a profile has no time of their own."""
        tz = zone if isinstance(zone, dt.tzinfo) else ZoneInfo(zone)
        # Translators: in brackets after a date and time given in the reader's own time
        # zone (the one of the city in their profile).
        label = self.gettext("your time") if yours else self.zone_time(zone)
        return f"{self.datetime(moment, tz)} ({label})"


@dataclass(frozen=True)
class LatinKazakhTranslator(Translator):
    """Kazakh in the Latin alphabet ("kk_Latn"): messages from its own catalog; dates,
    numbers and zone names as Babel writes them in Kazakh (it has no Latin Kazakh locale),
    then transliterated. Every method that formats for a language is delegated here, in
    one place (a test checks that none of `Translator`'s is missed)."""

    @property
    def _kazakh(self) -> Translator:
        # The same catalog: a message such as "{city} time" comes out in Latin letters
        # already, and transliterating Latin text leaves it as it is.
        return Translator("kk", self.translations)

    @property
    def babel_locale(self) -> str:
        return "kk"

    def upper(self, text: str) -> str:
        return latin_upper(text)

    def in_script(self, text: str) -> str:
        return to_latin(text)

    def datetime(self, moment: dt.datetime, zone: dt.tzinfo) -> str:
        return to_latin(self._kazakh.datetime(moment, zone))

    def date(self, day: dt.date) -> str:
        return to_latin(self._kazakh.date(day))

    def date_before_suffix(self, day: dt.date) -> str:
        return to_latin(self._kazakh.date_before_suffix(day))

    def short_date(self, day: dt.date) -> str:
        return to_latin(self._kazakh.short_date(day))

    def time(self, moment: dt.datetime, zone: dt.tzinfo) -> str:
        return to_latin(self._kazakh.time(moment, zone))

    def number(self, value: float) -> str:
        return to_latin(self._kazakh.number(value))

    def zone_city(self, zone: str | dt.tzinfo) -> str:
        return to_latin(self._kazakh.zone_city(zone))

    def zone_time(self, zone: str | dt.tzinfo) -> str:
        return to_latin(self._kazakh.zone_time(zone))

    def moment_in(self, moment: dt.datetime, zone: str | dt.tzinfo, *,
                  yours: bool = False) -> str:
        return to_latin(self._kazakh.moment_in(moment, zone, yours=yours))


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
            compiled = directory / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
            if language == LATIN_KAZAKH and not compiled.is_file():
                # gettext would quietly fall back from "kk_Latn" to the Cyrillic "kk".
                raise FileNotFoundError(f"{compiled}: run `python -m bot.core.latin_catalog`")
            translations = Translations.load(str(directory), [language], DOMAIN)
            loaded[language] = translations
        return cls(loaded)

    def translator(self, language: str | None, default: str = "ru") -> Translator:
        code = language if language in self._translations else default
        if code == LATIN_KAZAKH:
            return LatinKazakhTranslator(code, self._translations[code])
        return Translator(code, self._translations[code])
