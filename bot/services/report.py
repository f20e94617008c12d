"""The report librarians write every quarter (issue 12, item 5): its figures for a period
and a set of libraries, as plain values; `report_text` words them, `bot.files.report_files`
makes the files.

What counts:
- an event is *held* when it started within the period and before the report is made, and
  was not cancelled; events ahead in the period are not counted yet;
- *registrations*: readers who had a seat, or came (a reader who cancelled and came anyway
  came); *came* (the report's "охват", reach): registrations with attendance recorded, one
  per reader and event; *no-shows*: had a seat and did not come;
- ages are counted on the event's (UTC) date from the birth date; readers without one
  (erased, or before consent) are their own row, as are places nobody typed;
- contests count in the period they closed in; announcements in the period they started in.

Events also count by programme (`by_programme`, "No programme" for the rest). Each further
table is one more field of `Report` over one more query of `storage.report_repository`,
without changing the others.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from enum import StrEnum

from bot.core.i18n import N_
from bot.core.settings import AgeBand
from bot.services.roles import Access, Role
from storage.models import EventKind
from storage.report_repository import BroadcastFigures, EventFigures, Window
from storage.uow import UnitOfWork

ADULT_AGE = 18
# The longest period a typed pair of dates may span: a report, not the whole history.
MAX_PERIOD_DAYS = 5 * 366


class PeriodKind(StrEnum):
    QUARTER = "quarter"
    NINE_MONTHS = "nine_months"
    YEAR = "year"
    DATES = "dates"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    first: date
    last: date  # included

    @property
    def quarter(self) -> int:
        return (self.first.month - 1) // 3 + 1

    def bounds(self, zone: tzinfo) -> tuple[datetime, datetime]:
        """[start, end) in aware UTC: midnight of the first day to midnight after the last,
        in the organizer's zone."""
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(date.fromordinal(self.last.toordinal() + 1), time(), zone)
        return start.astimezone(UTC), end.astimezone(UTC)


def quarter_of(day: date, back: int = 0) -> Period:
    """The quarter `day` falls in, or the one `back` quarters before."""
    index = day.year * 4 + (day.month - 1) // 3 - back
    year, number = divmod(index, 4)
    first = date(year, number * 3 + 1, 1)
    following = date(year + (number == 3), (number * 3 + 3) % 12 + 1, 1)
    return Period(PeriodKind.QUARTER, first, date.fromordinal(following.toordinal() - 1))


def nine_months_of(year: int) -> Period:
    return Period(PeriodKind.NINE_MONTHS, date(year, 1, 1), date(year, 9, 30))


def year_of(year: int) -> Period:
    return Period(PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31))


class PeriodInvalid(ValueError):
    """Typed dates that make no period; `msgid` says why, in the reader's language."""

    def __init__(self, msgid: str) -> None:
        super().__init__(msgid)
        self.msgid = msgid


_DATES = re.compile(r"\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*(?:[-–—]|\.\.)\s*"
                    r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s*")


def parse_dates(text: str) -> Period:
    """"01.01.2026–30.09.2026" (a hyphen or a dash, spaces or not) as a period."""
    match = _DATES.fullmatch(text)
    if match is None:
        raise PeriodInvalid(N_(
            "Please type two dates as day.month.year with a dash between them, for example "
            "01.01.2026–30.09.2026."))
    numbers = [int(part) for part in match.groups()]
    try:
        first, last = date(numbers[2], numbers[1], numbers[0]), date(*numbers[5:2:-1])
    except ValueError:
        raise PeriodInvalid(N_("One of these dates does not exist. Please check them.")) \
            from None
    if last < first:
        raise PeriodInvalid(N_("The first date is after the second. Please type them in order."))
    if (last - first).days > MAX_PERIOD_DAYS:
        raise PeriodInvalid(N_("A report covers at most five years. Please choose a shorter "
                               "period."))
    return Period(PeriodKind.DATES, first, last)


class ReportRefused(Exception):
    """The role may not see this report (`access` says why)."""

    def __init__(self, access: Access) -> None:
        super().__init__(access.value)
        self.access = access


def report_scope(role: Role, library_id: int | None = None) -> frozenset[int] | None:
    """The libraries the role's report covers: one of theirs when asked for, else all of
    theirs (an admin: everything). Another library's report is refused."""
    if not role.organizer:
        raise ReportRefused(Access.NOT_ORGANIZER)
    if library_id is None:
        return role.scope
    if not role.manages(library_id):
        raise ReportRefused(Access.OTHER_LIBRARY)
    return frozenset({library_id})


# --- figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    month: date  # the first day of the month, in the organizer's zone
    events: int
    registered: int
    came: int


@dataclass(frozen=True)
class BranchRow:
    library: str | None  # None: events without a library (the admins')
    events: int
    registered: int
    came: int
    no_shows: int


@dataclass(frozen=True)
class ProgrammeRow:
    programme: str | None  # None: events of no programme
    events: int
    registered: int
    came: int


@dataclass(frozen=True)
class PlaceRow:
    name: str | None  # as the first reader typed it; None: not known
    came: int
    readers: int


@dataclass(frozen=True)
class AgeRow:
    band: AgeBand | None  # None: age not known
    came: int


@dataclass(frozen=True)
class PartnerRow:
    library: str
    city: str
    events: int


@dataclass(frozen=True)
class ContestRow:
    titles: dict[str, str]
    closes_at: datetime
    entries: int
    countries: int
    winners: int


@dataclass(frozen=True)
class Report:
    period: Period
    zone: tzinfo
    # Names of the libraries covered; empty: all of them (an admin's report).
    libraries: tuple[str, ...]
    events: int
    by_kind: dict[str, int]  # kind -> held events, most first (ties in EventKind order)
    by_month: tuple[MonthRow, ...]
    registered: int
    came: int
    no_shows: int
    waitlisted: int
    readers: int  # different readers registered
    readers_came: int  # different readers who came
    ratings: int  # 1-5 ratings given by readers who came (bot.services.feedback)
    average_rating: float | None
    under_18: int  # visits of readers younger than ADULT_AGE on the event's date
    countries: int  # different countries of those who came
    by_branch: tuple[BranchRow, ...]
    by_programme: tuple[ProgrammeRow, ...]
    by_country: tuple[PlaceRow, ...]
    by_city: tuple[PlaceRow, ...]
    by_age: tuple[AgeRow, ...]
    partners: tuple[PartnerRow, ...]
    partner_cities: int
    contests: tuple[ContestRow, ...]
    broadcasts: tuple[BroadcastFigures, ...]

    @property
    def empty(self) -> bool:
        return self.events == 0 and not self.contests and not self.broadcasts


def build_report(uow: UnitOfWork, period: Period, libraries: frozenset[int] | None,
                 zone: tzinfo, bands: tuple[AgeBand, ...], now: datetime) -> Report:
    """The figures of `period` (in `zone`) for `libraries` (None: all), as of `now`."""
    start, end = period.bounds(zone)
    window = Window(start, min(end, now), libraries)
    reports = uow.reports
    events = reports.events(window)
    readers, readers_came = reports.readers(window) if events else (0, 0)
    ratings, average_rating = reports.ratings(window) if events else (0, None)
    places = reports.places(window) if events else []
    ages = reports.ages(window) if events else []
    contests = reports.contests(Window(start, end, libraries))
    countries_of: dict[int, set[str]] = defaultdict(set)
    for contest_id, country in reports.contest_countries([c.contest_id for c in contests]):
        countries_of[contest_id].add(_fold(country))
    named = reports.library_names({e.library_id for e in events if e.library_id is not None}
                                  | set(libraries or ()))
    by_country = _places((country, came, people) for country, _city, came, people in places)
    partners = reports.partners(window) if events else []
    return Report(
        period=period, zone=zone,
        libraries=tuple(sorted(named[i] for i in libraries or () if i in named)),
        events=len(events),
        by_kind=_count_by(e.kind for e in events),
        by_month=_months(events, zone),
        registered=sum(e.registered for e in events),
        came=sum(e.came for e in events),
        no_shows=sum(e.no_shows for e in events),
        waitlisted=sum(e.waitlisted for e in events),
        readers=readers, readers_came=readers_came,
        ratings=ratings, average_rating=average_rating,
        under_18=sum(visits for age, visits in ages if age is not None and age < ADULT_AGE),
        countries=sum(1 for row in by_country if row.name is not None),
        by_branch=_branches(events, named),
        by_programme=_programmes(events, reports.programme_names(
            {e.programme_id for e in events if e.programme_id is not None})),
        by_country=by_country,
        by_city=_places((city, came, people) for _country, city, came, people in places),
        by_age=_ages(ages, bands),
        partners=tuple(PartnerRow(name, city, count) for name, city, count in sorted(
            partners, key=lambda row: (-row[2], row[0], row[1]))),
        partner_cities=len({_fold(city) for _name, city, _count in partners}),
        contests=tuple(ContestRow(c.titles, c.closes_at, c.entries,
                                  len(countries_of[c.contest_id]), c.winners) for c in contests),
        broadcasts=tuple(reports.broadcasts(Window(start, end, libraries))),
    )


def _fold(text: str) -> str:
    """Places typed by readers: "Karaganda", " karaganda" and "KARAGANDA" are one."""
    return " ".join(text.split()).casefold()


def _count_by(kinds: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for kind in kinds:
        counts[kind] = counts.get(kind, 0) + 1
    order: dict[str, int] = {kind: index for index, kind in enumerate(EventKind)}
    return dict(sorted(counts.items(),
                       key=lambda item: (-item[1], order.get(item[0], len(order)), item[0])))


def _months(events: list[EventFigures], zone: tzinfo) -> tuple[MonthRow, ...]:
    months: dict[date, list[EventFigures]] = defaultdict(list)
    for event in events:
        months[event.starts_at.astimezone(zone).date().replace(day=1)].append(event)
    return tuple(MonthRow(month, len(held), sum(e.registered for e in held),
                          sum(e.came for e in held)) for month, held in sorted(months.items()))


def _branches(events: list[EventFigures], names: dict[int, str]) -> tuple[BranchRow, ...]:
    groups: dict[int | None, list[EventFigures]] = defaultdict(list)
    for event in events:
        groups[event.library_id].append(event)
    rows = [BranchRow(None if key is None else names.get(key), len(held),
                      sum(e.registered for e in held), sum(e.came for e in held),
                      sum(e.no_shows for e in held)) for key, held in groups.items()]
    return tuple(sorted(rows, key=lambda row: (-row.came, -row.events, row.library or "")))


def _programmes(events: list[EventFigures],
                names: dict[int, str]) -> tuple[ProgrammeRow, ...]:
    """Events by programme, most came first; events of no programme last."""
    groups: dict[int | None, list[EventFigures]] = defaultdict(list)
    for event in events:
        groups[event.programme_id].append(event)
    rows = [ProgrammeRow(None if key is None else names.get(key), len(held),
                         sum(e.registered for e in held), sum(e.came for e in held))
            for key, held in groups.items()]
    return tuple(sorted(rows, key=lambda row: (row.programme is None, -row.came, -row.events,
                                               row.programme or "")))


def _places(rows: Iterable[tuple[str | None, int, int]]) -> tuple[PlaceRow, ...]:
    """Merged by their folded spelling, named as first typed. Readers add up exactly across
    the database's (country, city) groups: a reader has one profile, so one group."""
    merged: dict[str | None, list[int]] = {}
    names: dict[str | None, str | None] = {}
    for name, came, readers in rows:
        key = _fold(name) if name and name.strip() else None
        names.setdefault(key, " ".join(name.split()) if key is not None and name else None)
        totals = merged.setdefault(key, [0, 0])
        totals[0] += came
        totals[1] += readers
    ordered = sorted(merged.items(), key=lambda item: (item[0] is None, -item[1][0],
                                                        item[0] or ""))
    return tuple(PlaceRow(names[key], came, readers) for key, (came, readers) in ordered)


def _ages(ages: list[tuple[int | None, int]], bands: tuple[AgeBand, ...]) -> tuple[AgeRow, ...]:
    counts = dict.fromkeys(bands, 0)
    unknown = 0
    for age, visits in ages:
        band = None if age is None or age < 0 else next((b for b in bands if b.holds(age)), None)
        if band is None:
            unknown += visits
        else:
            counts[band] += visits
    return (*(AgeRow(band, came) for band, came in counts.items()), AgeRow(None, unknown))


def library_by_name(uow: UnitOfWork, name: str) -> int | None:
    """For `kopir report --library NAME`: the library's id, None when there is none."""
    library = uow.organizers.library_named(name)
    return None if library is None else library.id


def report_for(uow: UnitOfWork, role: Role, period: Period, zone: tzinfo,
               bands: tuple[AgeBand, ...], now: datetime,
               library_id: int | None = None) -> Report:
    """`role`'s report: their libraries (one of them when `library_id` is given; an admin's:
    all); `ReportRefused` for a reader, a juror or another library's organizer."""
    return build_report(uow, period, report_scope(role, library_id), zone, bands, now)


def period_choice(choice: str, today: date) -> Period | None:
    """A period button's period, counted from `today` (in the organizer's zone); None for
    data no button carries."""
    choices = {
        "q": lambda: quarter_of(today),
        "pq": lambda: quarter_of(today, back=1),
        "9m": lambda: nine_months_of(today.year),
        "y": lambda: year_of(today.year),
        "py": lambda: year_of(today.year - 1),
    }
    made = choices.get(choice)
    return None if made is None else made()
