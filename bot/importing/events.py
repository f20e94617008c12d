"""`kopir import FILE.yaml`: create or update events and contests from a file.

The file has an `events:` list, a `contests:` list (see `bot.importing.contests`),
or both. It is validated whole before anything is written: every problem is
reported with its line (from the composed YAML nodes, which keep their marks),
and one invalid event or contest means nothing is imported. Re-importing the
same file changes nothing. Messages are English: this is an organizer's terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.clock import SystemClock
from bot.core.settings import Settings
from bot.importing.contests import read_contests
from bot.importing.records import (
    MAX_FILE_BYTES,
    Bad,
    Problem,
    RecordReader,
    TooManyRecords,
    compose,
    english,
    fields_of,
    is_null,
    line_of,
    size_problem,
    too_many_records,
)
from bot.services.cities import known_city_zone
from bot.services.contest_fields import ContestDraft
from bot.services.contests import ContestLocked, upsert_contest
from bot.services.event_fields import (
    CITY_LIMIT,
    PARTNER_NAME_LIMIT,
    PARTNERS_LIMIT,
    EventDraft,
    FieldError,
    PartnerDraft,
    parse_address,
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
from bot.services.notifications import DEFAULT_REMINDER_OFFSETS
from bot.services.organizer import upsert_event
from storage.models import EventKind
from storage.uow import Database

FIELDS = (
    "key", "kind", "title", "description", "starts_at", "duration_minutes", "timezone",
    "language", "partners", "link", "capacity", "reminders", "library", "address",
    "programme",
)
REQUIRED = ("key", "kind", "title", "starts_at", "duration_minutes", "timezone", "language")
PARTNER_FIELDS = ("name", "city", "timezone")
class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the import file")
        self.problems = problems


@dataclass
class ImportDrafts:
    """A whole file, validated: its events and its contests."""

    events: list[EventDraft] = field(default_factory=list)
    contests: list[ContestDraft] = field(default_factory=list)


@dataclass
class ImportReport:
    """Keys of the file's events (and contests) by outcome."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Cancelled in the bot: a cancelled event is history and is not revived by a file.
    skipped: list[str] = field(default_factory=list)
    contests_created: list[str] = field(default_factory=list)
    contests_updated: list[str] = field(default_factory=list)
    contests_unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        total = len(self.created) + len(self.updated) + len(self.unchanged) + len(self.skipped)
        text = (f"{total} event{'' if total == 1 else 's'}: {len(self.created)} created, "
                f"{len(self.updated)} updated, {len(self.unchanged)} unchanged")
        if self.skipped:
            text += f", {len(self.skipped)} skipped (cancelled: {', '.join(self.skipped)})"
        contests = (len(self.contests_created) + len(self.contests_updated)
                    + len(self.contests_unchanged))
        if not contests:
            return text
        contest_text = (f"{contests} contest{'' if contests == 1 else 's'}: "
                        f"{len(self.contests_created)} created, "
                        f"{len(self.contests_updated)} updated, "
                        f"{len(self.contests_unchanged)} unchanged")
        return contest_text if not total else f"{text}; {contest_text}"


def import_command(settings: Settings, path: str) -> int:
    from storage.db import make_engine
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    database = Database(make_engine(settings.database_url))
    try:
        now = SystemClock().now()
        try:
            drafts = load_file(Path(path), now, database=database)
            report = import_drafts(database, drafts, now)
        except ImportFailed as failed:
            for problem in failed.problems:
                where = f"{path}:{problem.line}" if problem.line else path
                sys.stderr.write(f"{where}: {problem.message}\n")
            count = len(failed.problems)
            sys.stderr.write(
                f"{path}: {count} problem{'' if count == 1 else 's'}; nothing was imported.\n"
            )
            return 1
    finally:
        database.dispose()
    sys.stdout.write(report.summary() + "\n")
    return 0


def import_events(database: Database, drafts: list[EventDraft], now: datetime) -> ImportReport:
    """Write validated event drafts in one unit of work: all of them or, on an error, none."""
    return import_drafts(database, ImportDrafts(events=drafts), now)


def import_drafts(database: Database, drafts: ImportDrafts, now: datetime) -> ImportReport:
    """Write a validated file in one unit of work: all of it or, on an error, nothing."""

    report = ImportReport()
    with database.uow() as uow:
        for draft in drafts.events:
            if not draft.key:  # a file's events have one (`REQUIRED`)
                raise ValueError("an imported event needs a key")
            existing = uow.events.by_key(draft.key)
            if existing is not None and existing.cancelled_at is not None:
                report.skipped.append(draft.key)
                continue
            _, outcome = upsert_event(uow, draft, now)
            getattr(report, outcome).append(draft.key)
        for contest_draft in drafts.contests:
            try:
                _, outcome = upsert_contest(uow, contest_draft, now)
            except ContestLocked as refusal:
                # Validation checked this; it can still happen if the bot changed it meanwhile.
                raise ImportFailed([Problem(0, f"contest {contest_draft.key}: "
                                               f"{refusal.render(english())}")]) from None
            getattr(report, f"contests_{outcome}").append(contest_draft.key)
        uow.commit()
    return report


def load_events_file(
    source: str | Path, now: datetime | None = None, *, database: Database | None = None
) -> list[EventDraft]:
    """Drafts of every event in the file (the whole file is validated, contests too)."""
    return load_file(source, now, database=database).events


def load_file(
    source: str | Path, now: datetime | None = None, *, database: Database | None = None
) -> ImportDrafts:
    """Drafts of every event and contest in the file, or `ImportFailed` listing every problem.

    `source` is a path or the YAML text itself. With `database`, an event whose
    start has passed is accepted when it is already stored with that very start
    (and a contest whose close has passed, when stored with that close), so last
    season's file can be re-imported.
    """
    now = now or SystemClock().now()
    root = _compose(_read(source))
    problems: list[Problem] = []
    items, contests_node = _sections(root, problems)
    stored_start = _stored_start_lookup(database)
    seen_keys: dict[str, int] = {}
    drafts = ImportDrafts()
    for item in items:
        draft = _EventReader(item, now, stored_start, seen_keys).read(problems)
        if draft is not None:
            drafts.events.append(draft)
    if contests_node is not None:
        drafts.contests = read_contests(contests_node, now, problems, database)
    if problems:
        raise ImportFailed(sorted(problems, key=lambda problem: problem.line))
    return drafts


def _read(source: str | Path) -> str:
    """The file's text (or `source` itself when it is the text), refused over the size
    limit before it is read whole."""
    path = source if isinstance(source, Path) else None
    if isinstance(source, str) and "\n" not in source:
        try:
            if source.endswith((".yaml", ".yml")) or Path(source).is_file():
                path = Path(source)
        except OSError:
            path = None
    if path is None:
        text = str(source)
        _check_size(len(text.encode("utf-8")))
        return text
    try:
        with path.open("rb") as file:
            # At most one byte over the limit is read: enough to know it is over.
            content = file.read(MAX_FILE_BYTES + 1)
            if len(content) > MAX_FILE_BYTES:
                _check_size(max(_size_of(path), len(content)))
        return content.decode("utf-8")
    except FileNotFoundError:
        raise ImportFailed([Problem(0, "No such file.")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportFailed([Problem(0, f"Cannot read the file: {error}")]) from None


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _check_size(size: int) -> None:
    problem = size_problem(size)
    if problem is not None:
        raise ImportFailed([problem])


def _compose(text: str) -> Node | None:
    try:
        return compose(text)
    except TooManyRecords:
        raise ImportFailed([too_many_records()]) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = "; ".join(part for part in (error.context, error.problem) if part)
        line = mark.line + 1 if mark else 0
        raise ImportFailed([Problem(line, f"YAML syntax error: {reason}.")]) from None
    except yaml.YAMLError as error:
        raise ImportFailed([Problem(0, f"YAML syntax error: {error}")]) from None


def _sections(root: Node | None,
              problems: list[Problem]) -> tuple[list[MappingNode], Node | None]:
    """The event mappings and the `contests:` node (None when the file has none)."""
    if root is None:
        problems.append(
            Problem(1, "The file is empty: it must start with `events:` or `contests:`.")
        )
        return [], None
    if not isinstance(root, MappingNode):
        problems.append(
            Problem(line_of(root), "The file must start with `events:` or `contests:`.")
        )
        return [], None
    fields = fields_of(root, ("events", "contests"), problems)
    contests = fields.get("contests")
    if "events" not in fields and contests is None:
        problems.append(Problem(line_of(root), "The file has no `events:` or `contests:` list."))
    if "events" not in fields:
        return [], contests
    return _event_nodes(fields["events"], problems), contests


def _event_nodes(events: Node, problems: list[Problem]) -> list[MappingNode]:
    if not isinstance(events, SequenceNode) or not events.value:
        problems.append(
            Problem(line_of(events), "`events:` must be a list of events (`- key: ...`).")
        )
        return []
    items = []
    for item in events.value:
        if isinstance(item, MappingNode):
            items.append(item)
        else:
            problems.append(Problem(line_of(item), "Each event must be a mapping of fields."))
    return items


class _EventReader(RecordReader):
    """Reads one event's mapping node, adding a Problem per bad field."""

    noun = "event"
    known = FIELDS
    required = REQUIRED

    def __init__(self, node: MappingNode, now: datetime,
                 stored_start: Callable[[str], datetime | None],
                 seen_keys: dict[str, int]) -> None:
        super().__init__(node, now, seen_keys)
        self.stored_start = stored_start

    def read(self, problems: list[Problem]) -> EventDraft | None:
        self.read_fields()
        key = self._field("key", self._key)
        kind = self._field("kind", lambda node: parse_kind(self._scalar(node)))
        language = self._field("language", lambda node: parse_language(self._scalar(node)))
        zone = self._field("timezone", lambda node: parse_timezone(self._scalar(node)))
        titles = self._field(
            "title", lambda node: self._texts("title", node, parse_title, language)
        )
        descriptions = self._field(
            "description",
            lambda node: self._texts("description", node, parse_description, language),
            {},
        )
        starts_at = self._field("starts_at", lambda node: self._start(node, zone, key))
        duration = self._field(
            "duration_minutes", lambda node: parse_duration(self._scalar(node))
        )
        link = self._field("link", lambda node: parse_link(self._scalar(node)), None)
        address = self._field("address", lambda node: parse_address(self._scalar(node)), None)
        capacity = self._field("capacity", lambda node: parse_capacity(self._scalar(node)), None)
        offsets = self._field("reminders", self._offsets, list(DEFAULT_REMINDER_OFFSETS))
        partners = self._field("partners", lambda node: self._partners(node, language), [])
        library = self._field("library", self._library, None)
        programme = self._field("programme", self._programme, None)
        if kind == EventKind.OFFLINE and address is None and "address" not in self.fields:
            # Readers of an event in the library must be told where to come.
            self.problems.append(Problem(
                line_of(self.node), "Missing required field `address` (kind offline)."))
        problems.extend(self.problems)
        if self.problems:
            return None
        return EventDraft(
            kind=kind, titles=titles, descriptions=descriptions, language=language,
            starts_at=starts_at, duration_minutes=duration, timezone=zone, link=link,
            capacity=capacity, partners=partners, reminder_offsets=offsets, key=key,
            library=library, programme=programme, address=address,
        )

    def _start(self, node: Node, zone: str | None, key: str | None) -> datetime:
        raw = self._scalar(node)
        try:
            return parse_start(raw, zone or "UTC", self.now)
        except FieldError:
            moment = _quietly(parse_moment, raw, zone or "UTC")
            if moment is None or key is None or self.stored_start(key) != moment:
                raise
            return moment

    def _offsets(self, node: Node) -> list[int]:
        if isinstance(node, ScalarNode):
            return parse_offsets(node.value)
        if not isinstance(node, SequenceNode):
            raise Bad("write a list like [24h, 1h, 0m].")
        values = []
        for item in node.value:
            try:
                values.extend(parse_offsets([self._scalar(item)]))
            except FieldError as error:
                self.problems.append(
                    Problem(line_of(item), f"reminders: {error.render(english())}")
                )
        return parse_offsets(values)

    def _partners(self, node: Node, language: str | None) -> list[PartnerDraft]:
        if not isinstance(node, SequenceNode):
            raise Bad("write a list of partners, each {name: ..., city: ..., timezone: ...}.")
        if len(node.value) > PARTNERS_LIMIT:
            raise Bad(f"{len(node.value)} partners; at most {PARTNERS_LIMIT} per event.")
        partners = []
        for item in node.value:
            try:
                if isinstance(item, MappingNode):
                    partners.append(self._partner(item, language))
                else:
                    partners.append(parse_partner(self._scalar(item)))
            except FieldError as error:
                self.problems.append(Problem(line_of(item), f"partners: {error.render(english())}"))
            except Bad as bad:
                self.problems.append(Problem(bad.line or line_of(item), f"partners: {bad.message}"))
        return partners

    def _partner(self, item: MappingNode, language: str | None) -> PartnerDraft:
        """A partner's mapping; its name and city may each be a mapping by language, like
        titles: {kk: Қарағанды, ru: Караганда}."""
        fields = {name: value for name, value in fields_of(item, PARTNER_FIELDS, self.problems)
                  .items() if not is_null(value)}
        texts: dict[str, dict[str, str]] = {}
        for name in ("name", "city"):
            if name in fields:
                limit = PARTNER_NAME_LIMIT if name == "name" else CITY_LIMIT
                texts[name] = self._texts("partners", fields[name],
                                          partial(_partner_text, name, limit), language)
        names, cities = texts.get("name", {}), texts.get("city", {})
        zone = self._scalar(fields["timezone"]) if "timezone" in fields else None
        if zone is None:
            # Any spelling of the city the bot knows tells its zone.
            zone = next((found for city in cities.values()
                         if (found := known_city_zone(city)) is not None), None)
        values = {"name": _first(names, language), "city": _first(cities, language)}
        draft = parse_partner({**values, "timezone": zone} if zone else values)
        # One spelling stays in `name` and `city` only, as before names per language.
        if isinstance(fields.get("name"), MappingNode):
            draft.names = names
        if isinstance(fields.get("city"), MappingNode):
            draft.cities = cities
        return draft


def _partner_text(name: str, limit: int, text: str) -> str:
    text = text.strip()
    if not text:
        raise Bad(f"the partner's {name} is empty.")
    if len(text) > limit:
        raise Bad(f"the partner's {name} is too long: {len(text)} characters, at most {limit}.")
    return text


def _first(texts: dict[str, str], language: str | None) -> str:
    """The text in the event's language (kept in `name`/`city`), else the first given."""
    return texts.get(language or "") or next(iter(texts.values()), "")


def _stored_start_lookup(database: Database | None) -> Callable[[str], datetime | None]:
    def stored_start(key: str) -> datetime | None:
        if database is None:
            return None
        with database.uow() as uow:
            event = uow.events.by_key(key)
            return None if event is None else event.starts_at

    return stored_start


def _quietly(parse: Callable[..., datetime], *args: object) -> datetime | None:
    try:
        return parse(*args)
    except FieldError:
        return None
