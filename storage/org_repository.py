"""Queries over libraries, their organizers and organizer invites. Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, update
from sqlmodel import Session, col, select

from storage.db import rowcount
from storage.models import User
from storage.org_models import Library, Organizer, OrganizerInvite, Programme


class OrganizerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: Library | Organizer | OrganizerInvite) -> None:
        self.session.add(row)

    # --- libraries ---------------------------------------------------------------------

    def library(self, library_id: int) -> Library | None:
        return self.session.get(Library, library_id)

    def library_named(self, name: str) -> Library | None:
        query = select(Library).where(col(Library.name) == name)
        return self.session.exec(query).first()

    def libraries(self, ids: frozenset[int] | None = None) -> list[Library]:
        """All libraries by name, or only those with the given ids."""
        query = select(Library).order_by(col(Library.name))
        if ids is not None:
            query = query.where(col(Library.id).in_(ids))
        return list(self.session.exec(query))

    # --- programmes ---------------------------------------------------------------------

    def programmes(self) -> list[Programme]:
        """All programmes by name."""
        return list(self.session.exec(select(Programme).order_by(col(Programme.name))))

    def programme(self, programme_id: int) -> Programme | None:
        return self.session.get(Programme, programme_id)

    def programme_named(self, name: str) -> Programme | None:
        """The programme with this name, ignoring case (and surrounding spaces)."""
        wanted = name.strip().lower()
        query = select(Programme).where(func.lower(col(Programme.name)) == wanted)
        found = self.session.exec(query).first()
        if found is not None:
            return found
        # SQL lower() folds only ASCII on SQLite: compare Cyrillic names in Python.
        return next(
            (p for p in self.programmes() if p.name.strip().casefold() == name.strip().casefold()),
            None,
        )

    def add_programme(self, programme: Programme) -> None:
        self.session.add(programme)

    # --- organizers --------------------------------------------------------------------

    def library_ids_of(self, user_id: int) -> frozenset[int]:
        query = select(Organizer.library_id).where(col(Organizer.user_id) == user_id)
        return frozenset(self.session.exec(query))

    def colleagues(self, library_ids: frozenset[int]) -> frozenset[int]:
        """Every organizer of any of these libraries."""
        query = select(Organizer.user_id).where(col(Organizer.library_id).in_(library_ids))
        return frozenset(self.session.exec(query))

    def membership(self, membership_id: int) -> Organizer | None:
        return self.session.get(Organizer, membership_id)

    def member(self, user_id: int, library_id: int) -> Organizer | None:
        query = select(Organizer).where(
            col(Organizer.user_id) == user_id, col(Organizer.library_id) == library_id
        )
        return self.session.exec(query).first()

    def members(self) -> list[tuple[Organizer, User]]:
        """Every membership with its user, by library then by when they joined."""
        query = (
            select(Organizer, User)
            .join(User, col(User.id) == col(Organizer.user_id))
            .order_by(col(Organizer.library_id), col(Organizer.id))
        )
        return list(self.session.exec(query))

    def remove_membership(self, membership_id: int) -> bool:
        removed = self.session.execute(delete(Organizer).where(col(Organizer.id) == membership_id))
        return rowcount(removed) == 1

    # --- invites -----------------------------------------------------------------------

    def invite_by_hash(self, token_hash: str) -> OrganizerInvite | None:
        query = select(OrganizerInvite).where(col(OrganizerInvite.token_hash) == token_hash)
        return self.session.exec(query).first()

    def claim_invite(self, invite_id: int, user_id: int, now: datetime) -> bool:
        """Mark an unused invite used; False when someone else took it first."""
        claimed = self.session.execute(
            update(OrganizerInvite)
            .where(col(OrganizerInvite.id) == invite_id, col(OrganizerInvite.used_at).is_(None))
            .values(used_at=now, used_by=user_id)
        )
        return rowcount(claimed) == 1
