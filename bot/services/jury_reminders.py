"""Reminders to jurors before the jury deadline: JURY_REMINDER rows in the outbox.

One row per juror and offset (`contest.jury_reminder_offsets`, minutes before
`contest.jury_deadline`); the delivery side renders them with the juror's
progress and skips them when the juror has finished.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.contest_models import Contest
from storage.models import Notification, NotificationKind, NotificationStatus
from storage.uow import UnitOfWork


def jury_reminder_key(contest_id: int, juror_id: int, offset: int) -> str:
    return f"jury_reminder:{contest_id}:{juror_id}:{offset}"


def plan_jury_reminders(uow: UnitOfWork, contest: Contest, now: datetime) -> None:
    """One JURY_REMINDER row per juror and offset before the jury deadline.

    Called again after the deadline or the offsets change: pending rows move
    (or go, when their new time has passed or their offset was removed).
    """
    existing = {row.dedupe_key: row for row in uow.jury.jury_reminders(contest.id)}
    wanted: set[str] = set()
    for _juror, user in uow.jury.jurors(contest.id):
        wanted |= plan_for_juror(uow, contest, user.id, now, existing)
    for key, row in existing.items():
        if key not in wanted and row.status == NotificationStatus.PENDING:
            uow.jury.delete(row)


def plan_for_juror(
    uow: UnitOfWork,
    contest: Contest,
    juror_id: int,
    now: datetime,
    existing: dict[str, Notification] | None = None,
) -> set[str]:
    if contest.jury_deadline is None:
        return set()
    keys = set()
    for offset in contest.jury_reminder_offsets:
        key = jury_reminder_key(contest.id, juror_id, offset)
        due_at = contest.jury_deadline - timedelta(minutes=offset)
        row = existing.get(key) if existing is not None else uow.notifications.by_key(key)
        if row is not None:
            keys.add(key)
            if row.status == NotificationStatus.PENDING and row.due_at != due_at:
                if due_at > now:
                    row.due_at = row.next_attempt_at = due_at
                    # A row moved by UPDATE: the sender re-reads its next due time.
                    uow.outbox_changed()
                else:
                    uow.jury.delete(row)
            continue
        if due_at <= now:
            continue
        keys.add(key)
        uow.notifications.add(Notification(
            dedupe_key=key, kind=NotificationKind.JURY_REMINDER, user_id=juror_id,
            contest_id=contest.id, offset_minutes=offset, due_at=due_at,
            next_attempt_at=due_at, created_at=now,
        ))
    return keys
