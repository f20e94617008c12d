"""Queries over broadcasts and their audiences. Never commits; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.contest_models import Contest, Entry, EntryStatus, Juror
from storage.db import OUTBOX_WRITTEN, rowcount
from storage.models import (
    Event,
    Notification,
    NotificationStatus,
    Registration,
    RegistrationStatus,
    User,
)

# Rows per INSERT when a broadcast's outbox rows are written: one statement per
# thousand recipients instead of one ORM object each.
INSERT_CHUNK = 1000
# Still to go out: waiting, or claimed by a sender and not yet answered.
UNSETTLED = (NotificationStatus.PENDING, NotificationStatus.SENDING)


class BroadcastRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, broadcast_id: int) -> Broadcast | None:
        return self.session.get(Broadcast, broadcast_id)

    def add(self, broadcast: Broadcast) -> Broadcast:
        self.session.add(broadcast)
        return broadcast

    def by_form_token(self, form_token: str) -> Broadcast | None:
        query = select(Broadcast).where(Broadcast.form_token == form_token)
        return self.session.exec(query).first()

    def recent(self, limit: int, creators: frozenset[int] | None = None) -> list[Broadcast]:
        """Newest first (only those `creators` made, when given); drafts never reach the
        database, so these are all real ones."""
        query = (
            select(Broadcast)
            .where(Broadcast.status != BroadcastStatus.DRAFT)
            .order_by(col(Broadcast.id).desc())
            .limit(limit)
        )
        if creators is not None:
            query = query.where(col(Broadcast.created_by).in_(creators))
        return list(self.session.exec(query).all())

    def due(self, now: datetime) -> list[Broadcast]:
        """Scheduled broadcasts whose time has come, locked: on PostgreSQL a second bot
        process skips the ones this one is starting (SQLite has one writer anyway)."""
        query = (
            select(Broadcast)
            .where(
                Broadcast.status == BroadcastStatus.SCHEDULED,
                col(Broadcast.scheduled_at) <= now,
            )
            .order_by(col(Broadcast.scheduled_at), col(Broadcast.id))
            .with_for_update(skip_locked=True)
        )
        return list(self.session.exec(query).all())

    def with_status_message(self, finished_since: datetime) -> list[Broadcast]:
        """Broadcasts whose status message is live: running or paused, or finished
        since `finished_since` (their last edit is the summary)."""
        running = col(Broadcast.status).in_((BroadcastStatus.RUNNING, BroadcastStatus.PAUSED))
        finished = col(Broadcast.status).in_((BroadcastStatus.DONE, BroadcastStatus.CANCELLED)) & (
            col(Broadcast.finished_at) >= finished_since
        )
        query = (
            select(Broadcast)
            .where(col(Broadcast.status_message_id).is_not(None), running | finished)
            .order_by(col(Broadcast.id))
        )
        return list(self.session.exec(query).all())

    # --- audiences ---------------------------------------------------------------------------

    def audience(self, audience: dict[str, Any]) -> list[int]:
        """Ids of the readers an audience (see `Broadcast.audience`) names today."""
        query = self._audience(audience)
        if query is None:
            return []
        return list(self.session.exec(query.order_by(col(User.id))).all())

    def audience_size(self, audience: dict[str, Any]) -> int:
        query = self._audience(audience)
        if query is None:
            return 0
        return self.session.exec(select(func.count()).select_from(query.subquery())).one()

    def _audience(self, audience: dict[str, Any]) -> SelectOfScalar[int] | None:
        # Readers who never chose a language have not finished /start; blocked ones
        # cannot be written to.
        query = select(User.id).where(
            col(User.language).is_not(None), col(User.blocked_at).is_(None)
        )
        kind = audience.get("kind")
        if kind == "everyone":
            return query
        if kind == "language":
            return query.where(User.language == audience.get("language"))
        if kind in ("event", "waitlist"):
            status = (
                RegistrationStatus.REGISTERED if kind == "event" else RegistrationStatus.WAITLISTED
            )
            return query.join(Registration, col(Registration.user_id) == col(User.id)).where(
                Registration.event_id == audience.get("event_id"), Registration.status == status
            )
        if kind in ("contest", "side"):
            query = query.join(Entry, col(Entry.user_id) == col(User.id)).where(
                Entry.contest_id == audience.get("contest_id"),
                Entry.status == EntryStatus.SUBMITTED,
            )
            if kind == "side":
                query = query.where(Entry.side == audience.get("side"))
            return query.distinct()
        if kind == "jurors":
            # Jurors an organizer removed are no longer on the jury.
            query = query.join(Juror, col(Juror.user_id) == col(User.id)).where(
                col(Juror.removed_at).is_(None))
            if audience.get("contest_id") is not None:
                query = query.where(Juror.contest_id == audience["contest_id"])
            return query.distinct()
        return None

    def events_to_address(self, since: datetime, limit: int,
                          libraries: frozenset[int] | None = None) -> list[Event]:
        """Events an organizer may write to the registrants of: not cancelled, starting
        from `since` on (recent ones too, for a thank-you or a recording), soonest first;
        only those of `libraries` when given."""
        query = (
            select(Event)
            .where(col(Event.cancelled_at).is_(None), col(Event.starts_at) >= since)
            .order_by(col(Event.starts_at), col(Event.id))
            .limit(limit)
        )
        if libraries is not None:
            query = query.where(col(Event.library_id).in_(libraries))
        return list(self.session.exec(query).all())

    def contests_to_address(self, limit: int,
                            libraries: frozenset[int] | None = None) -> list[Contest]:
        """Contests, newest first; only those of `libraries` when given."""
        query = select(Contest).order_by(col(Contest.id).desc()).limit(limit)
        if libraries is not None:
            query = query.where(col(Contest.library_id).in_(libraries))
        return list(self.session.exec(query).all())

    # --- outbox rows -------------------------------------------------------------------------

    def recipients(self, broadcast_id: int) -> set[int]:
        """Readers that already have a row for this broadcast."""
        query = select(Notification.user_id).where(Notification.broadcast_id == broadcast_id)
        return set(self.session.exec(query).all())

    def add_rows(self, rows: Sequence[dict[str, Any]]) -> None:
        self.session.info[OUTBOX_WRITTEN] = True
        for start in range(0, len(rows), INSERT_CHUNK):
            self.session.execute(insert(Notification), list(rows[start : start + INSERT_CHUNK]))

    def count_by_status(self, broadcast_id: int) -> dict[str, int]:
        query = (
            select(Notification.status, func.count())
            .where(Notification.broadcast_id == broadcast_id)
            .group_by(Notification.status)
        )
        return {status: count for status, count in self.session.exec(query).all()}

    def sent_between(self, broadcast_id: int, start: datetime, end: datetime) -> int:
        query = select(func.count()).where(
            Notification.broadcast_id == broadcast_id,
            Notification.status == NotificationStatus.SENT,
            col(Notification.sent_at) > start,
            col(Notification.sent_at) <= end,
        )
        return self.session.exec(query).one()

    def last_sent_at(self, broadcast_id: int) -> datetime | None:
        query = select(func.max(Notification.sent_at)).where(
            Notification.broadcast_id == broadcast_id
        )
        return self.session.exec(query).one()

    def has_unsettled(self, broadcast_id: int) -> bool:
        query = select(Notification.id).where(
            Notification.broadcast_id == broadcast_id, col(Notification.status).in_(UNSETTLED)
        )
        return self.session.exec(query.limit(1)).first() is not None

    def cancel_pending(self, broadcast_id: int, reason: str) -> int:
        """Pending rows will never go out; rows being sent right now are left to settle."""
        query = (
            update(Notification)
            .where(
                col(Notification.broadcast_id) == broadcast_id,
                col(Notification.status) == NotificationStatus.PENDING,
            )
            .values(status=NotificationStatus.CANCELLED, last_error=reason[:500])
        )
        return rowcount(self.session.execute(query))
