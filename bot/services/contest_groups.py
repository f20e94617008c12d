"""Validation of a contest's lists: countries, sides, criteria with weights, prizes by place.

Used by `contest_fields`, the /newcontest conversation and `kopir import`: each
`parse_*` accepts typed text or YAML values and raises `FieldError` with an English msgid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.core.i18n import N_, Nn_, Plural, Translator
from bot.services.cities import known_country_zone
from bot.services.event_fields import FieldError, as_text, limited_text, parse_language
from bot.services.numbers import parse_whole_number

NAME_LIMIT = 100
PRIZE_LIMIT = 300
PLACE_RANGE = (1, 100)
MOST_CRITERIA = 10
MOST_SIDES = 10
WEIGHT_TOLERANCE = 0.001
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# The suggested criteria (key, name, weight): the Default button and the examples.
DEFAULT_CRITERIA = (
    ("originality", N_("Originality"), 0.4),
    # Translators: a judging criterion: how well the work is written.
    ("language", N_("Language"), 0.3),
    # Translators: a judging criterion: how closely the work keeps to the contest's theme.
    ("relevance", N_("Relevance"), 0.3),
)
# Spellings of "no restriction" / "nothing" in our four languages.
ANY_WORDS = frozenset({"-", "—", "any", "all", "none", "любая", "любые", "кез келген", "будь-яка"})


@dataclass
class SideDraft:
    """A group of participants ranked apart (quota of winners each), e.g. Kazakhstan."""

    key: str
    names: dict[str, str]
    # Countries as readers write them in their profile, in any language.
    countries: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "names": dict(self.names), "countries": list(self.countries)}


@dataclass
class CriterionDraft:
    key: str
    names: dict[str, str]
    weight: float

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "names": dict(self.names), "weight": self.weight}


def criteria_example(t: Translator) -> str:
    """The default criteria as typed in `t`'s language: "Оригинальность 0,4, Язык 0,3, ..."."""
    return ", ".join(f"{t.gettext(name)} {t.number(weight)}"
                     for _key, name, weight in DEFAULT_CRITERIA)


class _CriteriaError(FieldError):
    """A criteria problem whose {example} reads in the organizer's language."""

    def render(self, t: Translator) -> str:
        params = {**self.params, "example": criteria_example(t)}
        total = params.get("total")
        if isinstance(total, float):
            params["total"] = t.number(total)
        if isinstance(self.msgid, Plural):
            return self.msgid.translate(t, params)
        return t.gettext(self.msgid).format(**params)


def parse_countries(value: object) -> list[str]:
    """Countries allowed to take part; "any" or "-" (or nothing) means every country."""
    if value is None:
        return []
    if isinstance(value, str):
        if value.strip().casefold() in ANY_WORDS:
            return []
        items: list[object] = re.split(r"[,;\n]", value)
    elif isinstance(value, list | tuple):
        items = list(value)
    elif isinstance(value, dict):
        raise FieldError(N_("Write the countries as a list, like Kazakhstan, Ukraine."))
    else:
        items = [value]
    countries: list[str] = []
    for item in items:
        country = as_text(item)
        if not country and isinstance(value, str):
            continue
        if not country or len(country) > NAME_LIMIT:
            raise FieldError(
                N_("Cannot read {value} as a country: write names like Kazakhstan, Ukraine."),
                value=country,
            )
        # Other spellings of one country stay: they show the organizer what was meant.
        if not any(_fold(country) == _fold(known) for known in countries):
            countries.append(country)
    return countries


def same_country(first: str, second: str) -> bool:
    """Whether two spellings name one country: "Kazakhstan" = "казахстан" = "Қазақстан"."""
    if _fold(first) == _fold(second):
        return True
    # Each country in the cities table has a zone of its own, so equal zones mean one country.
    zone = known_country_zone(first)
    return zone is not None and zone == known_country_zone(second)


def parse_key(value: object) -> str:
    """A short Latin key for a side or criterion, as in callback data and score records."""
    key = as_text(value)
    if not KEY_PATTERN.fullmatch(key):
        raise FieldError(
            N_("{value} is not a usable key: use up to 32 small Latin letters, digits, '-' or "
               "'_', like kz."),
            value=key,
        )
    return key


def parse_names(
    value: object, language: str, parse: Callable[[object], str] | None = None
) -> dict[str, str]:
    """A text in `language`, or a mapping by language {ru: ..., en: ...}."""
    parse = parse or _name
    if isinstance(value, dict):
        names = {}
        for code, text in value.items():
            names[parse_language(as_text(code))] = parse(text)
        if not names:
            raise FieldError(N_("The name is empty."))
        return names
    return {language: parse(value)}


def parse_side(value: object, language: str) -> SideDraft:
    """A side: "kz = Kazakhstan: Kazakhstan, Казахстан", "Kazakhstan" or {key, name, countries}.

    Without countries the side's name is its only country; without a key one is made
    from the name (or left empty for `parse_sides` to number).
    """
    if isinstance(value, dict):
        key = parse_key(value["key"]) if value.get("key") is not None else ""
        if value.get("name") is None:
            raise FieldError(N_("Give each side a name, like Kazakhstan."))
        names = parse_names(value["name"], language)
        countries = parse_countries(value.get("countries"))
    else:
        text = as_text(value)
        key = ""
        head, colon, tail = text.partition(":")
        if "=" in head:
            key_text, _, head = head.partition("=")
            key = parse_key(key_text.strip().lower())
        names = {language: _name(head)}
        countries = parse_countries(tail) if colon else []
    if not countries:
        countries = [next(iter(names.values()))]
    key = key or _slug(names.values()) or _slug(countries)
    return SideDraft(key=key, names=names, countries=countries)


def parse_sides(value: object, language: str) -> list[SideDraft]:
    """Sides one per line (or separated by ";"), or a list; "-" means no sides."""
    if value is None:
        return []
    if isinstance(value, str):
        if value.strip().casefold() in ANY_WORDS:
            return []
        items: list[object] = [item for item in re.split(r"[;\n]", value) if item.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    sides = [parse_side(item, language) for item in items]
    number_keys(sides, "s")
    check_sides(sides)
    return sides


def check_sides(sides: list[SideDraft]) -> None:
    if len(sides) > MOST_SIDES:
        raise FieldError(
            Nn_("At most {limit} side, please.", "At most {limit} sides, please.", count="limit"),
            limit=MOST_SIDES,
        )
    keys: set[str] = set()
    for number, side in enumerate(sides):
        if side.key in keys:
            raise FieldError(N_("The side {key} is given twice."), key=side.key)
        keys.add(side.key)
        for country in side.countries:
            for other in sides[:number]:
                if any(same_country(country, known) for known in other.countries):
                    raise FieldError(
                        N_("{country} belongs to two sides, {first} and {second}: a reader can "
                           "be on one side only."),
                        country=country, first=other.key, second=side.key,
                    )


def parse_weight(value: object) -> float:
    """A criterion's share: 0.4, "0,4" or "40%"."""
    shown = as_shown(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        weight = float(value)
    else:
        match = re.fullmatch(r"\s*(\d+(?:[.,]\d+)?)\s*(%?)\s*", shown)
        if match is None:
            raise FieldError(
                N_("Cannot read {value} as a weight: write a share like 0.4 or 40%."), value=shown
            )
        weight = float(match[1].replace(",", "."))
        if match[2]:
            weight /= 100
    if not 0 < weight <= 1:
        raise FieldError(
            N_("A weight must be above 0 and at most 1 (or 100%); {value} is out of range."),
            value=shown,
        )
    return weight


def parse_criterion(value: object, language: str) -> CriterionDraft:
    """"Originality 0.4", "Язык — 30%", "Relevance" (weight left to `parse_criteria`),
    or {key, name, weight}. A missing weight is 0 here: `check_criteria` settles it."""
    if isinstance(value, dict):
        key = parse_key(value["key"]) if value.get("key") is not None else ""
        if value.get("name") is None:
            if not key:
                raise FieldError(N_("Give each criterion a name, like Originality."))
            names = {language: key}
        else:
            names = parse_names(value["name"], language)
        weight = parse_weight(value["weight"]) if value.get("weight") is not None else 0.0
    else:
        text = as_text(value)
        match = re.fullmatch(r"(.*?)[\s:=—–-]*(\d+(?:[.,]\d+)?\s*%?)", text)
        if match and match[1].strip():
            names = {language: _name(match[1])}
            weight = parse_weight(match[2])
        else:
            names = {language: _name(text)}
            weight = 0.0
        key = ""
    return CriterionDraft(key=key or _slug(names.values()), names=names, weight=weight)


def parse_criteria(value: object, language: str) -> list[CriterionDraft]:
    """Criteria with weights summing to 1, e.g. "originality 0.4, language 0.3, relevance 0.3".

    When no criterion has a weight they all weigh the same.
    """
    if isinstance(value, str):
        # A comma followed by a digit is a decimal comma ("0,4"), not a separator.
        items: list[object] = [item for item in re.split(r"[;\n]|,(?!\d)", value) if item.strip()]
    elif isinstance(value, list | tuple):
        items = list(value)
    elif value is None:
        items = []
    else:
        items = [value]
    criteria = [parse_criterion(item, language) for item in items]
    number_keys(criteria, "c")
    check_criteria(criteria)
    return criteria


def check_criteria(criteria: list[CriterionDraft]) -> None:
    """At least one, unique keys, and weights summing to 1 (all unweighted: equal shares)."""
    if not criteria:
        raise _CriteriaError(N_("Add at least one criterion, for example: {example}."))
    if len(criteria) > MOST_CRITERIA:
        raise FieldError(
            Nn_("At most {limit} criterion, please.", "At most {limit} criteria, please.",
                count="limit"),
            limit=MOST_CRITERIA,
        )
    keys: set[str] = set()
    for criterion in criteria:
        if criterion.key in keys:
            raise FieldError(N_("The criterion {key} is given twice."), key=criterion.key)
        keys.add(criterion.key)
    weighted = [criterion for criterion in criteria if criterion.weight > 0]
    if not weighted:
        for criterion in criteria:
            criterion.weight = 1 / len(criteria)
        return
    if len(weighted) != len(criteria):
        raise FieldError(
            N_("Give a weight to every criterion, or to none (then they weigh the same).")
        )
    total = sum(criterion.weight for criterion in criteria)
    if abs(total - 1) > WEIGHT_TOLERANCE:
        raise _CriteriaError(N_("The weights add up to {total}, not 1: for example {example}."),
                             total=round(total, 4))  # shown as "0,9" in ru, kk, uk


def parse_place(value: object) -> str:
    """A prize place, stored as a string key like "1"."""
    place = as_integer(value)
    if place is None or not PLACE_RANGE[0] <= place <= PLACE_RANGE[1]:
        raise FieldError(
            N_("A place must be a whole number from {low} to {high}; {value} is not."),
            low=PLACE_RANGE[0], high=PLACE_RANGE[1], value=as_shown(value),
        )
    return str(place)


def parse_prize(value: object) -> str:
    return limited_text(
        value, PRIZE_LIMIT,
        N_("The prize is empty: write what the place wins, like a 100,000 tenge certificate."),
        Nn_("The prize text is too long: {length} character, at most {limit}.",
            "The prize text is too long: {length} characters, at most {limit}.", count="length"),
    )


def parse_prizes(value: object, language: str) -> dict[str, dict[str, str]]:
    """Prizes by place: lines "1: 100,000 tenge certificate", or {1: text or {ru: ...}}.

    "-" (or nothing) means no prizes are announced.
    """
    if value is None:
        return {}
    if isinstance(value, str):
        if value.strip().casefold() in ANY_WORDS:
            return {}
        pairs = []
        for line in value.splitlines():
            if not line.strip():
                continue
            # "1: ...", "1. ...", "1) ...", "3 место: ...", "2nd place - ..."
            match = re.fullmatch(r"\s*(\d+)[^\d\s:.)—–-]*(?:\s+[^\W\d]+)?\s*[:.)—–-]?\s*(.*)", line)
            if match is None:
                place, _, text = line.strip().partition(" ")
                pairs.append((place, text))
            else:
                pairs.append((match[1], match[2]))
    elif isinstance(value, dict):
        pairs = list(value.items())
    else:
        raise FieldError(
            N_("Write one prize per line, like: 1: 100,000 tenge certificate.")
        )
    prizes: dict[str, dict[str, str]] = {}
    for place_value, text in pairs:
        place = parse_place(place_value)
        if place in prizes:
            raise FieldError(N_("The prize for place {place} is given twice."), place=place)
        prizes[place] = parse_names(text, language, parse_prize)
    return dict(sorted(prizes.items(), key=lambda item: int(item[0])))


def check_prizes(prizes: dict[str, dict[str, str]], quota: int) -> None:
    beyond = [place for place in prizes if int(place) > quota]
    if beyond:
        raise FieldError(
            N_("There is a prize for place {place}, but only {quota} winners per side."),
            place=beyond[0], quota=quota,
        )


def number_keys(items: Sequence[SideDraft | CriterionDraft], prefix: str) -> None:
    """Give keys to items whose names made none (names in Cyrillic): "s1", "c2"..."""
    used = {item.key for item in items if item.key}
    for number, item in enumerate(items, start=1):
        if not item.key:
            candidate = f"{prefix}{number}"
            while candidate in used:
                candidate += "x"
            item.key = candidate
            used.add(candidate)


def _name(value: object) -> str:
    return limited_text(
        value, NAME_LIMIT, N_("The name is empty."),
        Nn_("The name is too long: {length} character, at most {limit}.",
            "The name is too long: {length} characters, at most {limit}.", count="length"),
    )


def as_integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return parse_whole_number(as_text(value))


def _slug(names: Iterable[str]) -> str:
    """A key from a name with Latin letters ("Kazakhstan" -> "kazakhstan"); "" otherwise."""
    for text in names:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[:32].strip("_")
        if slug and KEY_PATTERN.fullmatch(slug) and len(slug) * 2 >= len(text.strip()):
            return slug
    return ""


def as_shown(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key}: {item}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return "-".join(as_text(item) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return as_text(value)


def _fold(text: str) -> str:
    return " ".join(text.casefold().replace("ё", "е").replace(".", " ").split())
