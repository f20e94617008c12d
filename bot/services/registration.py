"""Registering for events, the waiting list, cancelling and promotion.

A seat freed by a cancellation (or by a larger capacity) goes to the first in
the waiting list automatically: their status changes, their reminders are
planned and a PROMOTED notice is queued in the outbox, all in the caller's
unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.services.notifications import drop_reminders, enqueue_notice, plan_reminders
from storage.models import Event, NotificationKind, Registration, RegistrationStatus
from storage.uow import Database, UnitOfWork

REGISTERED = "registered"
WAITLISTED = "waitlisted"
ALREADY_REGISTERED = "already_registered"
ALREADY_WAITLISTED = "already_waitlisted"


class EventUnavailable(LookupError):
    """The event is missing, cancelled or has already started."""


class ProfileRequired(Exception):
    """The reader has to fill in the profile (with consent) before a first registration."""


class EventFull(Exception):
    """No seat is free and the reader did not ask for the waiting list."""

    def __init__(self, event: Event) -> None:
        super().__init__(f"event {event.id} is full")
        self.event = event


class NotRegistered(LookupError):
    """Nothing to cancel: the reader holds neither a seat nor a waiting-list place."""


@dataclass(frozen=True)
class RegistrationOutcome:
    status: str  # registered | waitlisted | already_registered | already_waitlisted
    event: Event
    position_in_waitlist: int | None = None


def available_event(uow: UnitOfWork, event_id: int, now: datetime) -> Event:
    """The event, if readers can still register for it or leave it."""
    event = uow.events.get(event_id)
    if event is None or event.cancelled_at is not None or event.starts_at <= now:
        raise EventUnavailable(event_id)
    return event


def seats_left(uow: UnitOfWork, event: Event) -> int | None:
    """Free seats, or None when the event has no limit."""
    if event.capacity is None:
        return None
    taken = uow.registrations.count(event.id, RegistrationStatus.REGISTERED)
    return max(0, event.capacity - taken)


def waitlist_position(uow: UnitOfWork, event_id: int, user_id: int) -> int | None:
    return uow.registrations.waitlist_position(event_id, user_id)


def register(
    uow: UnitOfWork, event_id: int, user_id: int, now: datetime, *, waitlist: bool = True
) -> RegistrationOutcome:
    """Take a seat, or a waiting-list place when the event is full.

    With `waitlist=False` a full event raises `EventFull`, so the reader can be
    asked whether they want the waiting list instead of being put there.
    """
    # Locks the event row on PostgreSQL so two readers cannot take the last seat.
    uow.session.get(Event, event_id, with_for_update=True)
    event = available_event(uow, event_id, now)
    user = uow.users.get(user_id)
    if user is None or not user.has_profile:
        raise ProfileRequired(user_id)
    existing = uow.registrations.get(event_id, user_id)
    if existing is not None and existing.status == RegistrationStatus.REGISTERED:
        return RegistrationOutcome(ALREADY_REGISTERED, event)
    if existing is not None and existing.status == RegistrationStatus.WAITLISTED:
        position = waitlist_position(uow, event_id, user_id)
        return RegistrationOutcome(ALREADY_WAITLISTED, event, position)

    free = seats_left(uow, event)
    has_seat = free is None or free > 0
    if not has_seat and not waitlist:
        raise EventFull(event)
    status = RegistrationStatus.REGISTERED if has_seat else RegistrationStatus.WAITLISTED
    if existing is None:
        uow.registrations.add(
            Registration(
                event_id=event_id,
                user_id=user_id,
                status=status,
                queued_at=now,
                created_at=now,
                updated_at=now,
            )
        )
    else:
        # Coming back after cancelling: to the end of the line, like anyone new.
        existing.status = status
        existing.queued_at = now
        existing.updated_at = now
    uow.flush()
    if has_seat:
        plan_reminders(uow, event, user_id, now)
        return RegistrationOutcome(REGISTERED, event)
    return RegistrationOutcome(WAITLISTED, event, waitlist_position(uow, event_id, user_id))


def register_reader(
    db: Database, event_id: int, user_id: int, now: datetime, *, waitlist: bool
) -> RegistrationOutcome:
    """`register` in a unit of work of its own (the reader's press on Register)."""
    with db.uow() as uow:
        outcome = register(uow, event_id, user_id, now, waitlist=waitlist)
        uow.commit()
    return outcome


@dataclass(frozen=True)
class Cancellation:
    previous: RegistrationStatus | None
    event: Event
    promoted: list[int]


def cancel_reader(db: Database, event_id: int, user_id: int, now: datetime) -> Cancellation:
    """`cancel_registration` in a unit of work of its own (the reader's Cancel)."""
    with db.uow() as uow:
        # The same lock as `register`: a seat freed and a seat taken at one moment
        # must not both count it.
        uow.session.get(Event, event_id, with_for_update=True)
        previous = status_of(uow, event_id, user_id)
        promoted = cancel_registration(uow, event_id, user_id, now)
        event = available_event(uow, event_id, now)
        uow.commit()
    return Cancellation(previous, event, promoted)


def cancel_registration(uow: UnitOfWork, event_id: int, user_id: int, now: datetime) -> list[int]:
    """Give up a seat or a waiting-list place; returns the ids of readers promoted."""
    event = available_event(uow, event_id, now)
    registration = uow.registrations.get(event_id, user_id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        raise NotRegistered(event_id)
    held_seat = registration.status == RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.updated_at = now
    drop_reminders(uow, event_id, user_id)
    uow.flush()
    return fill_free_seats(uow, event, now) if held_seat else []


def fill_free_seats(uow: UnitOfWork, event: Event, now: datetime) -> list[int]:
    """Promote the first in line while seats are free; returns their ids."""
    if event.cancelled_at is not None or event.starts_at <= now:
        return []
    promoted: list[int] = []
    while True:
        free = seats_left(uow, event)
        if free is not None and free <= 0:
            break
        first = uow.registrations.first_waitlisted(event.id)
        if first is None:
            break
        first.status = RegistrationStatus.REGISTERED
        first.updated_at = now
        uow.flush()
        plan_reminders(uow, event, first.user_id, now)
        # The place in line identifies this promotion: a reader promoted again
        # after re-joining the line is told again.
        enqueue_notice(
            uow,
            NotificationKind.PROMOTED,
            event,
            first.user_id,
            now,
            occasion=first.queued_at.isoformat(),
        )
        promoted.append(first.user_id)
    return promoted


def status_of(uow: UnitOfWork, event_id: int, user_id: int) -> RegistrationStatus | None:
    """The reader's active status for an event (None when not registered at all)."""
    registration = uow.registrations.get(event_id, user_id)
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return None
    return RegistrationStatus(registration.status)
