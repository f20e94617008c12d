"""What several Kopir processes on one PostgreSQL database agree on through it
(`bot.runtime.shared`, `bot.delivery.shared_pace`): which process works on a reader's
update now, which updates were handled, when the next message may go, which process
runs a scheduled job. A single process on SQLite does not use them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ReaderLease(SQLModel, table=True):
    """One process handles a reader's updates at a time: it holds this row until `until`
    (renewed while it works; a process that died lets go when the time is up)."""

    __tablename__ = "reader_lease"

    reader: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    holder: str = Field(max_length=64)
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class HandledUpdate(SQLModel, table=True):
    """An update some process has handled, so that a repeated delivery to another process
    is handled once; and, per reader, the newest one (a conversation's time-out in one
    process is void when another handled a later update of the reader)."""

    __tablename__ = "handled_update"

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    reader: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    handled_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class SendSlot(SQLModel, table=True):
    """The earliest moment the next message may go: for the whole bot ("free", "paid") or
    for one chat ("chat:<id>"). Times are the database's clock, so that processes on
    machines whose clocks differ still keep Telegram's pace together."""

    __tablename__ = "send_slot"

    key: str = Field(primary_key=True, max_length=40)
    next_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))


class SendLog(SQLModel, table=True):
    """A message let go on a lane ("free"), at the moment it should reach Telegram as far as
    its process knows: the moment it was let go, later by how late its answer showed it was.
    No process lets a lane's `rate`-th message go within a second of the one `rate` before
    it (`bot.delivery.shared_pace`). Kept for a minute."""

    __tablename__ = "send_log"

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True))
    lane: str = Field(max_length=8)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))

    __table_args__ = (Index("ix_send_log_lane_at", "lane", "at"),)


class JobLease(SQLModel, table=True):
    """A scheduled job runs in the process that took its row, until `until`."""

    __tablename__ = "job_lease"

    name: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=64)
    until: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
