"""Queries over jurors, invites, scores and conflicts. Never commits; the unit of work does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, func, or_, update
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
from storage.db import rowcount
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
        return rowcount(claimed) == 1

    def open_invites(self, contest_id: int, now: datetime) -> int:
        """Invites of the contest neither used nor expired."""
        query = select(func.count()).where(
            JuryInvite.contest_id == contest_id,
            col(JuryInvite.used_at).is_(None),
            col(JuryInvite.expires_at) > now,
        )
        return self.session.exec(query).one()

    def juror(self, contest_id: int, user_id: int) -> Juror | None:
        """The user's seat on the jury, removed or not."""
        query = select(Juror).where(Juror.contest_id == contest_id, Juror.user_id == user_id)
        return self.session.exec(query).first()

    def seat(self, seat_id: int) -> Juror | None:
        """A jurors row by its own id (what the organizers' buttons carry)."""
        return self.session.get(Juror, seat_id)

    def jurors(self, contest_id: int) -> list[tuple[Juror, User]]:
        """Jurors in the order they joined; removed ones are left out."""
        query = (
            select(Juror, User)
            .join(User, col(User.id) == col(Juror.user_id))
            .where(Juror.contest_id == contest_id, col(Juror.removed_at).is_(None))
            .order_by(col(Juror.id))
        )
        return [(juror, user) for juror, user in self.session.exec(query).all()]

    def removed_jurors(self, contest_id: int) -> list[tuple[Juror, User]]:
        """Jurors an organizer removed, in the order they were removed."""
        query = (
            select(Juror, User)
            .join(User, col(User.id) == col(Juror.user_id))
            .where(Juror.contest_id == contest_id, col(Juror.removed_at).is_not(None))
            .order_by(col(Juror.removed_at), col(Juror.id))
        )
        return [(juror, user) for juror, user in self.session.exec(query).all()]

    def contests_of(self, user_id: int, *, removed: bool = False) -> list[Contest]:
        """The contests whose jury the user is on (with `removed`: was removed from)."""
        seated = col(Juror.removed_at).is_not(None) if removed else col(Juror.removed_at).is_(None)
        query = (
            select(Contest)
            .join(Juror, col(Juror.contest_id) == col(Contest.id))
            .where(Juror.user_id == user_id, seated)
            .order_by(col(Contest.closes_at), col(Contest.id))
        )
        return list(self.session.exec(query).all())

    def own_entries(self, contest_id: int) -> list[tuple[Entry, User]]:
        """Submitted entries whose author sits on the contest's jury: conflicts of interest
        without a declaration (see `count_conflicts`), by entry number."""
        query = (
            select(Entry, User)
            .join(Juror, and_(col(Juror.contest_id) == col(Entry.contest_id),
                              col(Juror.user_id) == col(Entry.user_id)))
            .join(User, col(User.id) == col(Entry.user_id))
            .where(
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
                col(Juror.removed_at).is_(None),
            )
            .order_by(col(Entry.number))
        )
        return [(entry, user) for entry, user in self.session.exec(query).all()]

    # --- what a juror has to score ---------------------------------------------------------

    def count_submitted(self, contest_id: int) -> int:
        query = select(func.count()).where(
            Entry.contest_id == contest_id, Entry.status == EntryStatus.SUBMITTED
        )
        return self.session.exec(query).one()

    def count_conflicts(self, contest_id: int, juror_id: int) -> int:
        """Entries still in the contest the juror may not score: declared conflicts, and
        their own entries (an author is conflicted on their work without declaring it)."""
        declared = exists().where(
            and_(col(Conflict.entry_id) == col(Entry.id), col(Conflict.juror_id) == juror_id)
        )
        query = select(func.count()).where(
            Entry.contest_id == contest_id,
            Entry.status == EntryStatus.SUBMITTED,
            or_(col(Entry.user_id) == juror_id, declared),
        )
        return self.session.exec(query).one()

    def count_scored(self, contest_id: int, juror_id: int) -> int:
        """Scores on entries still in the contest (a conflict deletes the score), not on
        the juror's own entries."""
        query = (
            select(func.count())
            .select_from(Score)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .where(
                Score.juror_id == juror_id,
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
                col(Entry.user_id) != juror_id,
            )
        )
        return self.session.exec(query).one()

    def unscored(
        self, contest_id: int, juror_id: int, *, above: int = 0, limit: int = 1
    ) -> list[Entry]:
        """Submitted entries numbered above `above` that the juror has neither scored
        nor declared a conflict with, and did not write, in number order."""
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
                col(Entry.user_id) != juror_id,
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
        """A juror's scores on submitted entries (not their own), in entry number order."""
        query = (
            select(Score, Entry)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .where(
                Score.juror_id == juror_id,
                Entry.contest_id == contest_id,
                Entry.status == EntryStatus.SUBMITTED,
                col(Entry.user_id) != juror_id,
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
        """Declared conflicts of a contest, in the order they were declared; those of
        removed jurors are left out."""
        query = (
            select(Conflict, Entry, User)
            .join(Entry, col(Entry.id) == col(Conflict.entry_id))
            .join(User, col(User.id) == col(Conflict.juror_id))
            .outerjoin(Juror, and_(col(Juror.contest_id) == col(Entry.contest_id),
                                   col(Juror.user_id) == col(Conflict.juror_id)))
            .where(Entry.contest_id == contest_id, col(Juror.removed_at).is_(None))
            .order_by(col(Conflict.declared_at), col(Conflict.id))
        )
        return [(conflict, entry, user) for conflict, entry, user in self.session.exec(query).all()]

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
