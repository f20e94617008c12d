"""Database tables. Times are aware UTC (see `UTCDateTime`); JSON columns hold
per-language texts keyed by language code.

Surrogate keys (`id: int = Field(default=None, primary_key=True)`, here and in the
other `*_models` modules) are typed `int` although they are None until the row's first
flush: the database assigns them, and every row the code reads or links has one."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

# Notifications refer to contests and broadcasts: their tables must be on the metadata.
from storage import broadcast_models as _broadcast_models  # noqa: F401
from storage import contest_models as _contest_models  # noqa: F401
from storage import org_models as _org_models  # noqa: F401
from storage.types import UTCDateTime


class EventKind(StrEnum):
    VIDEO_BRIDGE = "video_bridge"
    CONFERENCE = "conference"
    CHAT_CONFERENCE = "chat_conference"
    OFFLINE = "offline"  # in a library building: an address instead of a join link


class RegistrationStatus(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class AttendedHow(StrEnum):
    JOINED = "joined"  # pressed Join (online): the link was given
    CHECKED_IN = "checked_in"  # scanned the door's QR code (offline)
    MARKED = "marked"  # the organizer marked them in the registrants list


class NotificationKind(StrEnum):
    REMINDER = "reminder"
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    PROMOTED = "promoted"
    JURY_REMINDER = "jury_reminder"
    BROADCAST = "broadcast"
    CONTEST_RESULT = "contest_result"
    WINNERS_LIST = "winners_list"
    FEEDBACK = "feedback"  # a rating request, an hour after an event the reader came to
    EVENT_LETTER = "event_letter"  # a letter of thanks (PDF) for having come to an event


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    BLOCKED = "blocked"
    FAILED = "failed"
    # A send timed out after the request went out: it may have arrived.
    UNCERTAIN = "uncertain"
    # Its broadcast was cancelled before it went out.
    CANCELLED = "cancelled"


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class User(SQLModel, table=True):
    __tablename__ = "users"

    # Telegram user ids exceed 32 bits.
    id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    first_name: str = Field(default="", max_length=255)
    language: str | None = Field(default=None, max_length=8)
    timezone: str | None = Field(default=None, max_length=64)
    full_name: str | None = Field(default=None, max_length=200)
    birth_date: date | None = None
    country: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=200)
    library: str | None = Field(default=None, max_length=200)
    consent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    blocked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # When the profile was erased (on request or after the retention period).
    erased_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    created_at: datetime = Field(sa_column=_utc())

    @property
    def has_profile(self) -> bool:
        return self.consent_at is not None and self.full_name is not None


class Event(SQLModel, table=True):
    __tablename__ = "events"

    id: int = Field(default=None, primary_key=True)
    # Stable key from an import file, so re-importing updates instead of duplicating.
    key: str | None = Field(default=None, max_length=100, unique=True)
    kind: str = Field(max_length=32)
    titles: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    descriptions: dict[str, str] = Field(
        default_factory=dict, sa_column=Column(JSON, nullable=False)
    )
    language: str = Field(max_length=8)
    starts_at: datetime = Field(sa_column=_utc())
    duration_minutes: int
    timezone: str = Field(max_length=64)
    link: str | None = Field(default=None, max_length=500)
    # Where an offline event is held; None for online kinds.
    address: str | None = Field(default=None, max_length=300)
    # The door's check-in QR code: `/start checkin_<token>`, unguessable, made on first ask.
    checkin_token: str | None = Field(default=None, max_length=64, unique=True, index=True)
    capacity: int | None = None
    reminder_offsets: list[int] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The organizing library: its organizers manage the event (None: admins only).
    library_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("libraries.id", ondelete="SET NULL"), nullable=True),
    )
    # The programme or project it belongs to, if any (`Programme`; the report counts by it).
    programme_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("programmes.id", ondelete="SET NULL"), nullable=True),
    )
    # Bumped on every change that readers are told about, so each notice is unique.
    revision: int = 1
    cancelled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class Partner(SQLModel, table=True):
    __tablename__ = "partners"

    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    position: int = 0
    # `name` and `city` are in the event's language (or the first given): reports and
    # imports know the partner by them. `names` and `cities` are {language: text} for
    # readers of other languages; empty when only one spelling was given.
    name: str = Field(max_length=200)
    city: str = Field(max_length=100)
    names: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    cities: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    timezone: str = Field(max_length=64)


class Registration(SQLModel, table=True):
    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=Column(ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    status: str = Field(max_length=16)
    # Place in the waiting list: first come, first promoted.
    queued_at: datetime = Field(sa_column=_utc())
    # Who came (the report's "охват"): when the reader pressed Join, was checked in at the
    # door, or was marked by the organizer, and how (`AttendedHow`); None: not (yet) seen.
    # Kept whatever `status` becomes: a reader who cancelled and came anyway came.
    attended_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    attended_how: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class Notification(SQLModel, table=True):
    """One message to one reader, due at a time: the outbox.

    Reminders and notices are rows here before anything is sent; the scheduler
    only wakes the sender. `dedupe_key` makes each logical message unique, so a
    restart can never create or send the same one twice.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_due", "status", "priority", "next_attempt_at"),
    )

    id: int = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=32)
    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    event_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("events.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    contest_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("contests.id", ondelete="CASCADE"), nullable=True, index=True),
    )
    broadcast_id: int | None = Field(
        default=None,
        sa_column=Column(
            ForeignKey("broadcasts.id", ondelete="CASCADE"), nullable=True, index=True
        ),
    )
    # Lower goes first: readers' reminders and notices (0) before broadcasts (10).
    priority: int = 0
    # The sender that claimed the row and until when its claim holds; a claim
    # left by a dead process is taken back once it lapses.
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_until: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    offset_minutes: int | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    due_at: datetime = Field(sa_column=_utc())
    next_attempt_at: datetime = Field(sa_column=_utc())
    status: str = Field(default=NotificationStatus.PENDING, max_length=16)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    sent_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    telegram_message_id: int | None = None
    created_at: datetime = Field(sa_column=_utc())
