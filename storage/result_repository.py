"""Queries behind contest results: what scoring reads, the frozen results it writes.
Never commits; the unit of work does."""

from __future__ import annotations

from sqlalchemy import and_, delete, func
from sqlmodel import Session, col, select

from storage.contest_models import (
    Conflict,
    Contest,
    ContestResult,
    Entry,
    EntryStatus,
    Juror,
    Score,
)
from storage.db import rowcount
from storage.models import User


class ResultRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def contest(self, contest_id: int, *, lock: bool = False) -> Contest | None:
        """The contest; with `lock`, its row is held until commit on PostgreSQL, so a double
        tap on Freeze or Publish waits for the first and then sees its outcome."""
        query = select(Contest).where(Contest.id == contest_id)
        if lock:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.exec(query).first()

    def standing_entries(self, contest_id: int) -> list[tuple[Entry, User]]:
        """Entries not withdrawn, with their authors as they are now, by number."""
        query = (
            select(Entry, User)
            .join(User, col(User.id) == col(Entry.user_id))
            .where(Entry.contest_id == contest_id, Entry.status == EntryStatus.SUBMITTED)
            .order_by(col(Entry.number))
        )
        return list(self.session.exec(query).all())

    def scores(self, contest_id: int) -> list[Score]:
        """Scores that count: on the contest's standing entries, except those of a declared
        conflict (the jury service deletes them on declaring; this keeps a stray one out
        anyway), of a juror an organizer removed, or of an author on their own entry."""
        query = (
            select(Score)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .outerjoin(
                Conflict,
                and_(
                    col(Conflict.entry_id) == col(Score.entry_id),
                    col(Conflict.juror_id) == col(Score.juror_id),
                ),
            )
            .outerjoin(
                Juror,
                and_(
                    col(Juror.contest_id) == col(Entry.contest_id),
                    col(Juror.user_id) == col(Score.juror_id),
                ),
            )
            .where(
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
                col(Conflict.id).is_(None),
                col(Juror.removed_at).is_(None),
                col(Entry.user_id) != col(Score.juror_id),
            )
            .order_by(col(Score.entry_id), col(Score.juror_id))
        )
        return list(self.session.exec(query).all())

    def removed_jurors_with_scores(self, contest_id: int) -> int:
        """Removed jurors who scored standing entries: the scores `scores` leaves out."""
        query = (
            select(func.count(func.distinct(col(Score.juror_id))))
            .select_from(Score)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .join(
                Juror,
                and_(
                    col(Juror.contest_id) == col(Entry.contest_id),
                    col(Juror.user_id) == col(Score.juror_id),
                ),
            )
            .where(
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
                col(Juror.removed_at).is_not(None),
            )
        )
        return self.session.exec(query).one()

    def jurors(self, contest_id: int) -> list[User]:
        """The contest's jurors, in the order they joined; removed ones are left out."""
        query = (
            select(User)
            .join(Juror, col(Juror.user_id) == col(User.id))
            .where(Juror.contest_id == contest_id, col(Juror.removed_at).is_(None))
            .order_by(col(Juror.joined_at), col(Juror.id))
        )
        return list(self.session.exec(query).all())

    def frozen(self, contest_id: int) -> list[tuple[ContestResult, Entry, User]]:
        """The frozen results with their entries and authors, by entry number."""
        query = (
            select(ContestResult, Entry, User)
            .join(Entry, col(Entry.id) == col(ContestResult.entry_id))
            .join(User, col(User.id) == col(Entry.user_id))
            .where(ContestResult.contest_id == contest_id)
            .order_by(col(Entry.number))
        )
        return list(self.session.exec(query).all())

    def add(self, result: ContestResult) -> ContestResult:
        self.session.add(result)
        return result

    def delete_for_contest(self, contest_id: int) -> int:
        query = delete(ContestResult).where(col(ContestResult.contest_id) == contest_id)
        return rowcount(self.session.execute(query))
