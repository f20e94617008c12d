"""Broadcasts: an organizer's message to an audience, sent through the outbox."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # waits for `scheduled_at`; no outbox rows yet
    RUNNING = "running"  # outbox rows exist; the sender works through them
    PAUSED = "paused"  # rows kept; the sender skips them until resumed
    CANCELLED = "cancelled"  # pending rows cancelled; sent ones stay sent
    DONE = "done"


class MediaKind(StrEnum):
    NONE = "none"
    PHOTO = "photo"
    DOCUMENT = "document"


class Broadcast(SQLModel, table=True):
    """Shapes of the JSON columns:
    - audience: {"kind": "everyone" | "language" | "event" | "waitlist" | "contest" | "side"
      | "jurors", "language": "kk", "event_id": 3, "contest_id": 2, "side": "kz"};
    - texts: {language: HTML text}; readers get their language's text or `default_language`'s;
    - button: {"kind": "event" | "contest", "id": 3} or {} for none.
    """

    __tablename__ = "broadcasts"

    id: int = Field(default=None, primary_key=True)
    created_by: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default=BroadcastStatus.DRAFT, max_length=16)
    audience: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    texts: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    default_language: str = Field(max_length=8)
    media_kind: str = Field(default=MediaKind.NONE, max_length=16)
    media_file_id: str | None = Field(default=None, max_length=255)
    media_file_name: str | None = Field(default=None, max_length=255)
    button: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Sent with allow_paid_broadcast (up to 1000 messages/s, paid in Stars).
    paid: bool = False
    scheduled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    started_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    finished_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    total: int = 0
    # The organizer's live status message, edited while the broadcast runs.
    status_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    status_message_id: int | None = None
    # The /broadcast form it was written in: however often Send is pressed (two presses
    # racing, a retry after "busy"), one form makes one broadcast.
    form_token: str | None = Field(default=None, max_length=32, unique=True, index=True)
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())
