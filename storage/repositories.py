"""Repositories: queries over one session. They never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.db import OUTBOX_WRITTEN, rowcount, table_of
from storage.models import (
    Event,
    Notification,
    NotificationStatus,
    Partner,
    Registration,
    RegistrationStatus,
    User,
)

# Bounds the SQL filter on "not over yet"; the exact check is `_not_over`.
LONGEST_EVENT = timedelta(days=2)


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def add(self, user: User) -> User:
        self.session.add(user)
        return user

    def by_ids(self, ids: Sequence[int]) -> dict[int, User]:
        if not ids:
            return {}
        rows = self.session.exec(select(User).where(col(User.id).in_(ids))).all()
        return {user.id: user for user in rows}


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, event_id: int) -> Event | None:
        return self.session.get(Event, event_id)

    def by_key(self, key: str) -> Event | None:
        return self.session.exec(select(Event).where(Event.key == key)).first()

    def by_checkin_token(self, token: str) -> Event | None:
        return self.session.exec(select(Event).where(Event.checkin_token == token)).first()

    def add(self, event: Event) -> Event:
        self.session.add(event)
        return event

    def _upcoming(self, now: datetime) -> SelectOfScalar[Event]:
        return select(Event).where(
            col(Event.cancelled_at).is_(None), col(Event.starts_at) > now
        )

    def upcoming(self, now: datetime, offset: int, limit: int) -> list[Event]:
        query = self._upcoming(now).order_by(col(Event.starts_at), col(Event.id))
        return list(self.session.exec(query.offset(offset).limit(limit)).all())

    def count_upcoming(self, now: datetime) -> int:
        query = select(func.count()).select_from(self._upcoming(now).subquery())
        return self.session.exec(query).one()

    def partners(self, event_id: int) -> list[Partner]:
        query = select(Partner).where(Partner.event_id == event_id).order_by(col(Partner.position))
        return list(self.session.exec(query).all())

    def replace_partners(self, event_id: int, partners: Sequence[Partner]) -> None:
        self.session.execute(delete(Partner).where(col(Partner.event_id) == event_id))
        for position, partner in enumerate(partners):
            partner.event_id = event_id
            partner.position = position
            self.session.add(partner)


class RegistrationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, event_id: int, user_id: int) -> Registration | None:
        query = select(Registration).where(
            Registration.event_id == event_id, Registration.user_id == user_id
        )
        return self.session.exec(query).first()

    def add(self, registration: Registration) -> Registration:
        self.session.add(registration)
        return registration

    def count(self, event_id: int, status: RegistrationStatus) -> int:
        query = select(func.count()).where(
            Registration.event_id == event_id, Registration.status == status
        )
        return self.session.exec(query).one()

    def for_event(self, event_id: int, status: RegistrationStatus) -> list[Registration]:
        query = (
            select(Registration)
            .where(Registration.event_id == event_id, Registration.status == status)
            .order_by(col(Registration.queued_at), col(Registration.id))
        )
        return list(self.session.exec(query).all())

    def first_waitlisted(self, event_id: int) -> Registration | None:
        query = (
            select(Registration)
            .where(Registration.event_id == event_id,
                   Registration.status == RegistrationStatus.WAITLISTED)
            .order_by(col(Registration.queued_at), col(Registration.id))
            .limit(1)
        )
        return self.session.exec(query).first()

    def waitlist_position(self, event_id: int, user_id: int) -> int | None:
        """1 for the first in line; None when the reader is not waiting. One count, not
        the whole line: readers joining a long line at once each ask for it."""
        mine = self.get(event_id, user_id)
        if mine is None or mine.status != RegistrationStatus.WAITLISTED:
            return None
        ahead = select(func.count()).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            or_(
                col(Registration.queued_at) < mine.queued_at,
                and_(col(Registration.queued_at) == mine.queued_at,
                     col(Registration.id) < mine.id),
            ),
        )
        return self.session.exec(ahead).one() + 1

    def active_for_user(self, user_id: int, now: datetime) -> list[tuple[Registration, Event]]:
        """Registrations and waiting-list places for events not yet over."""
        query = (
            select(Registration, Event)
            .join(Event, col(Event.id) == col(Registration.event_id))
            .where(
                Registration.user_id == user_id,
                col(Registration.status).in_(
                    [RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED]
                ),
                col(Event.cancelled_at).is_(None),
                col(Event.starts_at) > now - LONGEST_EVENT,
            )
            .order_by(col(Event.starts_at))
        )
        rows = self.session.exec(query).all()
        return [(registration, event) for registration, event in rows if _not_over(event, now)]

    # --- who came (bot.services.attendance) ---

    def by_id(self, registration_id: int) -> Registration | None:
        return self.session.get(Registration, registration_id)

    def attendance_sheet(self, event_id: int, offset: int,
                         limit: int) -> list[tuple[Registration, User]]:
        """Who is expected or came, in order of sign-up, with their profiles."""
        query = (
            select(Registration, User)
            .join(User, col(User.id) == col(Registration.user_id))
            .where(_on_sheet(event_id))
            .order_by(col(Registration.queued_at), col(Registration.id))
            .offset(offset)
            .limit(limit)
        )
        return [(registration, user) for registration, user in self.session.exec(query).all()]

    def count_on_sheet(self, event_id: int) -> int:
        return self.session.exec(select(func.count()).where(_on_sheet(event_id))).one()

    def count_came(self, event_id: int) -> int:
        query = select(func.count()).where(Registration.event_id == event_id,
                                           col(Registration.attended_at).is_not(None))
        return self.session.exec(query).one()

    def count_no_show(self, event_id: int) -> int:
        """Registered and not seen (a no-show once the event is over)."""
        query = select(func.count()).where(Registration.event_id == event_id,
                                           Registration.status == RegistrationStatus.REGISTERED,
                                           col(Registration.attended_at).is_(None))
        return self.session.exec(query).one()


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, notification: Notification) -> Notification:
        self.session.add(notification)
        self.session.info[OUTBOX_WRITTEN] = True
        return notification

    def by_key(self, dedupe_key: str) -> Notification | None:
        return self.session.exec(
            select(Notification).where(Notification.dedupe_key == dedupe_key)
        ).first()

    def get(self, notification_id: int) -> Notification | None:
        return self.session.get(Notification, notification_id)

    def due(self, now: datetime, limit: int) -> list[Notification]:
        query = (
            select(Notification)
            .where(
                Notification.status == NotificationStatus.PENDING,
                col(Notification.next_attempt_at) <= now,
            )
            .order_by(col(Notification.due_at), col(Notification.id))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    def next_due_at(self) -> datetime | None:
        query = select(func.min(Notification.next_attempt_at)).where(
            Notification.status == NotificationStatus.PENDING
        )
        return self.session.exec(query).one()

    def in_state(self, status: NotificationStatus) -> list[Notification]:
        return list(
            self.session.exec(select(Notification).where(Notification.status == status)).all()
        )

    def reminders(self, event_id: int, user_id: int | None = None) -> list[Notification]:
        query = select(Notification).where(
            Notification.event_id == event_id, Notification.kind == "reminder"
        )
        if user_id is not None:
            query = query.where(Notification.user_id == user_id)
        return list(self.session.exec(query.order_by(col(Notification.due_at))).all())

    def delete_pending_reminders(self, event_id: int, user_id: int | None = None) -> int:
        query = delete(Notification).where(
            col(Notification.event_id) == event_id,
            col(Notification.kind) == "reminder",
            col(Notification.status) == NotificationStatus.PENDING,
        )
        if user_id is not None:
            query = query.where(col(Notification.user_id) == user_id)
        return rowcount(self.session.execute(query))

    def claimable(
        self,
        now: datetime,
        limit: int,
        *,
        early_until: datetime | None = None,
        early_priority: int = 0,
    ) -> list[Notification]:
        """Pending rows due by `now` (and rows of priority <= `early_priority` due by
        `early_until`), most urgent first: lower priority, then earlier due. Rows of a
        paused broadcast are left out. Locked for claiming: on PostgreSQL a second
        sender skips the rows this one holds (FOR UPDATE SKIP LOCKED); SQLite has one
        writer anyway."""
        due = col(Notification.next_attempt_at) <= now
        if early_until is not None and early_until > now:
            due = or_(
                due,
                and_(
                    col(Notification.priority) <= early_priority,
                    col(Notification.next_attempt_at) <= early_until,
                ),
            )
        paused = select(Broadcast.id).where(Broadcast.status == BroadcastStatus.PAUSED)
        query = (
            select(Notification)
            .where(
                Notification.status == NotificationStatus.PENDING,
                due,
                or_(
                    col(Notification.broadcast_id).is_(None),
                    col(Notification.broadcast_id).not_in(paused),
                ),
            )
            .order_by(
                col(Notification.priority), col(Notification.due_at), col(Notification.id)
            )
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.exec(query).all())

    def broadcast_progress(self) -> list[tuple[int, str, int]]:
        """(broadcast, status, rows) of every broadcast going out or paused."""
        query = (
            select(col(Notification.broadcast_id), col(Notification.status), func.count())
            .join(Broadcast, col(Broadcast.id) == col(Notification.broadcast_id))
            .where(col(Broadcast.status).in_([BroadcastStatus.RUNNING, BroadcastStatus.PAUSED]))
            .group_by(col(Notification.broadcast_id), col(Notification.status))
        )
        return [(int(broadcast or 0), str(status), count)
                for broadcast, status, count in self.session.exec(query).all()]

    def count_by_status(self) -> dict[str, int]:
        """Outbox rows per status (the health check's and the metrics' outbox depth)."""
        query = select(Notification.status, func.count()).group_by(col(Notification.status))
        return {str(status): count for status, count in self.session.exec(query).all()}

    def count_due(self, until: datetime, max_priority: int) -> int:
        """Pending rows of priority <= `max_priority` due by `until` (overdue ones too)."""
        query = select(func.count()).where(
            Notification.status == NotificationStatus.PENDING,
            col(Notification.priority) <= max_priority,
            col(Notification.next_attempt_at) <= until,
        )
        return self.session.exec(query).one()

    def lapsed(self, now: datetime, owner: str | None = None) -> list[Notification]:
        """Rows in `sending` whose claim has lapsed (or that `owner` itself holds),
        locked so that two senders do not both take them back."""
        query = (
            select(Notification)
            .where(
                Notification.status == NotificationStatus.SENDING,
                or_(
                    col(Notification.claimed_until).is_(None),
                    col(Notification.claimed_until) < now,
                    col(Notification.claimed_by) == owner,
                ),
            )
            .with_for_update(skip_locked=True)
        )
        return list(self.session.exec(query).all())

    def renew_claims(self, owner: str, until: datetime) -> int:
        """Extend the claims `owner` holds; its rows are still on their way."""
        table = table_of(Notification)
        query = (
            update(table)
            .where(table.c.status == NotificationStatus.SENDING, table.c.claimed_by == owner)
            .values(claimed_until=until)
        )
        return rowcount(self.session.execute(query))

    def mark_claimed(
        self, rows: Sequence[Notification], owner: str | None, until: datetime
    ) -> None:
        """Rows a sender takes: `sending` under `owner` until `until`, one attempt more.
        One statement for the batch (a claim is up to a second's worth of a paid
        broadcast); the loaded rows show the same values without a flush."""
        if not rows:
            return
        table = table_of(Notification)
        self.session.execute(
            update(table)
            .where(table.c.id.in_([row.id for row in rows]))
            .values(
                status=NotificationStatus.SENDING,
                attempts=table.c.attempts + 1,
                claimed_by=owner,
                claimed_until=until,
            )
        )
        for row in rows:
            set_committed_value(row, "status", NotificationStatus.SENDING)
            set_committed_value(row, "attempts", row.attempts + 1)
            set_committed_value(row, "claimed_by", owner)
            set_committed_value(row, "claimed_until", until)

    def record_sent(
        self, sent: Sequence[tuple[int, int | None]], now: datetime, owner: str
    ) -> None:
        """Record (row id, Telegram message id) pairs as sent, in one statement. A row
        no longer `sending` under `owner` (rescheduled, or its lapsed claim taken over
        by another sender) is left as it is."""
        if not sent:
            return
        # Core, not ORM: an executemany with its own WHERE.
        table = table_of(Notification)
        query = (
            update(table)
            .where(
                table.c.id == bindparam("row_id"),
                table.c.status == NotificationStatus.SENDING,
                table.c.claimed_by == owner,
            )
            .values(
                status=NotificationStatus.SENT,
                telegram_message_id=bindparam("message_id"),
                sent_at=now,
                last_error=None,
                claimed_until=None,
            )
        )
        self.session.execute(
            query, [{"row_id": row_id, "message_id": message_id} for row_id, message_id in sent]
        )

    def broadcasts(self, ids: Iterable[int]) -> dict[int, Broadcast]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self.session.exec(select(Broadcast).where(col(Broadcast.id).in_(wanted))).all()
        return {broadcast.id: broadcast for broadcast in rows}


def _on_sheet(event_id: int) -> ColumnElement[bool]:
    # A reader who cancelled (or waited) and came anyway stays on the sheet: they came.
    return and_(col(Registration.event_id) == event_id,
                or_(col(Registration.status) == RegistrationStatus.REGISTERED,
                    col(Registration.attended_at).is_not(None)))


def _not_over(event: Event, now: datetime) -> bool:
    return event.starts_at + timedelta(minutes=event.duration_minutes) > now
