"""Check-in at the door of an offline event: the organizer shows a QR code of the deep
link `/start checkin_<token>`, and each reader who scans it is recorded as came.

One token per event, shown to everyone at the door: readers are told apart by their own
Telegram id, so a token passed on to a friend checks in the friend (who did come, or
will have to be let in by the organizer anyway). The token is made on the organizer's
first ask and never changes, so a printed code stays valid.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.services.attendance import ends_at, record_attendance
from storage.models import AttendedHow, Event, EventKind, Registration, RegistrationStatus
from storage.uow import Database, UnitOfWork

# The door opens an hour before the start: readers come early to take a seat.
CHECKIN_LEAD = timedelta(hours=1)
# `secrets.token_urlsafe(24)`: 32 characters, within a deep link's 64.
TOKEN_BYTES = 24


class CheckinResult(StrEnum):
    CHECKED_IN = "checked_in"  # recorded now (and registered on the spot if need be)
    ALREADY = "already"  # scanned before: the first time is kept
    TOO_EARLY = "too_early"  # before `opens_at`
    OVER = "over"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"  # no event has this token: forged, mistyped, or the event is gone
    PROFILE_REQUIRED = "profile_required"  # not registered and no profile yet


@dataclass(frozen=True)
class CheckinOutcome:
    result: CheckinResult
    event: Event | None = None
    # When the reader was recorded as came (for ALREADY: the first scan).
    attended_at: datetime | None = None
    registered_now: bool = False
    opens_at: datetime | None = None  # TOO_EARLY: from when the code works


class NotOffline(ValueError):
    """Only events in a library building have a door to check in at."""


@dataclass(frozen=True)
class CheckinCode:
    event: Event
    token: str
    opens_at: datetime
    closes_at: datetime


def checkin_window(event: Event) -> tuple[datetime, datetime]:
    return event.starts_at - CHECKIN_LEAD, ends_at(event)


def checkin_code(db: Database, event_id: int, now: datetime) -> CheckinCode | None:
    """The event's check-in token, made on first ask; None if the event is gone or cancelled."""
    with db.uow() as uow:
        event = uow.events.get(event_id)
        if event is None or event.cancelled_at is not None:
            return None
        if event.kind != EventKind.OFFLINE:
            raise NotOffline(event_id)
        if event.checkin_token is None:
            event.checkin_token = secrets.token_urlsafe(TOKEN_BYTES)
            event.updated_at = now
        uow.commit()
        opens, closes = checkin_window(event)
        return CheckinCode(event, event.checkin_token, opens, closes)


def check_in(db: Database, token: str, user_id: int, now: datetime) -> CheckinOutcome:
    """The reader scanned the door's code: record that they came, once."""
    with db.uow() as uow:
        outcome = _check_in(uow, token, user_id, now)
        uow.commit()
    return outcome


def _check_in(uow: UnitOfWork, token: str, user_id: int, now: datetime) -> CheckinOutcome:
    event = uow.events.by_checkin_token(token)
    if event is None:
        return CheckinOutcome(CheckinResult.UNKNOWN)
    if event.cancelled_at is not None:
        return CheckinOutcome(CheckinResult.CANCELLED, event)
    opens, closes = checkin_window(event)
    if now >= closes:
        return CheckinOutcome(CheckinResult.OVER, event)
    if now < opens:
        return CheckinOutcome(CheckinResult.TOO_EARLY, event, opens_at=opens)
    registration = uow.registrations.get(event.id, user_id)
    if registration is not None and registration.attended_at is not None:
        return CheckinOutcome(CheckinResult.ALREADY, event, registration.attended_at)
    registered_now = False
    if registration is None:
        user = uow.users.get(user_id)
        if user is None or not user.has_profile:
            return CheckinOutcome(CheckinResult.PROFILE_REQUIRED, event)
        # Registered whatever the seats left: the reader is in the room already. The
        # registration is made here, not by `registration.register`, which refuses
        # events that have started, and no reminders are planned for an event under way.
        registration = uow.registrations.add(Registration(
            event_id=event.id, user_id=user_id, status=RegistrationStatus.REGISTERED,
            queued_at=now, created_at=now, updated_at=now))
        registered_now = True
    # Waiting list or cancelled, the reader came: that is what is counted.
    record_attendance(registration, AttendedHow.CHECKED_IN, now)
    uow.flush()
    return CheckinOutcome(CheckinResult.CHECKED_IN, event, now, registered_now)
