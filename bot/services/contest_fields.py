"""Validation of a contest's fields, shared by the /newcontest conversation and `kopir import`.

Each `parse_*` accepts what a librarian typed in the chat (text) or wrote in a
YAML file (numbers, lists, mappings, dates) and returns a clean value, or raises
`FieldError` (from `event_fields`) with an English msgid rendered later in the
organizer's language. `check_*` functions look at several fields together;
`check_draft` runs all of them over a finished `ContestDraft`.
Nothing here touches the database or Telegram.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.core.i18n import N_, Nn_
from bot.services.contest_dates import check_jury_deadline, check_reference_date, check_window
from bot.services.contest_groups import (
    CriterionDraft,
    SideDraft,
    as_integer,
    as_shown,
    check_criteria,
    check_prizes,
    check_sides,
)
from bot.services.event_fields import FieldError, as_text, limited_text, parse_title
from storage.contest_models import Aggregate, AwardTitle, ContestKind, TiePolicy, WinnerNames

RULES_LIMIT = 3000
THEME_LIMIT = 300
ORGANIZER_LIMIT = 200
AGE_RANGE = (5, 100)
QUOTA_RANGE = (1, 100)
ENTRIES_RANGE = (1, 10)
JURORS_RANGE = (1, 50)
SCALE_RANGE = (0, 100)
# Jurors score with one inline button per point.
SCALE_POINTS = 21

_KINDS = {
    "essay": ContestKind.ESSAY, "эссе": ContestKind.ESSAY, "есе": ContestKind.ESSAY,
    "photo": ContestKind.PHOTO, "фото": ContestKind.PHOTO, "фотография": ContestKind.PHOTO,
    "фотографія": ContestKind.PHOTO, "фотосурет": ContestKind.PHOTO,
}
# Our four languages; the words of the tie buttons too ("С пропуском: 1, 2, 2, 4").
_TIES = {
    **dict.fromkeys(("shared", "разделённое", "разделенное", "с пропуском", "ортақ",
                     "поділене", "з пропуском"), TiePolicy.SHARED),
    **dict.fromkeys(("dense", "плотное", "без пропуска", "тығыз", "үздіксіз", "щільне",
                     "без пропуску"), TiePolicy.DENSE),
}
_AGGREGATES = {
    **dict.fromkeys(("mean", "average", "среднее", "орташа", "орташа мән", "середнє"),
                    Aggregate.MEAN),
    **dict.fromkeys(("median", "медиана", "медіана"), Aggregate.MEDIAN),
}
# The keys and the awards' names in our four languages (ru, kk, uk; "letter of thanks").
_AWARDS = {
    **dict.fromkeys(("diploma", "диплом"), AwardTitle.DIPLOMA),
    **dict.fromkeys(("certificate", "сертификат", "сертифікат"), AwardTitle.CERTIFICATE),
    **dict.fromkeys(("charter", "certificate of merit", "грамота", "мадақтама"),
                    AwardTitle.CHARTER),
    **dict.fromkeys(("letter of thanks", "благодарственное письмо", "благодарность",
                     "алғыс хат", "подяка", "лист подяки"), AwardTitle.LETTER_OF_THANKS),
}
_YES = frozenset({"yes", "y", "true", "on", "1", "да", "иә", "так"})
_NO = frozenset({"no", "n", "false", "off", "0", "нет", "жоқ", "ні"})


@dataclass
class ContestDraft:
    """Everything a contest needs; the column shapes are those of `Contest`."""

    kind: ContestKind
    titles: dict[str, str]
    language: str
    timezone: str
    opens_at: datetime
    closes_at: datetime
    age_min: int
    age_max: int
    age_reference_date: date
    criteria: list[CriterionDraft]
    rules: dict[str, str] = field(default_factory=dict)
    themes: dict[str, str] = field(default_factory=dict)
    organizer_names: dict[str, str] = field(default_factory=dict)
    countries: list[str] = field(default_factory=list)
    sides: list[SideDraft] = field(default_factory=list)
    quota_per_side: int = 5
    entries_per_participant: int = 1
    scale_min: int = 1
    scale_max: int = 10
    tie_policy: TiePolicy = TiePolicy.SHARED
    aggregate: Aggregate = Aggregate.MEAN
    normalize: bool = False
    min_jurors: int = 1
    show_other_scores: bool = False
    # {"1": {language: text}}: places as strings, as in the JSON column.
    prizes: dict[str, dict[str, str]] = field(default_factory=dict)
    jury_deadline: datetime | None = None
    jury_reminder_offsets: list[int] = field(default_factory=list)
    # How the winners list sent to participants names the winners.
    winner_names: WinnerNames = WinnerNames.INITIAL
    # What the winners' documents are (their heading, the winner's message).
    award: AwardTitle = AwardTitle.DIPLOMA
    key: str | None = None
    # The organizing library's name (imports); from chat, the organizer's library.
    library: str | None = None
    # The programme's name (imports; added when new); None leaves a stored contest's as it is.
    programme: str | None = None

    def columns(self) -> dict[str, Any]:
        """The `Contest` column values this draft sets (everything but key and bookkeeping),
        as keyword arguments of `Contest`."""
        return {
            "kind": str(self.kind),
            "language": self.language,
            "titles": dict(self.titles),
            "rules": dict(self.rules),
            "themes": dict(self.themes),
            "organizer_names": dict(self.organizer_names),
            "timezone": self.timezone,
            "opens_at": self.opens_at,
            "closes_at": self.closes_at,
            "age_min": self.age_min,
            "age_max": self.age_max,
            "age_reference_date": self.age_reference_date,
            "countries": list(self.countries),
            "sides": [side.as_json() for side in self.sides],
            "quota_per_side": self.quota_per_side,
            "entries_per_participant": self.entries_per_participant,
            "criteria": [criterion.as_json() for criterion in self.criteria],
            "scale_min": self.scale_min,
            "scale_max": self.scale_max,
            "tie_policy": str(self.tie_policy),
            "aggregate": str(self.aggregate),
            "normalize": self.normalize,
            "min_jurors": self.min_jurors,
            "show_other_scores": self.show_other_scores,
            "prizes": {place: dict(texts) for place, texts in self.prizes.items()},
            "jury_deadline": self.jury_deadline,
            "jury_reminder_offsets": list(self.jury_reminder_offsets),
            "winner_names": str(self.winner_names),
            "award": str(self.award),
        }


def parse_contest_kind(value: object) -> ContestKind:
    text = as_text(value)
    kind = _KINDS.get(text.casefold())
    if kind is None:
        raise FieldError(N_("Unknown kind of contest {value}: use essay or photo."), value=text)
    return kind


def parse_rules(value: object) -> str:
    return limited_text(
        value, RULES_LIMIT,
        N_("The rules are empty: write what participants must send and how it is judged."),
        Nn_("The rules are too long: {length} character, at most {limit}.",
            "The rules are too long: {length} characters, at most {limit}.", count="length"),
    )


def parse_theme(value: object) -> str:
    return limited_text(
        value, THEME_LIMIT,
        N_("The theme is empty: write it in a few words."),
        Nn_("The theme is too long: {length} character, at most {limit}.",
            "The theme is too long: {length} characters, at most {limit}.", count="length"),
    )


def parse_organizer(value: object) -> str:
    return limited_text(
        value, ORGANIZER_LIMIT,
        N_("The organizer is empty: write the name of the organizing library."),
        Nn_("The organizer's name is too long: {length} character, at most {limit}.",
            "The organizer's name is too long: {length} characters, at most {limit}.",
            count="length"),
    )


def parse_contest_title(value: object) -> str:
    return parse_title(as_text(value))


def parse_age_range(value: object) -> tuple[int, int]:
    """"15-19", "15–19", "15..19", "16" (one age), [15, 19] or {min: 15, max: 19}."""
    shown = as_shown(value)
    if isinstance(value, dict):
        parts = [value.get("min"), value.get("max")]
    elif isinstance(value, list | tuple):
        parts = list(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        parts = [value, value]
    else:
        match = re.fullmatch(r"\s*(\d{1,3})\s*(?:(?:-|–|—|\.\.|to|до)\s*(\d{1,3}))?\s*",
                             shown, re.IGNORECASE)
        parts = [] if match is None else [match[1], match[2] or match[1]]
    pair = _integer_pair(parts)
    if pair is None:
        raise FieldError(
            N_("Cannot read {value} as an age range: write it like 15-19."), value=shown
        )
    low, high = pair
    if not all(AGE_RANGE[0] <= age <= AGE_RANGE[1] for age in (low, high)):
        raise FieldError(
            N_("Ages must be from {low} to {high}; {value} is out of range."),
            low=AGE_RANGE[0], high=AGE_RANGE[1], value=shown,
        )
    if low > high:
        raise FieldError(
            N_("The youngest age ({low}) is above the oldest ({high}): write it like 15-19."),
            low=low, high=high,
        )
    return low, high


def parse_scale(value: object) -> tuple[int, int]:
    """"1-10", "0..5", [1, 10] or {min: 1, max: 10}."""
    shown = as_shown(value)
    if isinstance(value, dict):
        parts = [value.get("min"), value.get("max")]
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        match = re.fullmatch(r"\s*(\d{1,3})\s*(?:-|–|—|\.\.|to|до)\s*(\d{1,3})\s*", shown,
                             re.IGNORECASE)
        parts = [] if match is None else [match[1], match[2]]
    pair = _integer_pair(parts)
    if pair is None:
        raise FieldError(N_("Cannot read {value} as a scale: write it like 1-10."), value=shown)
    low, high = pair
    if not SCALE_RANGE[0] <= low < high <= SCALE_RANGE[1]:
        raise FieldError(
            N_("A scale goes from a lower to a higher number between {low} and {high}, like "
               "1-10; {value} does not."),
            low=SCALE_RANGE[0], high=SCALE_RANGE[1], value=shown,
        )
    if high - low + 1 > SCALE_POINTS:
        raise FieldError(
            Nn_("A scale can have at most {limit} point (jurors press one button per point); "
                "{value} has {points}.",
                "A scale can have at most {limit} points (jurors press one button per point); "
                "{value} has {points}.", count="limit"),
            limit=SCALE_POINTS, value=shown, points=high - low + 1,
        )
    return low, high


def parse_tie_policy(value: object) -> TiePolicy:
    text = as_text(value)
    policy = _TIES.get(" ".join(text.split()).casefold())
    if policy is None:
        raise FieldError(
            # Translators: "shared" and "dense" are words to type; these are accepted too:
            # разделённое or с пропуском / плотное or без пропуска; ортақ / тығыз or
            # үздіксіз; поділене or з пропуском / щільне or без пропуску.
            N_("Unknown tie policy {value}: use shared (places 1, 2, 2, 4) or dense "
               "(places 1, 2, 2, 3)."),
            value=text,
        )
    return policy


def parse_aggregate(value: object) -> Aggregate:
    text = as_text(value)
    aggregate = _AGGREGATES.get(" ".join(text.split()).casefold())
    if aggregate is None:
        raise FieldError(
            # Translators: "mean" and "median" are words to type; these are accepted too:
            # среднее / медиана, орташа / медиана, середнє / медіана.
            N_("Unknown way to combine the jurors' scores {value}: use mean or median."),
            value=text,
        )
    return aggregate


def parse_winner_names(value: object) -> WinnerNames:
    """How the winners list names winners: full, initial or code."""
    text = as_text(value)
    try:
        return WinnerNames(text.strip().casefold())
    except ValueError:
        raise FieldError(
            # Translators: "full", "initial" and "code" are words to type, not to translate.
            N_("Unknown way to name the winners {value}: use full (Aigerim Bekova), initial "
               "(Aigerim B.) or code (only the entry code)."),
            value=text,
        ) from None


def parse_award(value: object) -> AwardTitle:
    """What winners receive: a key (diploma, certificate, charter, letter_of_thanks) or its
    name in one of our four languages."""
    text = " ".join(as_text(value).replace("_", " ").split()).casefold()
    award = _AWARDS.get(text)
    if award is None:
        raise FieldError(
            # Translators: the four words are keys to type, not to translate.
            N_("Unknown award {value}: use diploma, certificate, charter or letter_of_thanks."),
            value=as_text(value),
        )
    return award


def parse_quota(value: object) -> int:
    return _count(value, QUOTA_RANGE,
                  N_("The number of winners per side must be a whole number from {low} to "
                     "{high}; {value} is not."))


def parse_entries_limit(value: object) -> int:
    return _count(value, ENTRIES_RANGE,
                  N_("The number of entries per participant must be a whole number from {low} "
                     "to {high}; {value} is not."))


def parse_min_jurors(value: object) -> int:
    return _count(value, JURORS_RANGE,
                  N_("The minimum number of jurors per entry must be a whole number from {low} "
                     "to {high}; {value} is not."))


def parse_yes_no(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = as_text(value)
    if text.casefold() in _YES:
        return True
    if text.casefold() in _NO:
        return False
    raise FieldError(N_("Answer yes or no, not {value}."), value=text)


def _integer_pair(parts: list[object]) -> tuple[int, int] | None:
    """Two parts read as integers; None unless there are exactly two and both read."""
    numbers = [as_integer(part) for part in parts]
    if len(numbers) != 2:
        return None
    low, high = numbers
    if low is None or high is None:
        return None
    return low, high


def check_draft(draft: ContestDraft) -> list[FieldError]:
    """Problems that involve several fields, for a draft built field by field."""
    problems: list[FieldError] = []
    checks: list[Callable[[], None]] = [
        lambda: check_window(draft.opens_at, draft.closes_at),
        lambda: check_reference_date(draft.age_reference_date, draft.opens_at, draft.closes_at),
        lambda: check_sides(draft.sides),
        lambda: check_criteria(draft.criteria),
        lambda: check_prizes(draft.prizes, draft.quota_per_side),
    ]
    deadline = draft.jury_deadline
    if deadline is not None:
        checks.append(lambda: check_jury_deadline(deadline, draft.closes_at))
    if draft.language not in draft.titles:
        problems.append(FieldError(
            N_("There is no title in the contest's language ({language})."),
            language=draft.language,
        ))
    if not draft.age_min <= draft.age_max:
        problems.append(FieldError(
            N_("The youngest age ({low}) is above the oldest ({high}): write it like 15-19."),
            low=draft.age_min, high=draft.age_max,
        ))
    if not draft.scale_min < draft.scale_max:
        problems.append(FieldError(N_("Cannot read {value} as a scale: write it like 1-10."),
                                   value=f"{draft.scale_min}-{draft.scale_max}"))
    for check in checks:
        try:
            check()
        except FieldError as problem:
            problems.append(problem)
    return problems


def _count(value: object, bounds: tuple[int, int], msgid: str) -> int:
    number = as_integer(value)
    if number is None or not bounds[0] <= number <= bounds[1]:
        raise FieldError(msgid, low=bounds[0], high=bounds[1], value=as_shown(value))
    return number
