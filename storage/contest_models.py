"""Contest tables: contests, entries, jurors and their invites, scores, conflicts,
and the results frozen at the end. Times are aware UTC (`UTCDateTime`)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ContestKind(StrEnum):
    ESSAY = "essay"
    PHOTO = "photo"


class TiePolicy(StrEnum):
    SHARED = "shared"  # 1, 2, 2, 4
    DENSE = "dense"  # 1, 2, 2, 3


class Aggregate(StrEnum):
    MEAN = "mean"
    MEDIAN = "median"


class WinnerNames(StrEnum):
    FULL = "full"  # Aigerim Bekova
    INITIAL = "initial"  # Aigerim B.
    CODE = "code"  # E-017 only


class AwardTitle(StrEnum):
    """What the winners' documents are called, as the contest chose; each has a translated
    heading ("Диплом I степени", "Грамота", ...)."""

    DIPLOMA = "diploma"
    CERTIFICATE = "certificate"
    CHARTER = "charter"  # Грамота / Мадақтама
    LETTER_OF_THANKS = "letter_of_thanks"


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class EntryContent(StrEnum):
    TEXT = "text"
    PHOTO = "photo"  # sent as a photo: recompressed by Telegram
    IMAGE_FILE = "image_file"  # sent as a file: full quality
    DOCUMENT = "document"


def _utc(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


def _json() -> Column[Any]:
    return Column(JSON, nullable=False)


def _user_fk(nullable: bool = False) -> Column[int]:
    return Column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), nullable=nullable)


class Contest(SQLModel, table=True):
    """A contest and its rules.

    Shapes of the JSON columns:
    - titles, rules, themes, organizer_names: {language: text};
    - countries: [country name as readers type it, any language] (empty = any);
    - sides: [{"key": "kz", "names": {language: text}, "countries": [...]}];
    - criteria: [{"key": "originality", "names": {language: text}, "weight": 0.4}];
    - prizes: {"1": {language: text}, "2": ..., "3": ...}.
    """

    __tablename__ = "contests"

    id: int = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=100, unique=True)
    kind: str = Field(max_length=16)
    language: str = Field(max_length=8)
    titles: dict[str, str] = Field(default_factory=dict, sa_column=_json())
    rules: dict[str, str] = Field(default_factory=dict, sa_column=_json())
    themes: dict[str, str] = Field(default_factory=dict, sa_column=_json())
    organizer_names: dict[str, str] = Field(default_factory=dict, sa_column=_json())
    timezone: str = Field(max_length=64)
    opens_at: datetime = Field(sa_column=_utc())
    closes_at: datetime = Field(sa_column=_utc())
    age_min: int
    age_max: int
    # Age is counted on this day (e.g. 15-19 on the closing date).
    age_reference_date: date
    countries: list[str] = Field(default_factory=list, sa_column=_json())
    sides: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    quota_per_side: int = 5
    entries_per_participant: int = 1
    criteria: list[dict[str, Any]] = Field(default_factory=list, sa_column=_json())
    scale_min: int = 1
    scale_max: int = 10
    tie_policy: str = Field(default=TiePolicy.SHARED, max_length=16)
    aggregate: str = Field(default=Aggregate.MEAN, max_length=16)
    normalize: bool = False
    min_jurors: int = 1
    # Jurors may see the others' scores of an entry after saving their own.
    show_other_scores: bool = False
    prizes: dict[str, dict[str, str]] = Field(default_factory=dict, sa_column=_json())
    jury_deadline: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    # Minutes before the jury deadline at which unfinished jurors are reminded.
    jury_reminder_offsets: list[int] = Field(default_factory=list, sa_column=_json())
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    # The organizing library: its organizers manage the contest (None: admins only).
    library_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("libraries.id", ondelete="SET NULL"), nullable=True),
    )
    # The programme or project it belongs to, if any (`Programme`; the report counts by it).
    programme_id: int | None = Field(
        default=None,
        sa_column=Column(ForeignKey("programmes.id", ondelete="SET NULL"), nullable=True),
    )
    # How winners are named in the list sent to participants (`WinnerNames`).
    winner_names: str = Field(default="initial", max_length=16)
    # What winners' documents are (`AwardTitle`); diplomas are what winners got before.
    award: str = Field(default="diploma", max_length=24)
    # Set when an organizer closes submissions before `closes_at`.
    closed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    frozen_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    published_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class Entry(SQLModel, table=True):
    __tablename__ = "entries"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: int = Field(default=None, primary_key=True)
    contest_id: int = Field(
        sa_column=Column(ForeignKey("contests.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    user_id: int = Field(sa_column=_user_fk())
    # Public code "E-017" = number 17: hides the author from the jury.
    number: int
    code: str = Field(max_length=16)
    side: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=200)
    caption: str | None = Field(default=None, max_length=1000)
    content: str = Field(max_length=16)
    text: str | None = None
    file_id: str | None = Field(default=None, max_length=255)
    file_unique_id: str | None = Field(default=None, max_length=128, index=True)
    file_name: str | None = Field(default=None, max_length=255)
    mime_type: str | None = Field(default=None, max_length=128)
    file_size: int | None = None
    status: str = Field(default=EntryStatus.SUBMITTED, max_length=16)
    submitted_at: datetime = Field(sa_column=_utc())
    updated_at: datetime = Field(sa_column=_utc())


class JuryInvite(SQLModel, table=True):
    __tablename__ = "jury_invites"

    id: int = Field(default=None, primary_key=True)
    contest_id: int = Field(
        sa_column=Column(ForeignKey("contests.id", ondelete="CASCADE"), nullable=False)
    )
    # Only a hash is kept: a leaked database does not leak usable invites.
    token_hash: str = Field(max_length=64, unique=True)
    created_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    created_at: datetime = Field(sa_column=_utc())
    expires_at: datetime = Field(sa_column=_utc())
    used_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    used_by: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class Juror(SQLModel, table=True):
    __tablename__ = "jurors"
    __table_args__ = (UniqueConstraint("contest_id", "user_id"),)

    id: int = Field(default=None, primary_key=True)
    contest_id: int = Field(
        sa_column=Column(ForeignKey("contests.id", ondelete="CASCADE"), nullable=False)
    )
    user_id: int = Field(sa_column=_user_fk())
    joined_at: datetime = Field(sa_column=_utc())
    # Removed by an organizer: their scores no longer count (results say so).
    removed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class Score(SQLModel, table=True):
    __tablename__ = "scores"
    __table_args__ = (UniqueConstraint("entry_id", "juror_id"),)

    id: int = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=Column(ForeignKey("entries.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    juror_id: int = Field(sa_column=_user_fk())
    # {criterion key: points on the contest's scale}
    values: dict[str, int] = Field(default_factory=dict, sa_column=_json())
    comment: str | None = Field(default=None, max_length=1000)
    saved_at: datetime = Field(sa_column=_utc())


class Conflict(SQLModel, table=True):
    """A juror's declared conflict of interest with one entry."""

    __tablename__ = "conflicts"
    __table_args__ = (UniqueConstraint("entry_id", "juror_id"),)

    id: int = Field(default=None, primary_key=True)
    entry_id: int = Field(
        sa_column=Column(ForeignKey("entries.id", ondelete="CASCADE"), nullable=False)
    )
    juror_id: int = Field(sa_column=_user_fk())
    note: str | None = Field(default=None, max_length=500)
    declared_at: datetime = Field(sa_column=_utc())


class ContestResult(SQLModel, table=True):
    """One entry's result as frozen: what Publish tells, whatever happens after."""

    __tablename__ = "contest_results"
    __table_args__ = (UniqueConstraint("contest_id", "entry_id"),)

    id: int = Field(default=None, primary_key=True)
    contest_id: int = Field(
        sa_column=Column(ForeignKey("contests.id", ondelete="CASCADE"), nullable=False)
    )
    entry_id: int = Field(
        sa_column=Column(ForeignKey("entries.id", ondelete="CASCADE"), nullable=False)
    )
    side: str | None = Field(default=None, max_length=64)
    score: float | None = None
    normalized: float | None = None
    spread: float | None = None
    jurors: int = 0
    # Place within the side (quotas are per side); None = not ranked.
    place: int | None = None
    shared: bool = False
    overall_place: int | None = None
    winner: bool = False
    # Why an entry is not ranked: "incomplete" (too few jurors), "ineligible" (age at freezing).
    flag: str | None = Field(default=None, max_length=32)
