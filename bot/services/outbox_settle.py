"""Recording what Telegram answered for claimed outbox rows (see `bot.services.outbox`).

Every function takes a row the sender claimed and still holds: a row that was
rescheduled meanwhile (back to pending) or taken over by another sender after
its lease lapsed (`owner` differs) is left as it is, and the function says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.services import users
from storage.models import Notification, NotificationStatus
from storage.uow import UnitOfWork

log = logging.getLogger("bot.services.outbox")

# After this many claims a row is given up (network errors, crashes mid-send).
MAX_ATTEMPTS = 5
FIRST_RETRY_DELAY = timedelta(seconds=30)
LONGEST_RETRY_DELAY = timedelta(minutes=15)


class Result(StrEnum):
    """What became of one send, as the engine reports it to `settle`."""

    SENT = "sent"
    RETRY = "retry"  # network trouble: pending again with backoff (or failed when worn out)
    RELEASE = "release"  # flood control: pending again at `retry_at`, attempt given back
    BLOCKED = "blocked"
    FAILED = "failed"
    UNCERTAIN = "uncertain"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Outcome:
    row_id: int
    result: Result
    message_id: int | None = None
    error: str = ""
    retry_at: datetime | None = None


def settle(uow: UnitOfWork, outcomes: Sequence[Outcome], now: datetime, owner: str) -> None:
    """Record a batch of answers in one unit of work (the caller commits). Sent rows,
    nearly all of them, are written in one statement."""
    uow.notifications.record_sent(
        [(o.row_id, o.message_id) for o in outcomes if o.result == Result.SENT], now, owner
    )
    for outcome in outcomes:
        row_id, error = outcome.row_id, outcome.error
        match outcome.result:
            case Result.SENT:
                continue
            case Result.RETRY:
                mark_retry(uow, row_id, now, error, owner=owner)
            case Result.RELEASE:
                release(uow, row_id, outcome.retry_at or now, error, owner=owner)
            case Result.BLOCKED:
                mark_blocked(uow, row_id, now, error, owner=owner)
            case Result.UNCERTAIN:
                mark_uncertain(uow, row_id, error, owner=owner)
            case Result.CANCELLED:
                mark_cancelled(uow, row_id, owner=owner)
            case _:
                mark_failed(uow, row_id, error, owner=owner)


def mark_sent(
    uow: UnitOfWork, notification_id: int, message_id: int, now: datetime,
    *, owner: str | None = None,
) -> bool:
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return False
    row.status = NotificationStatus.SENT
    row.telegram_message_id = message_id
    row.sent_at = now
    row.last_error = None
    row.claimed_until = None
    return True


def mark_retry(
    uow: UnitOfWork, notification_id: int, now: datetime, error: str,
    *, owner: str | None = None,
) -> str | None:
    """A send that may succeed later (network trouble): back to pending with a growing
    delay, or failed once `MAX_ATTEMPTS` are used. Returns the new status."""
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return None
    if row.attempts >= MAX_ATTEMPTS:
        finish(row, NotificationStatus.FAILED, error)
        return row.status
    back_to_pending(row, now + retry_delay(row.attempts))
    row.last_error = error[:500]
    return row.status


def retry_delay(attempts: int) -> timedelta:
    factor: float = 2 ** (attempts - 1)
    return min(FIRST_RETRY_DELAY * factor, LONGEST_RETRY_DELAY)


def release(
    uow: UnitOfWork, notification_id: int, retry_at: datetime, error: str,
    *, owner: str | None = None,
) -> bool:
    """Telegram refused to take the message yet (flood control), or its broadcast was
    paused: pending again, and the attempt is given back, since nothing was tried."""
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return False
    back_to_pending(row, retry_at)
    row.attempts = max(row.attempts - 1, 0)
    row.last_error = error[:500] or None
    return True


def mark_blocked(
    uow: UnitOfWork, notification_id: int, now: datetime, error: str,
    *, owner: str | None = None,
) -> bool:
    """The reader blocked the bot or deleted their account: no retry, and their later
    rows are not even tried (`claim_due` sees `users.blocked_at`)."""
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return False
    users.mark_blocked(uow, row.user_id, now)
    finish(row, NotificationStatus.BLOCKED, error)
    return True


def mark_failed(
    uow: UnitOfWork, notification_id: int, error: str, *, owner: str | None = None
) -> bool:
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return False
    finish(row, NotificationStatus.FAILED, error)
    return True


def mark_uncertain(
    uow: UnitOfWork, notification_id: int, error: str, *, owner: str | None = None
) -> bool:
    """The request went out and no answer came: it may have arrived; not sent again."""
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return False
    finish(row, NotificationStatus.UNCERTAIN, error)
    return True


def mark_cancelled(uow: UnitOfWork, notification_id: int, *, owner: str | None = None) -> bool:
    row = sending_row(uow, notification_id, owner)
    if row is None:
        return False
    finish(row, NotificationStatus.CANCELLED, "the broadcast was cancelled")
    return True


def sending_row(uow: UnitOfWork, notification_id: int, owner: str | None) -> Notification | None:
    """The row if it is still ours to settle. Rescheduling may have put it back to
    pending meanwhile (the event moved), or another sender may have taken over a
    lapsed claim; then the new plan stands."""
    row = uow.notifications.get(notification_id)
    if (
        row is None
        or row.status != NotificationStatus.SENDING
        or (owner is not None and row.claimed_by != owner)
    ):
        log.info("notification %s changed while it was being sent", notification_id)
        return None
    return row


def back_to_pending(row: Notification, next_attempt_at: datetime) -> None:
    row.status = NotificationStatus.PENDING
    row.next_attempt_at = next_attempt_at
    row.claimed_by = None
    row.claimed_until = None


def finish(row: Notification, status: NotificationStatus, reason: str) -> None:
    row.status = status
    row.last_error = reason[:500]
    row.claimed_until = None
