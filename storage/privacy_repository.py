"""Queries behind /mydata, erasure and the retention period: everything kept about one
reader, and who has personal data at all. Never commits; the unit of work does.

Not on the unit of work (its repositories are someone else's file): services build it
over the unit of work's session, `PrivacyRepository(uow.session)`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from storage.contest_models import Contest, ContestResult, Entry, EntryStatus, Juror, Score
from storage.db import rowcount, table_of
from storage.models import Event, Notification, NotificationStatus, Registration, User
from storage.org_models import Organizer

# What an entry's title becomes once its work is deleted (the column cannot be empty of
# meaning: lists show "E-017 «—»", a work without a title).
NEUTRAL_TITLE = "—"


def _has_content() -> ColumnElement[bool]:
    """An entry whose work (or any part of it) is still stored."""
    return or_(
        col(Entry.file_id).is_not(None),
        col(Entry.file_unique_id).is_not(None),
        col(Entry.file_name).is_not(None),
        col(Entry.text).is_not(None),
        col(Entry.caption).is_not(None),
        col(Entry.title) != NEUTRAL_TITLE,
    )


def _profile_stored() -> ColumnElement[bool]:
    """A reader who gave consent or has any profile answer stored."""
    return or_(
        col(User.consent_at).is_not(None),
        col(User.full_name).is_not(None),
        col(User.birth_date).is_not(None),
        col(User.country).is_not(None),
        col(User.city).is_not(None),
        col(User.library).is_not(None),
    )


def _profile_holders() -> SelectOfScalar[int]:
    return select(User.id).where(_profile_stored())


class PrivacyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- one reader ------------------------------------------------------------------------

    def registrations(self, user_id: int) -> list[tuple[Registration, Event]]:
        """Every registration of the reader (cancelled ones too), earliest event first."""
        query = (
            select(Registration, Event)
            .join(Event, col(Event.id) == col(Registration.event_id))
            .where(Registration.user_id == user_id)
            .order_by(col(Event.starts_at), col(Event.id))
        )
        return [(registration, event) for registration, event in self.session.exec(query)]

    def entries(self, user_id: int) -> list[tuple[Entry, Contest, ContestResult | None]]:
        """Every entry of the reader (withdrawn too) with its contest and frozen result."""
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
            .order_by(col(Contest.id), col(Entry.number))
        )
        return [(entry, contest, result) for entry, contest, result in self.session.exec(query)]

    def jury_seats(self, user_id: int) -> list[tuple[Juror, Contest]]:
        """The reader's seats on juries (removed ones too), in the order they joined."""
        query = (
            select(Juror, Contest)
            .join(Contest, col(Contest.id) == col(Juror.contest_id))
            .where(Juror.user_id == user_id)
            .order_by(col(Juror.joined_at), col(Juror.id))
        )
        return [(juror, contest) for juror, contest in self.session.exec(query)]

    def scores_given(self, user_id: int) -> list[tuple[Score, Entry, Contest]]:
        """Every score the reader gave as a juror, by contest and entry number."""
        query = (
            select(Score, Entry, Contest)
            .join(Entry, col(Entry.id) == col(Score.entry_id))
            .join(Contest, col(Contest.id) == col(Entry.contest_id))
            .where(Score.juror_id == user_id)
            .order_by(col(Contest.id), col(Entry.number))
        )
        return [(score, entry, contest) for score, entry, contest in self.session.exec(query)]

    def cancel_pending_notifications(self, user_id: int, reason: str) -> int:
        """Messages to the reader not yet sent are not sent; returns how many."""
        table = table_of(Notification)
        query = (
            update(table)
            .where(table.c.user_id == user_id, table.c.status == NotificationStatus.PENDING)
            .values(status=NotificationStatus.CANCELLED, last_error=reason[:500])
        )
        return rowcount(self.session.execute(query))

    # --- everyone (the daily retention job) ------------------------------------------------

    def readers_with_profile(self) -> list[User]:
        """Readers who gave consent or have any profile answer stored."""
        return list(self.session.exec(select(User).where(_profile_stored())).all())

    def events_of_readers_with_profile(self) -> list[tuple[int, Event]]:
        """(reader, event) for every registration (any status) of a reader with a profile."""
        query = (
            select(Registration.user_id, Event)
            .join(Event, col(Event.id) == col(Registration.event_id))
            .where(col(Registration.user_id).in_(_profile_holders()))
        )
        return [(user_id, event) for user_id, event in self.session.exec(query)]

    def contests_of_readers_with_profile(self) -> list[tuple[int, Contest]]:
        """(reader, contest) for every entry (withdrawn too) and every jury seat not removed
        of a reader with a profile."""
        entered = (
            select(Entry.user_id, Contest)
            .join(Contest, col(Contest.id) == col(Entry.contest_id))
            .where(col(Entry.user_id).in_(_profile_holders()))
        )
        judged = (
            select(Juror.user_id, Contest)
            .join(Contest, col(Contest.id) == col(Juror.contest_id))
            .where(col(Juror.user_id).in_(_profile_holders()), col(Juror.removed_at).is_(None))
        )
        return [(user_id, contest) for query in (entered, judged)
                for user_id, contest in self.session.exec(query)]

    def clear_names_without_consent(self) -> int:
        """First names stored at a first contact before consent was asked for (older
        versions kept them): cleared. Jurors' and organizers' names, kept when they joined
        so that they can be told apart, stay. Returns how many."""
        table = table_of(User)
        staff = select(Juror.user_id).union(select(Organizer.user_id))
        query = (
            update(table)
            .where(table.c.consent_at.is_(None), table.c.first_name != "",
                   table.c.id.not_in(staff))
            .values(first_name="")
        )
        return rowcount(self.session.execute(query))

    def clear_withdrawn_works(self) -> int:
        """Withdrawn entries keep their code; their work and title are deleted. Returns
        how many entries still had something to delete."""
        table = table_of(Entry)
        query = (
            update(table)
            .where(table.c.status == EntryStatus.WITHDRAWN, _has_content())
            .values(title=NEUTRAL_TITLE, caption=None, text=None, file_id=None,
                    file_unique_id=None, file_name=None)
        )
        return rowcount(self.session.execute(query))
