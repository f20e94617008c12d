"""The report's figures as aggregate queries (/report, `kopir report`, bench/report.py).

Every query is a GROUP BY over the events held in a window (started in [start, end), not
cancelled), optionally of some libraries: the database adds up 200,000 registrations, the
service only sorts and bands a few hundred groups. Only queries here; what the figures
mean is `bot.services.report`.

Not here yet (issue 12): feedback (ratings), programmes and offline events have no tables
or columns; each will be one more query of this shape over `_held`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, and_, case, distinct, extract, func, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from storage.broadcast_models import Broadcast
from storage.contest_models import Contest, ContestResult, Entry, EntryStatus
from storage.feedback_models import Feedback
from storage.models import (
    Event,
    Notification,
    NotificationStatus,
    Partner,
    Registration,
    RegistrationStatus,
    User,
)
from storage.org_models import Library, Organizer, Programme

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True)
class Window:
    """Events that started in [start, end) (aware UTC), of `libraries` (None: all)."""

    start: datetime
    end: datetime
    libraries: frozenset[int] | None = None


@dataclass(frozen=True)
class EventFigures:
    """One held event and its registrations, added up by the database."""

    event_id: int
    kind: str
    starts_at: datetime
    library_id: int | None
    registered: int  # had a seat, or came (a reader who cancelled and came anyway counts)
    came: int
    no_shows: int  # had a seat and did not come
    waitlisted: int
    programme_id: int | None = None


@dataclass(frozen=True)
class ContestFigures:
    contest_id: int
    titles: dict[str, str]
    closes_at: datetime
    library_id: int | None
    entries: int
    winners: int


@dataclass(frozen=True)
class BroadcastFigures:
    broadcast_id: int
    started_at: datetime
    audience_kind: str
    audience: int
    delivered: int


def _came() -> ColumnElement[bool]:
    return col(Registration.attended_at).is_not(None)


def _registered() -> ColumnElement[bool]:
    return or_(col(Registration.status) == RegistrationStatus.REGISTERED, _came())


def _age() -> ColumnElement[Any]:
    """Whole years from the birth date to the event's (UTC) date: the same SQL on SQLite
    (strftime) and PostgreSQL (EXTRACT), one group per age instead of a row per visit."""
    start, born = col(Event.starts_at), col(User.birth_date)
    before_birthday = (extract("month", start) * 100 + extract("day", start)
                       < extract("month", born) * 100 + extract("day", born))
    return (extract("year", start) - extract("year", born)
            - case((before_birthday, 1), else_=0))


class ReportRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _held(self, query: Query, window: Window) -> Query:
        query = query.where(
            col(Event.starts_at) >= window.start,
            col(Event.starts_at) < window.end,
            col(Event.cancelled_at).is_(None),
        )
        if window.libraries is not None:
            query = query.where(col(Event.library_id).in_(window.libraries))
        return query

    def events(self, window: Window) -> list[EventFigures]:
        """Every held event with its counts (events without registrations too)."""
        totals: Select[*tuple[Any, ...]] = (
            select(
                col(Registration.event_id).label("event_id"),
                func.sum(case((_registered(), 1), else_=0)).label("registered"),
                func.count(col(Registration.attended_at)).label("came"),
                func.sum(case((and_(col(Registration.status) == RegistrationStatus.REGISTERED,
                                    col(Registration.attended_at).is_(None)), 1),
                              else_=0)).label("no_shows"),
                func.sum(case((and_(col(Registration.status) == RegistrationStatus.WAITLISTED,
                                    col(Registration.attended_at).is_(None)), 1),
                              else_=0)).label("waitlisted"),
            )
            .join(Event, col(Event.id) == col(Registration.event_id))
        )
        counts = self._held(totals, window).group_by(col(Registration.event_id)).subquery()
        query = self._held(select(
            col(Event.id), col(Event.kind), col(Event.starts_at), col(Event.library_id),
            counts.c.registered, counts.c.came, counts.c.no_shows, counts.c.waitlisted,
            col(Event.programme_id),
        ).outerjoin(counts, counts.c.event_id == col(Event.id)), window).order_by(
            col(Event.starts_at), col(Event.id))
        return [EventFigures(row[0], row[1], row[2], row[3], int(row[4] or 0), int(row[5] or 0),
                             int(row[6] or 0), int(row[7] or 0), row[8])
                for row in self.session.execute(query)]

    def recent(self, window: Window, limit: int) -> list[Event]:
        """The held events of the window, the latest first (an organizer's past events)."""
        return list(self.session.scalars(
            self._held(select(Event), window)
            .order_by(col(Event.starts_at).desc(), col(Event.id).desc()).limit(limit)))

    def ratings(self, window: Window) -> tuple[int, float | None]:
        """(ratings given to held events, their average)."""
        query = self._held(select(func.count(col(Feedback.id)), func.avg(col(Feedback.rating)))
                           .join(Event, col(Event.id) == col(Feedback.event_id)), window)
        count, average = self.session.execute(query).one()
        return int(count or 0), None if average is None else float(average)

    def readers(self, window: Window) -> tuple[int, int]:
        """(readers registered for at least one held event, readers who came to one)."""
        query = self._held(select(
            func.count(distinct(case((_registered(), col(Registration.user_id))))),
            func.count(distinct(case((_came(), col(Registration.user_id))))),
        ).join(Event, col(Event.id) == col(Registration.event_id)), window)
        registered, came = self.session.execute(query).one()
        return int(registered or 0), int(came or 0)

    def places(self, window: Window) -> list[tuple[str | None, str | None, int, int]]:
        """(country, city, visits, readers) of those who came, as readers typed them (an
        erased reader's are None)."""
        query = self._held(select(
            col(User.country), col(User.city), func.count(), func.count(distinct(col(User.id))),
        ).select_from(Registration)
            .join(Event, col(Event.id) == col(Registration.event_id))
            .join(User, col(User.id) == col(Registration.user_id))
            .where(_came()), window).group_by(col(User.country), col(User.city))
        return [(row[0], row[1], int(row[2]), int(row[3])) for row in self.session.execute(query)]

    def ages(self, window: Window) -> list[tuple[int | None, int]]:
        """(age on the event's date, visits) of those who came; None: no birth date."""
        age = _age().label("age")
        query = self._held(select(age, func.count())
                           .select_from(Registration)
                           .join(Event, col(Event.id) == col(Registration.event_id))
                           .join(User, col(User.id) == col(Registration.user_id))
                           .where(_came()), window).group_by(age)
        return [(None if row[0] is None else int(row[0]), int(row[1]))
                for row in self.session.execute(query)]

    def partners(self, window: Window) -> list[tuple[str, str, int]]:
        """(partner library, its city, held events with it)."""
        query = self._held(select(
            col(Partner.name), col(Partner.city), func.count(distinct(col(Partner.event_id))),
        ).join(Event, col(Event.id) == col(Partner.event_id)), window).group_by(
            col(Partner.name), col(Partner.city))
        return [(row[0], row[1], int(row[2])) for row in self.session.execute(query)]

    def library_names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        query = select(col(Library.id), col(Library.name)).where(col(Library.id).in_(ids))
        return {row[0]: row[1] for row in self.session.execute(query)}

    def programme_names(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        query = select(col(Programme.id), col(Programme.name)).where(col(Programme.id).in_(ids))
        return {row[0]: row[1] for row in self.session.execute(query)}

    def contests(self, window: Window) -> list[ContestFigures]:
        """Contests that closed in the window (results are known then), with their entries
        (withdrawn ones left out) and winners."""
        entries = (select(col(Entry.contest_id).label("contest_id"),
                          func.count().label("entries"))
                   .where(col(Entry.status) == EntryStatus.SUBMITTED)
                   .group_by(col(Entry.contest_id)).subquery())
        winners = (select(col(ContestResult.contest_id).label("contest_id"),
                          func.count().label("winners"))
                   .where(col(ContestResult.winner).is_(True))
                   .group_by(col(ContestResult.contest_id)).subquery())
        query = (select(col(Contest.id), col(Contest.titles), col(Contest.closes_at),
                        col(Contest.library_id), entries.c.entries, winners.c.winners)
                 .outerjoin(entries, entries.c.contest_id == col(Contest.id))
                 .outerjoin(winners, winners.c.contest_id == col(Contest.id))
                 .where(col(Contest.closes_at) >= window.start,
                        col(Contest.closes_at) < window.end)
                 .order_by(col(Contest.closes_at), col(Contest.id)))
        if window.libraries is not None:
            query = query.where(col(Contest.library_id).in_(window.libraries))
        return [ContestFigures(row[0], dict(row[1] or {}), row[2], row[3], int(row[4] or 0),
                               int(row[5] or 0)) for row in self.session.execute(query)]

    def contest_countries(self, contest_ids: list[int]) -> list[tuple[int, str]]:
        """(contest, country as typed) of each entrant with a country, once per pair."""
        if not contest_ids:
            return []
        query = (select(col(Entry.contest_id), col(User.country)).distinct()
                 .join(User, col(User.id) == col(Entry.user_id))
                 .where(col(Entry.contest_id).in_(contest_ids),
                        col(Entry.status) == EntryStatus.SUBMITTED,
                        col(User.country).is_not(None)))
        return [(row[0], row[1]) for row in self.session.execute(query)]

    def broadcasts(self, window: Window) -> list[BroadcastFigures]:
        """Announcements that started in the window; of `libraries`' organizers when given
        (announcements belong to whoever wrote them, as in /broadcasts)."""
        delivered = (select(col(Notification.broadcast_id).label("broadcast_id"),
                            func.count().label("delivered"))
                     .where(col(Notification.broadcast_id).is_not(None),
                            col(Notification.status) == NotificationStatus.SENT)
                     .group_by(col(Notification.broadcast_id)).subquery())
        query = (select(col(Broadcast.id), col(Broadcast.started_at), col(Broadcast.audience),
                        col(Broadcast.total), delivered.c.delivered)
                 .outerjoin(delivered, delivered.c.broadcast_id == col(Broadcast.id))
                 .where(col(Broadcast.started_at) >= window.start,
                        col(Broadcast.started_at) < window.end)
                 .order_by(col(Broadcast.started_at), col(Broadcast.id)))
        if window.libraries is not None:
            creators = select(col(Organizer.user_id)).where(
                col(Organizer.library_id).in_(window.libraries))
            query = query.where(col(Broadcast.created_by).in_(creators))
        return [BroadcastFigures(row[0], row[1], str((row[2] or {}).get("kind", "")),
                                 int(row[3] or 0), int(row[4] or 0))
                for row in self.session.execute(query)]
