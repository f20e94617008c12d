"""Queries over contests and their card data. Never commits; the unit of work does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.contest_models import Contest, Entry, EntryStatus, Juror, Score


class ContestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, contest_id: int) -> Contest | None:
        return self.session.get(Contest, contest_id)

    def by_key(self, key: str) -> Contest | None:
        return self.session.exec(select(Contest).where(Contest.key == key)).first()

    def add(self, contest: Contest) -> Contest:
        self.session.add(contest)
        return contest

    def open_now(self, now: datetime) -> list[Contest]:
        """Accepting entries: opened, not yet at `closes_at`, not closed early."""
        query = (
            select(Contest)
            .where(
                col(Contest.opens_at) <= now,
                col(Contest.closes_at) > now,
                col(Contest.closed_at).is_(None),
            )
            .order_by(col(Contest.closes_at), col(Contest.id))
        )
        return list(self.session.exec(query).all())

    def _current(self, now: datetime) -> SelectOfScalar[Contest]:
        return select(Contest).where(
            col(Contest.closes_at) > now, col(Contest.closed_at).is_(None)
        )

    def current(self, now: datetime, offset: int = 0, limit: int = 100) -> list[Contest]:
        """Open or still to open (not closed), soonest closing first: what readers browse."""
        query = self._current(now).order_by(col(Contest.closes_at), col(Contest.id))
        return list(self.session.exec(query.offset(offset).limit(limit)).all())

    def count_current(self, now: datetime) -> int:
        query = select(func.count()).select_from(self._current(now).subquery())
        return self.session.exec(query).one()

    def recent(self, offset: int = 0, limit: int = 100,
               libraries: frozenset[int] | None = None) -> list[Contest]:
        """Every contest (only those of `libraries` when given), newest first: organizers
        reach closed ones for the jury and results."""
        query = select(Contest).order_by(col(Contest.id).desc())
        if libraries is not None:
            query = query.where(col(Contest.library_id).in_(libraries))
        return list(self.session.exec(query.offset(offset).limit(limit)).all())

    def count_all(self, libraries: frozenset[int] | None = None) -> int:
        query = select(func.count()).select_from(Contest)
        if libraries is not None:
            query = query.where(col(Contest.library_id).in_(libraries))
        return self.session.exec(query).one()

    def entry_count(self, contest_id: int, user_id: int | None = None) -> int:
        """Entries not withdrawn, of one participant when `user_id` is given."""
        query = select(func.count()).where(
            Entry.contest_id == contest_id, Entry.status == EntryStatus.SUBMITTED
        )
        if user_id is not None:
            query = query.where(Entry.user_id == user_id)
        return self.session.exec(query).one()

    def has_entries(self, contest_id: int) -> bool:
        """Any entry, withdrawn ones included: their codes and kind are already given out."""
        query = select(Entry.id).where(Entry.contest_id == contest_id).limit(1)
        return self.session.exec(query).first() is not None

    def has_scores(self, contest_id: int) -> bool:
        query = (
            select(Score.id)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .where(Entry.contest_id == contest_id)
            .limit(1)
        )
        return self.session.exec(query).first() is not None

    def has_juror(self, contest_id: int, user_id: int) -> bool:
        """On the contest's jury now (not removed by an organizer)."""
        query = select(Juror.id).where(
            Juror.contest_id == contest_id, Juror.user_id == user_id,
            col(Juror.removed_at).is_(None),
        )
        return self.session.exec(query).first() is not None
