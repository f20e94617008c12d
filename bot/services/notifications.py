"""Putting reminders and notices into the outbox (`Notification` rows).

Only rows are written here; `bot.delivery.engine` sends them. Each row has a
`dedupe_key` naming the logical message, so planning twice changes nothing and
a message confirmed sent is never planned again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from storage.models import (
    Event,
    Notification,
    NotificationKind,
    NotificationStatus,
    RegistrationStatus,
)
from storage.uow import UnitOfWork

DEFAULT_REMINDER_OFFSETS = (24 * 60, 60, 0)


def reminder_key(event_id: int, user_id: int, offset_minutes: int) -> str:
    return f"reminder:{event_id}:{user_id}:{offset_minutes}"


def plan_reminders(uow: UnitOfWork, event: Event, user_id: int, now: datetime) -> None:
    """Create (or move) one reminder row per offset of `event` for a registered reader.

    Offsets whose time has already passed when the reader registers are not
    created: someone registering 30 minutes before the start needs no 24-hour
    reminder. Reminders already sent stay sent.
    """
    for offset in event.reminder_offsets:
        due_at = event.starts_at - timedelta(minutes=offset)
        existing = uow.notifications.by_key(reminder_key(event.id, user_id, offset))
        if existing is not None:
            if existing.status == NotificationStatus.PENDING:
                existing.due_at = existing.next_attempt_at = due_at
            continue
        if due_at < now:
            continue
        uow.notifications.add(
            Notification(
                dedupe_key=reminder_key(event.id, user_id, offset),
                kind=NotificationKind.REMINDER,
                user_id=user_id,
                event_id=event.id,
                offset_minutes=offset,
                due_at=due_at,
                next_attempt_at=due_at,
                created_at=now,
            )
        )


def drop_reminders(uow: UnitOfWork, event_id: int, user_id: int | None = None) -> int:
    """Remove pending reminders of one reader (or of everyone) for an event."""
    return uow.notifications.delete_pending_reminders(event_id, user_id)


def replan_event_reminders(uow: UnitOfWork, event: Event, now: datetime) -> None:
    """After the start time or the offsets changed: move every registrant's reminders.

    A reminder already sent for the old time is sent again for the new one when
    its new time is still ahead: the reader needs to hear the new time.
    """
    configured = set(event.reminder_offsets)
    for reminder in uow.notifications.reminders(event.id):
        pending = reminder.status == NotificationStatus.PENDING
        if pending and reminder.offset_minutes not in configured:
            uow.session.delete(reminder)
            continue
        due_at = event.starts_at - timedelta(minutes=reminder.offset_minutes or 0)
        if reminder.status == NotificationStatus.PENDING or due_at > now:
            reminder.status = NotificationStatus.PENDING
            reminder.due_at = reminder.next_attempt_at = due_at
            reminder.attempts = 0
            reminder.sent_at = None
    for registration in uow.registrations.for_event(event.id, RegistrationStatus.REGISTERED):
        plan_reminders(uow, event, registration.user_id, now)


def enqueue_notice(
    uow: UnitOfWork,
    kind: NotificationKind,
    event: Event,
    user_id: int,
    now: datetime,
    *,
    occasion: str,
    payload: dict[str, Any] | None = None,
) -> bool:
    """Queue a one-off message (event changed or cancelled, promoted from the waiting list);
    whether it was queued now (False: it was already).

    `occasion` distinguishes repeated notices of the same kind (the event's
    revision, the time of a promotion), so each one is sent exactly once.
    """
    key = f"{kind}:{event.id}:{user_id}:{occasion}"
    if uow.notifications.by_key(key) is not None:
        return False
    uow.notifications.add(
        Notification(
            dedupe_key=key,
            kind=kind,
            user_id=user_id,
            event_id=event.id,
            payload=payload or {},
            due_at=now,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True
