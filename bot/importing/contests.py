"""The `contests:` section of `kopir import FILE.yaml` (the same file as `events:`).

Every problem is reported with its line, and the whole file is refused when
there is one (see `bot.importing.events`). Re-importing the same file changes nothing.
The format, field by field (`*` = required):

```yaml
contests:
  - key: essay-kz-ua-2026          # * stable: re-importing updates this contest
    kind: essay                    # * essay | photo
    language: ru                   # * kk | ru | uk | en: texts fall back to it
    title: {ru: "...", kk: "...", uk: "...", en: "..."}   # * or a plain text in `language`
    rules: {ru: "...", en: "..."}  # or a plain text in `language`
    theme: "..."                   # or a mapping by language
    organizer: {ru: "Карагандинская областная юношеская библиотека", en: "..."}
    timezone: Asia/Almaty          # * a zone or a known city; times without offset are read in it
    opens_at: 2026-12-01T00:00:00+05:00    # * submissions open
    closes_at: 2027-01-31T23:59:00+05:00   # * submissions close (must be ahead when created)
    age: {min: 15, max: 19, on: 2027-01-31}   # * ages 5..100; `on` = the day age is counted:
                                              #   a date, `closes` (default) or `opens`
    countries: [Kazakhstan, Ukraine]          # allowed countries, besides the sides'; empty = any
    sides:                                    # ranked apart, `winners_per_side` winners each
      - key: kz                               # small Latin letters, digits, '-', '_'
        name: {ru: Казахстан, en: Kazakhstan} # or a plain text in `language`
        countries: [Kazakhstan, Казахстан, Қазақстан]   # as readers write it; default: the name
      - {key: ua, name: {uk: Україна, en: Ukraine}, countries: [Ukraine, Україна, Украина]}
    winners_per_side: 5            # 1..100, default 5
    entries_per_participant: 1     # 1..10, default 1
    criteria:                      # * 1..10 criteria, weights > 0 summing to 1 (or none: equal)
      - {key: originality, name: {ru: Оригинальность, en: Originality}, weight: 0.4}
      - {key: language, name: {ru: Язык, en: Language}, weight: 0.3}
      - {key: relevance, name: {ru: Соответствие теме, en: Relevance}, weight: 30%}
    scale: [1, 10]                 # lowest < highest within 0..100, at most 21 points; default 1-10
    ties: shared                   # shared (1, 2, 2, 4; default) | dense (1, 2, 2, 3)
    aggregate: mean                # mean (default) | median
    normalize: false               # z-scores per juror (jurors with at least 5 scores)
    min_jurors: 3                  # 1..50, default 1: entries with fewer are not ranked
    show_other_scores: false       # jurors see the others' scores after saving their own
    prizes: {1: {ru: "Сертификат на 100 000 тенге", en: "..."}, 2: "...", 3: "..."}
    jury_deadline: 2027-02-10T18:00:00+05:00   # after closes_at
    jury_reminders: [48h, 24h]     # before the jury deadline; default [24h] with a deadline
    winner_names: initial          # how the winners list sent to participants names winners:
                                   #   full (Aigerim Bekova) | initial (Aigerim B.; default)
                                   #   | code (only the entry code)
    award: diploma                 # what winners receive: diploma (default; "Диплом I
                                   #   степени" for places 1-3) | certificate | charter
                                   #   (Грамота) | letter_of_thanks
    library: "Karaganda Regional Youth Library"   # organizing library (added when new)
```

Keys of sides and criteria (small Latin letters, digits, '-', '_') may be left
out: they are then made from the Latin name, or numbered (s1, c2...). Prizes
are for places up to `winners_per_side`. A country may belong to one side only.

Re-importing a contest updates it, within limits: a `closes_at` already past is
accepted when the stored contest closes at that very moment; a contest closed
early in the chat stays closed; frozen results refuse any change; once jurors
have scored, `criteria` and `scale` are fixed; once entries exist, `kind` is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.importing.records import Bad, Problem, RecordReader, english, fields_of, line_of
from bot.services.contest_dates import (
    parse_closes,
    parse_jury_deadline,
    parse_opens,
    parse_reference_date,
)
from bot.services.contest_fields import (
    ContestDraft,
    parse_age_range,
    parse_aggregate,
    parse_award,
    parse_contest_kind,
    parse_contest_title,
    parse_entries_limit,
    parse_min_jurors,
    parse_organizer,
    parse_quota,
    parse_rules,
    parse_scale,
    parse_theme,
    parse_tie_policy,
    parse_winner_names,
    parse_yes_no,
)
from bot.services.contest_groups import (
    CriterionDraft,
    SideDraft,
    check_criteria,
    check_prizes,
    check_sides,
    number_keys,
    parse_countries,
    parse_criterion,
    parse_names,
    parse_place,
    parse_prize,
    parse_side,
)
from bot.services.contests import locked_change
from bot.services.event_fields import FieldError, parse_language, parse_offsets, parse_timezone
from storage.contest_models import Aggregate, AwardTitle, TiePolicy, WinnerNames
from storage.uow import Database

FIELDS = (
    "key", "kind", "language", "title", "rules", "theme", "organizer", "timezone", "opens_at",
    "closes_at", "age", "countries", "sides", "winners_per_side", "entries_per_participant",
    "criteria", "scale", "ties", "aggregate", "normalize", "min_jurors", "show_other_scores",
    "prizes", "jury_deadline", "jury_reminders", "winner_names", "award", "library",
    "programme",
)
REQUIRED = (
    "key", "kind", "language", "title", "timezone", "opens_at", "closes_at", "age", "criteria",
)
AGE_FIELDS = ("min", "max", "on")
SIDE_FIELDS = ("key", "name", "countries")
CRITERION_FIELDS = ("key", "name", "weight")
DEFAULT_JURY_REMINDERS = (24 * 60,)

# A stored contest's problem with a draft (frozen results, scored criteria...), or None.
StoredCheck = Callable[[ContestDraft], FieldError | None]
StoredCloses = Callable[[str], datetime | None]


def read_contests(node: Node, now: datetime, problems: list[Problem],
                  database: Database | None = None) -> list[ContestDraft]:
    """Drafts of the `contests:` list `node`; each problem is added to `problems`."""
    if not isinstance(node, SequenceNode) or not node.value:
        problems.append(
            Problem(line_of(node), "`contests:` must be a list of contests (`- key: ...`).")
        )
        return []
    stored_closes, stored_check = _stored_lookups(database)
    seen_keys: dict[str, int] = {}
    drafts = []
    for item in node.value:
        if not isinstance(item, MappingNode):
            problems.append(Problem(line_of(item), "Each contest must be a mapping of fields."))
            continue
        reader = _ContestReader(item, now, stored_closes, seen_keys)
        draft = reader.read(problems)
        if draft is None:
            continue
        refusal = stored_check(draft)
        if refusal is not None:
            problems.append(Problem(reader.key_line, f"key: {draft.key}: "
                                    f"{refusal.render(english())}"))
            continue
        drafts.append(draft)
    return drafts


class _ContestReader(RecordReader):
    """Reads one contest's mapping node, adding a Problem per bad field."""

    noun = "contest"
    known = FIELDS
    required = REQUIRED
    key_example = "essay-kz-ua-2026"

    def __init__(self, node: MappingNode, now: datetime, stored_closes: StoredCloses,
                 seen_keys: dict[str, int]) -> None:
        super().__init__(node, now, seen_keys)
        self.stored_closes = stored_closes
        self.key_lines: dict[str, int] = {}

    def read(self, problems: list[Problem]) -> ContestDraft | None:
        self.read_fields()
        self.key_lines = {str(key.value): line_of(key) for key, _ in self.node.value
                          if isinstance(key, ScalarNode)}
        field = self._field
        key = field("key", self._key)
        kind = field("kind", lambda node: parse_contest_kind(self._scalar(node)))
        language = field("language", lambda node: parse_language(self._scalar(node)))
        zone = field("timezone", lambda node: parse_timezone(self._scalar(node)))
        titles = field("title", lambda node: self._texts("title", node, parse_contest_title,
                                                          language))
        rules = field("rules", lambda node: self._texts("rules", node, parse_rules, language), {})
        themes = field("theme", lambda node: self._texts("theme", node, parse_theme, language), {})
        organizers = field(
            "organizer", lambda node: self._texts("organizer", node, parse_organizer, language), {}
        )
        opens_at = field("opens_at", lambda node: parse_opens(self._single(node), zone or "UTC"))
        closes_at = field("closes_at", lambda node: self._closes(node, zone, opens_at, key))
        age = field("age", lambda node: self._age(node, zone, opens_at, closes_at))
        countries = field("countries", lambda node: parse_countries(self._value(node)), [])
        sides = field("sides", lambda node: self._sides(node, language), [])
        quota = field("winners_per_side", lambda node: parse_quota(self._single(node)), 5)
        entries = field("entries_per_participant",
                        lambda node: parse_entries_limit(self._single(node)), 1)
        criteria = field("criteria", lambda node: self._criteria(node, language))
        scale = field("scale", lambda node: parse_scale(self._value(node)), (1, 10))
        ties = field("ties", lambda node: parse_tie_policy(self._scalar(node)), TiePolicy.SHARED)
        aggregate = field("aggregate", lambda node: parse_aggregate(self._scalar(node)),
                          Aggregate.MEAN)
        normalize = field("normalize", lambda node: parse_yes_no(self._single(node)), False)
        min_jurors = field("min_jurors", lambda node: parse_min_jurors(self._single(node)), 1)
        show_others = field("show_other_scores",
                            lambda node: parse_yes_no(self._single(node)), False)
        prizes = field("prizes", lambda node: self._prizes(node, language, quota), {})
        deadline = field("jury_deadline", lambda node: parse_jury_deadline(
            self._single(node), zone or "UTC", closes_at))
        reminders = field("jury_reminders", lambda node: self._reminders(node, deadline),
                          list(DEFAULT_JURY_REMINDERS) if deadline is not None else [])
        winner_names = field("winner_names", lambda node: parse_winner_names(self._scalar(node)),
                             WinnerNames.INITIAL)
        award = field("award", lambda node: parse_award(self._scalar(node)), AwardTitle.DIPLOMA)
        library = field("library", self._library, None)
        programme = field("programme", self._programme, None)
        problems.extend(self.problems)
        if self.problems:
            return None
        return ContestDraft(
            kind=kind, titles=titles, language=language, timezone=zone, opens_at=opens_at,
            closes_at=closes_at, age_min=age[0], age_max=age[1], age_reference_date=age[2],
            criteria=criteria, rules=rules, themes=themes, organizer_names=organizers,
            countries=countries, sides=sides, quota_per_side=quota,
            entries_per_participant=entries, scale_min=scale[0], scale_max=scale[1],
            tie_policy=ties, aggregate=aggregate, normalize=normalize, min_jurors=min_jurors,
            show_other_scores=show_others, prizes=prizes, jury_deadline=deadline,
            jury_reminder_offsets=reminders, winner_names=winner_names, award=award, key=key,
            library=library, programme=programme,
        )

    def _single(self, node: Node) -> object:
        self._scalar(node)
        return self._value(node)

    def _value(self, node: Node) -> object:
        """The node as Python values: YAML numbers, booleans and dates keep their types."""
        try:
            return SafeConstructor().construct_document(node)
        except ValueError:
            # A date-like scalar such as 2027-02-30: the field's parser explains it as text.
            if isinstance(node, ScalarNode):
                return node.value
            raise Bad("cannot read this value.") from None
        except ConstructorError as error:
            raise Bad(f"cannot read this value: {error.problem}.") from None

    def _closes(self, node: Node, zone: str | None, opens_at: datetime | None,
                key: str | None) -> datetime:
        value = self._single(node)
        closes_at = parse_closes(value, zone or "UTC", opens_at)
        # Last season's file may be re-imported: a past close is fine if it is stored as is.
        if key is not None and self.stored_closes(key) == closes_at:
            return closes_at
        return parse_closes(value, zone or "UTC", opens_at, self.now)

    def _age(self, node: Node, zone: str | None, opens_at: datetime | None,
             closes_at: datetime | None) -> tuple[int, int, date]:
        if not isinstance(node, MappingNode):
            low, high = parse_age_range(self._value(node))
            on_value: object = "closes"
            on_node = node
        else:
            fields = fields_of(node, AGE_FIELDS, self.problems)
            for name in ("min", "max"):
                if name not in fields:
                    raise Bad(f"write both ages, like {{min: 15, max: 19, on: closes}}; "
                               f"`{name}` is missing.")
            low, high = parse_age_range(
                {name: self._value(fields[name]) for name in ("min", "max")}
            )
            on_node = fields.get("on", node)
            on_value = self._value(on_node) if "on" in fields else "closes"
        if closes_at is None or opens_at is None:
            # The window is wrong (reported there), so the draft is refused anyway and the
            # reference day cannot be checked against it.
            return low, high, on_value if isinstance(on_value, date) else date.min
        try:
            day = parse_reference_date(on_value, opens_at=opens_at, closes_at=closes_at,
                                       zone=zone or "UTC")
        except FieldError as error:
            raise Bad(error.render(english()), line_of(on_node)) from None
        return low, high, day

    def _sides(self, node: Node, language: str | None) -> list[SideDraft]:
        if not isinstance(node, SequenceNode):
            raise Bad("write a list of sides, each {key: ..., name: ..., countries: [...]}.")
        sides: list[SideDraft] = []
        for item in node.value:
            try:
                if isinstance(item, MappingNode):
                    fields_of(item, SIDE_FIELDS, self.problems)
                side = parse_side(self._value(item), language or "en")
                number_keys([*sides, side], "s")
                check_sides([*sides, side])
                sides.append(side)
            except (FieldError, Bad) as error:
                self._problem("sides", item, error)
        return sides

    def _criteria(self, node: Node, language: str | None) -> list[CriterionDraft]:
        if not isinstance(node, SequenceNode) or not node.value:
            raise Bad("write a list of criteria, each {key: ..., name: ..., weight: 0.4}.")
        criteria: list[CriterionDraft] = []
        broken = False
        for item in node.value:
            try:
                if isinstance(item, MappingNode):
                    fields_of(item, CRITERION_FIELDS, self.problems)
                criterion = parse_criterion(self._value(item), language or "en")
                if any(criterion.key == known.key for known in criteria):
                    raise Bad(f"the criterion {criterion.key} is given twice.")
                criteria.append(criterion)
            except (FieldError, Bad) as error:
                broken = True
                self._problem("criteria", item, error)
        if not broken:
            number_keys(criteria, "c")
            try:
                check_criteria(criteria)
            except FieldError as error:
                raise Bad(error.render(english()),
                           self.key_lines.get("criteria", line_of(node))) from None
        return criteria

    def _prizes(self, node: Node, language: str | None,
                quota: int) -> dict[str, dict[str, str]]:
        if not isinstance(node, MappingNode):
            raise Bad("write the prizes by place, like {1: \"...\", 2: \"...\", 3: \"...\"}.")
        prizes: dict[str, dict[str, str]] = {}
        for place_node, text_node in node.value:
            try:
                place = parse_place(self._value(place_node))
                if place in prizes:
                    raise Bad(f"the prize for place {place} is given twice.")
                prizes[place] = parse_names(self._value(text_node), language or "en",
                                            parse_prize)
            except (FieldError, Bad) as error:
                self._problem("prizes", place_node, error)
        try:
            check_prizes(prizes, quota)
        except FieldError as error:
            raise Bad(error.render(english()),
                       self.key_lines.get("prizes", line_of(node))) from None
        return dict(sorted(prizes.items(), key=lambda item: int(item[0])))

    def _reminders(self, node: Node, deadline: datetime | None) -> list[int]:
        if "jury_deadline" not in self.fields:
            raise Bad("reminders need a `jury_deadline` to count from.")
        if isinstance(node, ScalarNode):
            return parse_offsets(node.value)
        if not isinstance(node, SequenceNode):
            raise Bad("write a list like [48h, 24h].")
        values: list[int] = []
        for item in node.value:
            try:
                values.extend(parse_offsets([self._scalar(item)]))
            except FieldError as error:
                self._problem("jury_reminders", item, error)
        return parse_offsets(values)


def _stored_lookups(database: Database | None) -> tuple[StoredCloses, StoredCheck]:
    def stored_closes(key: str) -> datetime | None:
        if database is None:
            return None
        with database.uow() as uow:
            contest = uow.contests.by_key(key)
            return None if contest is None else contest.closes_at

    def stored_check(draft: ContestDraft) -> FieldError | None:
        if database is None or draft.key is None:
            return None
        with database.uow() as uow:
            contest = uow.contests.by_key(draft.key)
            return None if contest is None else locked_change(uow, contest, draft)

    return stored_closes, stored_check
