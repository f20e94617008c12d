"""Validation of an event's fields, shared by the /newevent conversation and `kopir import`.

Each `parse_*` turns what a librarian typed (or wrote in a YAML file) into a
clean value, or raises `FieldError` with an English msgid that the caller
renders in the reader's language. Nothing here touches the database or Telegram.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Nn_, Plural, Translator
from bot.services.cities import known_city_zone, looks_like_zone, zone_names
from bot.services.numbers import date_problem, parse_whole_number
from storage.models import EventKind

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
LINK_LIMIT = 500
ADDRESS_LIMIT = 300
PARTNER_NAME_LIMIT = 200
CITY_LIMIT = 100
# Partner libraries of one event, in the chat form and in an import file alike.
PARTNERS_LIMIT = 20
DURATION_RANGE = (10, 12 * 60)
CAPACITY_RANGE = (1, 100_000)
LONGEST_OFFSET = 30 * 24 * 60
# A start further ahead than this is almost always a mistyped year.
FURTHEST_START = timedelta(days=2 * 365)
DEFAULT_OFFSETS_TEXT = "24h, 1h, 0m"

# Spellings of "no limit" an organizer may type for the capacity, in our four languages.
UNLIMITED_WORDS = frozenset({"-", "—", "0", "none", "unlimited", "no", "∞", "нет", "жоқ", "ні"})
NO_REMINDER_WORDS = frozenset({"-", "—", "none", "no", "нет", "жоқ", "ні"})


class FieldError(ValueError):
    """A value an organizer gave is not acceptable; `render` explains why in their language.

    `msgid` is an `N_` message, or an `Nn_` pair when the text counts something:
    then the parameter it names picks the plural form.
    """

    def __init__(self, msgid: str | Plural, **params: object) -> None:
        self.msgid = msgid
        self.params = params
        # English, so that logs and tracebacks read as text rather than a msgid.
        super().__init__(self.render(Translator("en", gettext.NullTranslations())))

    def render(self, t: Translator) -> str:
        # Fractions and days are shown the reader's way ("0,9", "31 января 2027 г.").
        params = {name: _shown(t, value) for name, value in self.params.items()}
        if isinstance(self.msgid, Plural):
            return self.msgid.translate(t, params)
        return t.gettext(self.msgid).format(**params)


@dataclass(frozen=True)
class ZoneShown:
    """A time zone among a `FieldError`'s parameters, shown as its city ("Київ")."""

    key: str

    def __str__(self) -> str:
        return self.key


def _shown(t: Translator, value: object) -> object:
    if isinstance(value, ZoneShown):
        return t.zone_city(value.key)
    if isinstance(value, float):
        return t.number(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return t.date(value)
    return value


def typed_day(day: date) -> str:
    """A date as an organizer types it, for examples in prompts: "21.12.2026" (day first, as
    people write it in all four languages; ISO is accepted too)."""
    return f"{day:%d.%m.%Y}"


def typed_moment(day: date, clock: time) -> str:
    """A date and time as an organizer types it: "21.12.2026 15:00" (see `typed_day`)."""
    return f"{typed_day(day)} {clock:%H:%M}"


@dataclass
class PartnerDraft:
    name: str
    city: str
    timezone: str
    # {language: text} when an import gives the name or city per language (`Partner`).
    names: dict[str, str] = field(default_factory=dict)
    cities: dict[str, str] = field(default_factory=dict)


@dataclass
class EventDraft:
    kind: EventKind
    titles: dict[str, str]
    descriptions: dict[str, str]
    language: str
    starts_at: datetime
    duration_minutes: int
    timezone: str
    link: str | None
    capacity: int | None
    partners: list[PartnerDraft] = field(default_factory=list)
    reminder_offsets: list[int] = field(default_factory=list)
    key: str | None = None
    # The organizing library's name (imports); from chat, the organizer's library.
    library: str | None = None
    # The programme's name (imports; added when new); None leaves a stored event's as it is.
    programme: str | None = None
    # Where an offline event is held (required for them, None for online kinds).
    address: str | None = None


def parse_kind(text: str) -> EventKind:
    value = as_text(text).lower().replace("-", "_").replace(" ", "_")
    try:
        return EventKind(value)
    except ValueError:
        raise FieldError(
            N_("Unknown kind of event {value}: use video_bridge, conference, chat_conference "
               "or offline."),
            value=as_text(text),
        ) from None


def parse_title(text: str) -> str:
    return limited_text(
        text, TITLE_LIMIT,
        N_("The title is empty: write a few words."),
        Nn_("The title is too long: {length} character, at most {limit}.",
            "The title is too long: {length} characters, at most {limit}.", count="length"),
    )


def parse_description(text: str) -> str:
    return limited_text(
        text, DESCRIPTION_LIMIT,
        N_("The description is empty: write a sentence or two about the event."),
        Nn_("The description is too long: {length} character, at most {limit}.",
            "The description is too long: {length} characters, at most {limit}.",
            count="length"),
    )


def parse_timezone(text: str) -> str:
    value = as_text(text)
    if not value:
        raise FieldError(
            N_("The time zone is empty: write the city whose clock you use, such as Karaganda "
               "or Kyiv.")
        )
    zone = zone_names().get(value.casefold()) or known_city_zone(value)
    if zone is None:
        raise FieldError(
            # Translators: zone identifiers (Asia/Almaty) are still accepted, but people are
            # asked for a city.
            N_("Unknown time zone {value}: write the city whose clock you use, such as "
               "Karaganda or Kyiv."),
            value=value,
        )
    return zone


_DATE_TIME = re.compile(
    r"""^\s*(?:
        (?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})
      | (?P<d2>\d{1,2})[./](?P<m2>\d{1,2})[./](?P<y2>\d{4})
    )
    (?:[ T,]+|\s*,\s*)
    (?P<hh>\d{1,2})[:.](?P<mm>\d{2})(?::(?P<ss>\d{2})(?:\.\d+)?)?
    \s*(?P<tz>Z|[+-]\d{2}:?\d{2})?\s*$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_moment(text: str | datetime, zone: str) -> datetime:
    """A date and time as aware UTC; without an explicit offset it is read in `zone`.

    Unlike `parse_start` this does not care whether the moment is past.
    """
    if isinstance(text, datetime):
        moment = text
        shown = text.isoformat()
        # A YAML import may carry year 1 or 9999, which time zones cannot shift.
        problem = date_problem(moment.year, moment.month, moment.day, shown)
        if problem is not None:
            raise FieldError(problem[0], **problem[1])
    else:
        shown = as_text(text)
        match = _DATE_TIME.match(shown)
        if match is None:
            raise FieldError(
                N_("Cannot read {value} as a date and time: write it like 21.12.2026 15:00."),
                value=shown,
            )
        parts = match.groupdict()
        year, month, day = (int(parts[key] or parts[key + "2"]) for key in ("y", "m", "d"))
        problem = date_problem(year, month, day, shown)
        if problem is not None:
            raise FieldError(problem[0], **problem[1])
        try:
            moment = datetime(  # noqa: DTZ001 - the zone is attached just below
                year,
                month,
                day,
                int(parts["hh"]),
                int(parts["mm"]),
                int(parts["ss"] or 0),
            )
            if parts["tz"]:
                # An offset of a day or more (+99:99) is no offset either.
                moment = datetime.fromisoformat(moment.isoformat() + _offset(parts["tz"]))
        except ValueError:
            raise FieldError(N_("There is no such date or time: {value}."), value=shown) from None
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    local = moment.replace(tzinfo=ZoneInfo(zone))
    # A wall-clock time skipped when clocks go forward does not survive the round trip.
    if local.astimezone(UTC).astimezone(local.tzinfo).replace(tzinfo=None) != moment:
        raise FieldError(
            # Translators: {city} names a time zone by its city, in the nominative ("Київ").
            N_("{value} does not exist in {city} time: the clocks are moved forward then."),
            value=shown,
            city=ZoneShown(zone),
        )
    return local.astimezone(UTC)


def parse_start(text: str | datetime, zone: str, now: datetime) -> datetime:
    moment = parse_moment(text, zone)
    shown = text.isoformat() if isinstance(text, datetime) else as_text(text)
    if moment <= now:
        raise FieldError(
            N_("Start time must be in the future: {value} is already past."), value=shown
        )
    if moment > now + FURTHEST_START:
        raise FieldError(
            N_("Start time {value} is more than two years ahead: check the year."), value=shown
        )
    return moment


_UNITS = {
    "d": 24 * 60, "day": 24 * 60, "days": 24 * 60, "д": 24 * 60, "дн": 24 * 60,
    "день": 24 * 60, "дня": 24 * 60, "дней": 24 * 60, "күн": 24 * 60, "днів": 24 * 60,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60, "ч": 60, "час": 60, "часа": 60,
    "часов": 60, "сағ": 60, "сағат": 60, "г": 60, "год": 60, "години": 60, "годин": 60,
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1, "м": 1, "мин": 1, "минут": 1,
    "хв": 1, "хвилин": 1,
}
# An amount may be a fraction with a decimal comma or point: "1,5 ч", "1.5h".
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\d\s.,]+)\.?")


def _minutes(text: str) -> int | None:
    """Minutes in "90", "1:30", "1h30m", "1 ч 30 мин", "1,5 ч", "2d"; None when unreadable
    or not a whole number of minutes ("1,5m")."""
    value = text.strip().lower()
    number = parse_whole_number(value)
    if number is not None:
        return number
    clock = re.fullmatch(r"(\d+):(\d{2})", value)
    if clock:
        return int(clock[1]) * 60 + int(clock[2])
    total, position = 0, 0
    compact = value.replace(" ", "")
    for match in _AMOUNT.finditer(compact):
        unit = _UNITS.get(match[2])
        if match.start() != position or unit is None:
            return None
        amount = Decimal(match[1].replace(",", ".")) * unit
        if amount != amount.to_integral_value():
            return None
        total += int(amount)
        position = match.end()
    if position == 0 or position != len(compact):
        return None
    return total


def parse_duration(text: str | int) -> int:
    shown = str(text).strip()
    minutes = text if isinstance(text, int) and not isinstance(text, bool) else _minutes(shown)
    if minutes is None:
        raise FieldError(
            N_("Cannot read {value} as a duration: write minutes (90) or hours and minutes "
               "(1h30m, 1:30)."),
            value=shown,
        )
    low, high = DURATION_RANGE
    if not low <= minutes <= high:
        raise FieldError(
            Nn_("The duration must be from {low} to {high} minute; {value} is out of range.",
                "The duration must be from {low} to {high} minutes; {value} is out of range.",
                count="high"),
            low=low,
            high=high,
            value=shown,
        )
    return minutes


def parse_link(text: str) -> str:
    """A join link; one typed without its scheme ("zoom.us/j/123") is completed with https://
    rather than refused, as a browser would."""
    typed = text.strip()
    if typed and not _SCHEME.match(typed):
        text = "https://" + typed
    value = limited_text(
        text, LINK_LIMIT,
        N_("The link is empty: write a link like https://zoom.us/j/123456789."),
        Nn_("The link is too long: {length} character, at most {limit}.",
            "The link is too long: {length} characters, at most {limit}.", count="length"),
    )
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        raise FieldError(
            N_("{value} is not a web link: it must start with https:// or http://."),
            value=value,
        )
    if any(c.isspace() for c in value) or not ("." in host.strip(".") or host == "localhost"):
        raise FieldError(
            N_("{value} is not a web link: write a link like https://zoom.us/j/123456789."),
            value=value,
        )
    return value


# "https:", "ftp:", "javascript:": a link that says what it is.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def parse_address(text: str) -> str:
    return limited_text(
        text, ADDRESS_LIMIT,
        N_("The address is empty: write where readers should come, for example: Central "
           "Library, 12 Abay Avenue."),
        Nn_("The address is too long: {length} character, at most {limit}.",
            "The address is too long: {length} characters, at most {limit}.", count="length"),
    )


def parse_capacity(text: str | int | None) -> int | None:
    if text is None:
        return None
    shown = str(text).strip()
    if isinstance(text, int) and not isinstance(text, bool):
        seats = text
    elif shown.lower() in UNLIMITED_WORDS:
        return None
    elif (number := parse_whole_number(shown)) is not None:
        seats = number
    else:
        raise FieldError(
            N_("Cannot read {value} as a number of seats: write a number, or 0 for no limit."),
            value=shown,
        )
    if seats == 0:
        return None
    low, high = CAPACITY_RANGE
    if not low <= seats <= high:
        raise FieldError(
            N_("The number of seats must be from {low} to {high} (or 0 for no limit); {value} "
               "is out of range."),
            low=low,
            high=high,
            value=shown,
        )
    return seats


def parse_language(text: str) -> str:
    value = as_text(text)
    folded = value.casefold()
    for code in LANGUAGES:
        if folded in (code.casefold(), LANGUAGE_NAMES[code].casefold()):  # "kk_latn" too
            return code
    raise FieldError(
        N_("Unknown language {value}: use one of {choices}."),
        value=value,
        choices=", ".join(LANGUAGES),
    )


def parse_offsets(text: str | Sequence[object]) -> list[int]:
    """Minutes before the start, largest first: "24h, 1h, 0m" -> [1440, 60, 0]."""
    if isinstance(text, str):
        if text.strip().lower() in NO_REMINDER_WORDS:
            return []
        items = [item for item in re.split(r"[,;]", text) if item.strip()]
        if not items:
            raise FieldError(
                N_("List the reminder times before the start, for example: {example}."),
                example=DEFAULT_OFFSETS_TEXT,
            )
    else:
        items = list(text)
    offsets: set[int] = set()
    minutes: int | None
    for item in items:
        shown = str(item).strip()
        if isinstance(item, int) and not isinstance(item, bool):
            minutes = item
        else:
            minutes = _minutes(shown)
        if minutes is None or minutes < 0:
            raise FieldError(
                N_("Cannot read {value} as a reminder time: write it like 24h, 1h or 30m."),
                value=shown,
            )
        if minutes > LONGEST_OFFSET:
            raise FieldError(
                Nn_("A reminder can be at most {days} day before the start; {value} is too early.",
                    "A reminder can be at most {days} days before the start; {value} is too early.",
                    count="days"),
                days=LONGEST_OFFSET // (24 * 60),
                value=shown,
            )
        offsets.add(minutes)
    return sorted(offsets, reverse=True)


def parse_partner(text: str | Mapping[str, object]) -> PartnerDraft:
    """A partner library: "Name, City" or "Name, City, Zone", or a mapping with those keys."""
    if isinstance(text, dict):
        name = as_text(text.get("name"))
        city = as_text(text.get("city"))
        zone_text = as_text(text.get("timezone"))
    else:
        parts = [part.strip() for part in as_text(text).split(",")]
        zone_text = ""
        if len(parts) >= 3 and looks_like_zone(parts[-1]):
            zone_text = parts.pop()
        if len(parts) < 2:
            raise FieldError(
                N_("Write the partner as: name, city (for example: Youth Library, Kyiv).")
            )
        # Library names may contain commas; the city is always the last part.
        name, city = ", ".join(parts[:-1]), parts[-1]
    if not name or not city:
        raise FieldError(
            N_("Write the partner as: name, city (for example: Youth Library, Kyiv).")
        )
    if len(name) > PARTNER_NAME_LIMIT:
        raise FieldError(
            Nn_("The partner name is too long: {length} character, at most {limit}.",
                "The partner name is too long: {length} characters, at most {limit}.",
                count="length"),
            length=len(name),
            limit=PARTNER_NAME_LIMIT,
        )
    if len(city) > CITY_LIMIT:
        raise FieldError(
            Nn_("The city name is too long: {length} character, at most {limit}.",
                "The city name is too long: {length} characters, at most {limit}.",
                count="length"),
            length=len(city),
            limit=CITY_LIMIT,
        )
    zone: str | None
    if zone_text:
        zone = parse_timezone(zone_text)
    else:
        zone = known_city_zone(city)
        if zone is None:
            raise FieldError(
                N_("I do not know the time zone of {city}: after a comma, add a city with the "
                   "same clock, for example: {name}, {city}, Kyiv."),
                city=city,
                name=name,
            )
    return PartnerDraft(name=name, city=city, timezone=zone)


def _offset(text: str) -> str:
    if text.upper() == "Z":
        return "+00:00"
    return text if ":" in text else f"{text[:3]}:{text[3:]}"


def as_text(value: object) -> str:
    return "" if value is None else str(value).strip()


def limited_text(value: object, limit: int, empty: str, too_long: Plural) -> str:
    """`value` as stripped text, refused when empty or longer than `limit` characters."""
    text = as_text(value)
    if not text:
        raise FieldError(empty)
    if len(text) > limit:
        raise FieldError(too_long, length=len(text), limit=limit)
    return text
