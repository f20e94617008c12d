"""Queries over contest entries. Never commits; the unit of work does."""

from __future__ import annotations

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.contest_models import Contest, ContestResult, Entry, EntryStatus, Score
from storage.db import rowcount
from storage.models import User


class EntryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, entry_id: int) -> Entry | None:
        return self.session.get(Entry, entry_id)

    def add(self, entry: Entry) -> Entry:
        self.session.add(entry)
        return entry

    def lock_contest(self, contest_id: int) -> Contest | None:
        """The contest row, locked until commit on PostgreSQL (SQLite has one writer anyway):
        entries of one contest are numbered and counted one submission at a time."""
        query = select(Contest).where(Contest.id == contest_id).with_for_update()
        return self.session.exec(query).first()

    def last_number(self, contest_id: int) -> int:
        """The highest number given in the contest (withdrawn entries keep theirs); 0 if none."""
        query = select(func.max(Entry.number)).where(Entry.contest_id == contest_id)
        return self.session.exec(query).one() or 0

    def count_submitted(self, contest_id: int, user_id: int) -> int:
        query = select(func.count()).where(
            Entry.contest_id == contest_id,
            Entry.user_id == user_id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        return self.session.exec(query).one()

    def file_taken(self, contest_id: int, file_unique_id: str) -> bool:
        """Whether a standing (not withdrawn) entry of the contest has this very file."""
        query = select(Entry.id).where(
            Entry.contest_id == contest_id,
            Entry.file_unique_id == file_unique_id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        return self.session.exec(query.limit(1)).first() is not None

    def submitted(self, contest_id: int) -> list[Entry]:
        """The contest's standing entries, by number."""
        query = (
            select(Entry)
            .where(Entry.contest_id == contest_id, Entry.status == EntryStatus.SUBMITTED)
            .order_by(col(Entry.number))
        )
        return list(self.session.exec(query).all())

    def for_contest(self, contest_id: int) -> list[tuple[Entry, User]]:
        """Every entry of the contest (withdrawn too) with its author, by number."""
        query = (
            select(Entry, User)
            .join(User, col(User.id) == col(Entry.user_id))
            .where(Entry.contest_id == contest_id)
            .order_by(col(Entry.number))
        )
        return [(entry, user) for entry, user in self.session.exec(query).all()]

    def for_user(self, user_id: int) -> list[tuple[Entry, Contest, ContestResult | None]]:
        """A reader's entries with their contest and frozen result (if any), newest first."""
        query = (
            select(Entry, Contest, ContestResult)
            .join(Contest, col(Contest.id) == col(Entry.contest_id))
            .join(
                ContestResult,
                (col(ContestResult.entry_id) == col(Entry.id))
                & (col(ContestResult.contest_id) == col(Entry.contest_id)),
                isouter=True,
            )
            .where(Entry.user_id == user_id)
            .order_by(col(Contest.closes_at).desc(), col(Entry.number))
        )
        return [(entry, contest, result) for entry, contest, result in self.session.exec(query)]

    def delete_scores(self, entry_id: int) -> int:
        """Removes every juror's scores of the entry; returns how many there were."""
        return rowcount(self.session.execute(delete(Score).where(col(Score.entry_id) == entry_id)))
