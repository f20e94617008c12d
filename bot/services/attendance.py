"""Who came: a reader's Join press on an online event, and the organizer's marks.

Attendance is the report's "охват", so it is recorded once and kept: the first
Join (or mark) keeps its time, and a reader who cancelled but joined anyway
counts as came (`Registration.attended_at` is kept whatever the status).
The door's check-in of offline events writes the same columns (`AttendedHow`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.models import AttendedHow, Event, Registration, RegistrationStatus
from storage.uow import Database, UnitOfWork

SHEET_PAGE_SIZE = 10


class JoinResult(StrEnum):
    GIVEN = "given"  # attendance recorded (or already was), the link is the reader's
    TOO_EARLY = "too_early"  # the link is shown from `opens_at`
    OVER = "over"
    CANCELLED = "cancelled"  # the event was cancelled
    WAITLISTED = "waitlisted"
    NOT_REGISTERED = "not_registered"
    NO_LINK = "no_link"  # the organizers have not added it yet
    GONE = "gone"  # the event no longer exists


@dataclass(frozen=True)
class JoinOutcome:
    result: JoinResult
    event: Event | None = None
    link: str | None = None
    opens_at: datetime | None = None


def ends_at(event: Event) -> datetime:
    return event.starts_at + timedelta(minutes=event.duration_minutes)


def opens_at(event: Event, lead: timedelta) -> datetime:
    """From when a registrant may join: the join-link lead time before the start."""
    return event.starts_at - lead


def can_join(event: Event, now: datetime, lead: timedelta) -> bool:
    """Whether Join is offered now: a link, within the lead time, not yet over."""
    return (bool(event.link) and event.cancelled_at is None
            and opens_at(event, lead) <= now < ends_at(event))


def join(db: Database, event_id: int, user_id: int, now: datetime,
         lead: timedelta) -> JoinOutcome:
    """The reader pressed Join: record that they came (once) and give the link."""
    with db.uow() as uow:
        outcome = _join(uow, event_id, user_id, now, lead)
        uow.commit()
    return outcome


def _join(uow: UnitOfWork, event_id: int, user_id: int, now: datetime,
          lead: timedelta) -> JoinOutcome:
    event = uow.events.get(event_id)
    if event is None:
        return JoinOutcome(JoinResult.GONE)
    if event.cancelled_at is not None:
        return JoinOutcome(JoinResult.CANCELLED, event)
    if now >= ends_at(event):
        return JoinOutcome(JoinResult.OVER, event)
    registration = uow.registrations.get(event_id, user_id)
    if registration is None:
        return JoinOutcome(JoinResult.NOT_REGISTERED, event)
    if registration.status == RegistrationStatus.WAITLISTED:
        return JoinOutcome(JoinResult.WAITLISTED, event)
    # REGISTERED, or CANCELLED pressing Join on an older reminder: coming anyway counts.
    if not event.link:
        return JoinOutcome(JoinResult.NO_LINK, event)
    if now < opens_at(event, lead):
        return JoinOutcome(JoinResult.TOO_EARLY, event, opens_at=opens_at(event, lead))
    record_attendance(registration, AttendedHow.JOINED, now)
    return JoinOutcome(JoinResult.GIVEN, event, link=event.link)


def record_attendance(registration: Registration, how: AttendedHow, now: datetime) -> None:
    if registration.attended_at is None:
        registration.attended_at = now
        registration.attended_how = how
        registration.updated_at = now


# --- the organizer's sheet -----------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    registration_id: int
    name: str
    library: str | None
    came: bool


@dataclass(frozen=True)
class Sheet:
    """One page of who was expected or came, with the event's counts."""

    event: Event
    attendees: list[Attendee]
    page: int  # from 0
    pages: int
    first_number: int  # the page's first attendee's number in the whole list
    registered: int
    came: int
    # Registered and not seen; None while the event is not over (they may still come).
    no_show: int | None


class SheetUnavailable(LookupError):
    """The event is gone or was cancelled: nobody to mark."""


class MarkResult(StrEnum):
    DONE = "done"
    TOO_EARLY = "too_early"  # before the join-link lead time nobody can have come
    UNKNOWN = "unknown"  # no such registration for this event (forged or erased)


@dataclass(frozen=True)
class MarkOutcome:
    result: MarkResult
    opens_at: datetime | None = None


def sheet(uow: UnitOfWork, event_id: int, page: int, now: datetime) -> Sheet:
    """A page of the sheet; a page past the end (the list shrank) shows the last."""
    event = _live_event(uow, event_id)
    total = uow.registrations.count_on_sheet(event.id)
    pages = max(1, -(-total // SHEET_PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = uow.registrations.attendance_sheet(event.id, page * SHEET_PAGE_SIZE, SHEET_PAGE_SIZE)
    return Sheet(
        event=event,
        attendees=[
            Attendee(registration.id, user.full_name or user.first_name, user.library,
                     registration.attended_at is not None)
            for registration, user in rows
        ],
        page=page,
        pages=pages,
        first_number=page * SHEET_PAGE_SIZE + 1,
        registered=uow.registrations.count(event.id, RegistrationStatus.REGISTERED),
        came=uow.registrations.count_came(event.id),
        no_show=uow.registrations.count_no_show(event.id) if now >= ends_at(event) else None,
    )


def mark(db: Database, event_id: int, registration_id: int, came: bool, now: datetime,
         lead: timedelta) -> MarkOutcome:
    """The organizer marks a registrant as came, or takes the mark back.

    Marking someone already seen keeps the first time and how; unmarking clears it
    whatever recorded it (the organizer knows who was really there)."""
    with db.uow() as uow:
        event = _live_event(uow, event_id)
        registration = uow.registrations.by_id(registration_id)
        if registration is None or registration.event_id != event.id:
            return MarkOutcome(MarkResult.UNKNOWN)
        if now < opens_at(event, lead):
            return MarkOutcome(MarkResult.TOO_EARLY, opens_at(event, lead))
        if came:
            record_attendance(registration, AttendedHow.MARKED, now)
        elif registration.attended_at is not None:
            registration.attended_at = None
            registration.attended_how = None
            registration.updated_at = now
        uow.commit()
    return MarkOutcome(MarkResult.DONE)


def _live_event(uow: UnitOfWork, event_id: int) -> Event:
    event = uow.events.get(event_id)
    if event is None or event.cancelled_at is not None:
        raise SheetUnavailable(event_id)
    return event
