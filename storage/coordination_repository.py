"""Queries over the coordination tables (`storage.coordination_models`). PostgreSQL only:
each statement is one atomic step that two processes may race on. Never commits; the unit
of work does.

Times compared with other processes' are the database's own (`clock_timestamp()`): the
processes' clocks may differ by more than Telegram's pace allows."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Interval, delete, literal, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, col

from storage.coordination_models import HandledUpdate, JobLease, ReaderLease, SendLog
from storage.db import rowcount

# One statement: the slot's key moves on by `interval` from whichever is later, the moment
# it was free or `not_before`; the caller may send at the returned `slot` (database time),
# and learns the database's `now` to turn it into a wait of its own clock.
_RESERVE_SLOT = text("""
    INSERT INTO send_slot (key, next_at)
    VALUES (:key, greatest(clock_timestamp(), CAST(:not_before AS timestamptz)) + :interval)
    ON CONFLICT (key) DO UPDATE SET next_at = greatest(
        send_slot.next_at, clock_timestamp(), CAST(:not_before AS timestamptz)) + :interval
    RETURNING next_at - :interval AS slot, clock_timestamp() AS now
""")
# Taken only when free now: a bulk send does not queue ahead of replies. The schedule is
# kept (the next slot is an interval after this one was due, not after the moment it was
# taken, up to `catch_up` late): otherwise every few milliseconds a sender takes to come
# back for its slot would be lost from the rate.
_TAKE_FREE_SLOT = text("""
    INSERT INTO send_slot (key, next_at) VALUES (:key, clock_timestamp() + :interval)
    ON CONFLICT (key) DO UPDATE
        SET next_at = greatest(send_slot.next_at, clock_timestamp() - :catch_up) + :interval
        WHERE send_slot.next_at <= clock_timestamp()
    RETURNING next_at
""")
_NEXT_AT = text("SELECT next_at, clock_timestamp() FROM send_slot WHERE key = :key")
_PAUSE = text("""
    INSERT INTO send_slot (key, next_at) VALUES (:key, clock_timestamp() + :pause)
    ON CONFLICT (key) DO UPDATE
        SET next_at = greatest(send_slot.next_at, clock_timestamp() + :pause)
""")
_TAKE_LEASE_SQL = """
    INSERT INTO {table} ({key}, holder, until) VALUES (:key, :holder, clock_timestamp() + :hold)
    ON CONFLICT ({key}) DO UPDATE SET holder = :holder, until = clock_timestamp() + :hold
        WHERE {table}.until < clock_timestamp() OR {table}.holder = :holder
    RETURNING {key}
"""
_TAKE_READER = text(_TAKE_LEASE_SQL.format(table="reader_lease", key="reader"))
_TAKE_JOB = text(_TAKE_LEASE_SQL.format(table="job_lease", key="name"))
_READER_UNTIL = text(
    "SELECT until - clock_timestamp() FROM reader_lease WHERE reader = :key")


class CoordinationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- readers ----------------------------------------------------------------------------

    def take_reader(self, reader: int, holder: str, hold: timedelta) -> bool:
        """Hold `reader` for `hold` (or hold it longer, when `holder` already does)."""
        taken = self.session.execute(
            _TAKE_READER, {"key": reader, "holder": holder, "hold": hold}).first()
        return taken is not None

    def reader_held_for(self, reader: int) -> timedelta | None:
        """How much longer someone holds `reader` (None: nobody)."""
        held: timedelta | None = self.session.execute(_READER_UNTIL, {"key": reader}).scalar()
        return held

    def release_reader(self, reader: int, holder: str) -> None:
        self.session.execute(delete(ReaderLease).where(
            col(ReaderLease.reader) == reader, col(ReaderLease.holder) == holder))

    def renew_readers(self, readers: list[int], holder: str, hold: timedelta) -> int:
        renewed = self.session.execute(
            text("UPDATE reader_lease SET until = clock_timestamp() + :hold "
                 "WHERE holder = :holder AND reader = ANY(:readers)"),
            {"hold": hold, "holder": holder, "readers": readers})
        return rowcount(renewed)

    # --- updates ----------------------------------------------------------------------------

    def was_handled(self, update_id: int) -> bool:
        found = self.session.execute(
            select(col(HandledUpdate.update_id)).where(col(HandledUpdate.update_id) == update_id))
        return found.first() is not None

    def mark_handled(self, update_id: int, reader: int | None, now: datetime) -> None:
        self.session.execute(
            insert(HandledUpdate)
            .values(update_id=update_id, reader=reader, handled_at=now)
            .on_conflict_do_nothing(index_elements=["update_id"]))

    def handled_later(self, reader: int, update_id: int) -> bool:
        """Whether an update of `reader` newer than `update_id` was handled (anywhere)."""
        found = self.session.execute(select(col(HandledUpdate.update_id)).where(
            col(HandledUpdate.reader) == reader, col(HandledUpdate.update_id) > update_id,
        ).limit(1))
        return found.first() is not None

    def forget_handled_before(self, moment: datetime) -> int:
        removed = self.session.execute(
            delete(HandledUpdate).where(col(HandledUpdate.handled_at) < moment))
        return rowcount(removed)

    # --- sending ----------------------------------------------------------------------------

    def reserve_slot(
        self, key: str, interval: timedelta, not_before: datetime | None = None
    ) -> tuple[datetime, datetime]:
        """The next free moment of `key` (not before `not_before`), taken: (slot, now)."""
        row = self.session.execute(_RESERVE_SLOT, {
            "key": key, "interval": interval,
            "not_before": not_before,  # NULL: greatest() passes over it
        }).one()
        slot: datetime = row.slot
        now: datetime = row.now
        return slot, now

    def take_free_slot(
        self, key: str, interval: timedelta, catch_up: timedelta = timedelta(0)
    ) -> bool:
        """Take `key`'s slot if it is free now; the next one is due `interval` after this
        one was (or after now less `catch_up`, when this one was due longer ago)."""
        return self.session.execute(_TAKE_FREE_SLOT, {
            "key": key, "interval": interval, "catch_up": catch_up}).first() is not None

    def slot_wait(self, key: str) -> timedelta:
        """How long until `key` is free (zero or less: free now)."""
        row = self.session.execute(_NEXT_AT, {"key": key}).first()
        if row is None:
            return timedelta(0)
        wait: timedelta = row[0] - row[1]
        return wait

    def now(self) -> datetime:
        """The database's clock, the one every process's slots are timed by."""
        now: datetime = self.session.execute(text("SELECT clock_timestamp()")).scalar_one()
        return now

    def sends_since(self, lane: str, moment: datetime) -> list[datetime]:
        """When the messages logged on `lane` after `moment` go (or went), earliest first."""
        found = self.session.execute(
            select(col(SendLog.at))
            .where(col(SendLog.lane) == lane, col(SendLog.at) > moment)
            .order_by(col(SendLog.at)))
        return list(found.scalars())

    def log_send(self, lane: str, at: datetime) -> int:
        log_id: int = self.session.execute(
            insert(SendLog).values(lane=lane, at=at).returning(col(SendLog.id))).scalar_one()
        return log_id

    def log_lateness(self, log_ids: list[int], late: timedelta) -> None:
        """The messages reached Telegram `late` after they were logged to."""
        self.session.execute(
            update(SendLog).where(col(SendLog.id).in_(log_ids))
            .values(at=col(SendLog.at) + literal(late, Interval())))

    def forget_sends_before(self, moment: datetime) -> int:
        removed = self.session.execute(delete(SendLog).where(col(SendLog.at) < moment))
        return rowcount(removed)

    def pause_slots(self, keys: list[str], pause: timedelta) -> None:
        for key in keys:
            self.session.execute(_PAUSE, {"key": key, "pause": pause})

    def forget_slots_before(self, moment: datetime) -> int:
        removed = self.session.execute(
            text("DELETE FROM send_slot WHERE next_at < :moment AND key LIKE 'chat:%'"),
            {"moment": moment})
        return rowcount(removed)

    # --- jobs -------------------------------------------------------------------------------

    def take_job(self, name: str, holder: str, hold: timedelta) -> bool:
        """Whether `holder` runs the job `name` (it took the lease, or holds it already)."""
        return self.session.execute(
            _TAKE_JOB, {"key": name, "holder": holder, "hold": hold}).first() is not None

    def job_holder(self, name: str) -> str | None:
        holder: str | None = self.session.execute(
            select(col(JobLease.holder)).where(col(JobLease.name) == name)).scalar()
        return holder
