"""Queries over jurors, invites, scores and conflicts. Never commits; the unit of work does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, update
from sqlmodel import Session, col, select

from storage.contest_models import (
    Conflict,
    Contest,
    Entry,
    EntryStatus,
    Juror,
    JuryInvite,
    Score,
)
from storage.models import Notification, NotificationKind, User


class JuryRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: JuryInvite | Juror | Score | Conflict) -> None:
        self.session.add(row)

    def delete(self, row: Score | Conflict | Notification) -> None:
        self.session.delete(row)

    def entry(self, entry_id: int) -> Entry | None:
        return self.session.get(Entry, entry_id)

    # --- invites and jurors ----------------------------------------------------------------

    def invite_by_hash(self, token_hash: str) -> JuryInvite | None:
        query = select(JuryInvite).where(JuryInvite.token_hash == token_hash)
        return self.session.exec(query).first()

    def claim_invite(self, invite_id: int, user_id: int, now: datetime) -> bool:
        """Mark an unused invite used; False when someone else took it first."""
        claimed = self.session.execute(
            update(JuryInvite)
            .where(col(JuryInvite.id) == invite_id, col(JuryInvite.used_at).is_(None))
            .values(used_at=now, used_by=user_id)
        )
        return claimed.rowcount == 1

    def juror(self, contest_id: int, user_id: int) -> Juror | None:
        query = select(Juror).where(Juror.contest_id == contest_id, Juror.user_id == user_id)
        return self.session.exec(query).first()

    def jurors(self, contest_id: int) -> list[tuple[Juror, User]]:
        """Jurors in the order they joined."""
        query = (
            select(Juror, User)
            .join(User, col(User.id) == col(Juror.user_id))
            .where(Juror.contest_id == contest_id)
            .order_by(col(Juror.id))
        )
        return [(juror, user) for juror, user in self.session.exec(query).all()]

    def contests_of(self, user_id: int) -> list[Contest]:
        query = (
            select(Contest)
            .join(Juror, col(Juror.contest_id) == col(Contest.id))
            .where(Juror.user_id == user_id)
            .order_by(col(Contest.closes_at), col(Contest.id))
        )
        return list(self.session.exec(query).all())

    # --- what a juror has to score ---------------------------------------------------------

    def count_submitted(self, contest_id: int) -> int:
        query = select(func.count()).where(
            Entry.contest_id == contest_id, Entry.status == EntryStatus.SUBMITTED
        )
        return self.session.exec(query).one()

    def count_conflicts(self, contest_id: int, juror_id: int) -> int:
        """Declared conflicts with entries still in the contest."""
        query = (
            select(func.count())
            .select_from(Conflict)
            .join(Entry, col(Entry.id) == col(Conflict.entry_id))
            .where(
                Conflict.juror_id == juror_id,
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
        return self.session.exec(query).one()

    def count_scored(self, contest_id: int, juror_id: int) -> int:
        """Scores on entries still in the contest (a conflict deletes the score)."""
        query = (
            select(func.count())
            .select_from(Score)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .where(
                Score.juror_id == juror_id,
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
        return self.session.exec(query).one()

    def unscored(
        self, contest_id: int, juror_id: int, *, above: int = 0, limit: int = 1
    ) -> list[Entry]:
        """Submitted entries numbered above `above` that the juror has neither scored
        nor declared a conflict with, in number order."""
        scored = exists().where(
            and_(col(Score.entry_id) == col(Entry.id), col(Score.juror_id) == juror_id)
        )
        conflicted = exists().where(
            and_(col(Conflict.entry_id) == col(Entry.id), col(Conflict.juror_id) == juror_id)
        )
        query = (
            select(Entry)
            .where(
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
                col(Entry.number) > above,
                ~scored,
                ~conflicted,
            )
            .order_by(col(Entry.number))
            .limit(limit)
        )
        return list(self.session.exec(query).all())

    # --- scores and conflicts --------------------------------------------------------------

    def score(self, entry_id: int, juror_id: int) -> Score | None:
        query = select(Score).where(Score.entry_id == entry_id, Score.juror_id == juror_id)
        return self.session.exec(query).first()

    def scored_by(self, contest_id: int, juror_id: int) -> list[tuple[Score, Entry]]:
        """A juror's scores on submitted entries, in entry number order."""
        query = (
            select(Score, Entry)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .where(
                Score.juror_id == juror_id,
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .order_by(col(Entry.number))
        )
        return [(score, entry) for score, entry in self.session.exec(query).all()]

    def scores_of_entry(self, entry_id: int) -> list[Score]:
        query = select(Score).where(Score.entry_id == entry_id).order_by(col(Score.id))
        return list(self.session.exec(query).all())

    def conflict(self, entry_id: int, juror_id: int) -> Conflict | None:
        query = select(Conflict).where(
            Conflict.entry_id == entry_id, Conflict.juror_id == juror_id
        )
        return self.session.exec(query).first()

    def conflicts(self, contest_id: int) -> list[tuple[Conflict, Entry, User]]:
        """Declared conflicts of a contest, in the order they were declared."""
        query = (
            select(Conflict, Entry, User)
            .join(Entry, col(Entry.id) == col(Conflict.entry_id))
            .join(User, col(User.id) == col(Conflict.juror_id))
            .where(Entry.contest_id == contest_id)
            .order_by(col(Conflict.declared_at), col(Conflict.id))
        )
        return [tuple(row) for row in self.session.exec(query).all()]

    # --- reminders -------------------------------------------------------------------------

    def jury_reminders(self, contest_id: int) -> list[Notification]:
        query = (
            select(Notification)
            .where(
                Notification.contest_id == contest_id,
                Notification.kind == NotificationKind.JURY_REMINDER,
            )
            .order_by(col(Notification.due_at), col(Notification.id))
        )
        return list(self.session.exec(query).all())
