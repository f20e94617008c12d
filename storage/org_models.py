"""Libraries and who organizes for them: an organizer sees and manages only the
events and contests of their libraries; admins (settings) see everything."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class Library(SQLModel, table=True):
    __tablename__ = "libraries"

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(sa_column=_utc())


class Programme(SQLModel, table=True):
    """A programme or project events and contests may belong to ("Парасат жолы", "Одна страна
    – одна книга", "Өлке тұлғалары"): the report counts by it. Names per language (like
    titles); `name` is the one it is known by in imports and chat."""

    __tablename__ = "programmes"

    id: int = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    created_at: datetime = Field(sa_column=_utc())


class Organizer(SQLModel, table=True):
    """One organizer's membership of one library (an organizer may have several)."""

    __tablename__ = "organizers"
    __table_args__ = (UniqueConstraint("user_id", "library_id"),)

    id: int = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    )
    library_id: int = Field(
        sa_column=Column(
            ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    added_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    added_at: datetime = Field(sa_column=_utc())


class OrganizerInvite(SQLModel, table=True):
    """A one-time link that makes whoever opens it an organizer of one library."""

    __tablename__ = "organizer_invites"

    id: int = Field(default=None, primary_key=True)
    library_id: int = Field(
        sa_column=Column(ForeignKey("libraries.id", ondelete="CASCADE"), nullable=False)
    )
    # Only a hash is kept: a leaked database does not leak usable invites.
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    used_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
