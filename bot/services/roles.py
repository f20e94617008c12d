"""Who may do what: admins (from settings) manage everything; an organizer manages
the events and contests of their libraries; everyone else is a reader.

`Role` is a plain value, read once per update and handed to the checks below, so
a handler asks one question ("may this user manage this event?") and gets one answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Role:
    user_id: int
    admin: bool = False
    library_ids: frozenset[int] = frozenset()

    @property
    def organizer(self) -> bool:
        """Admins and organizers of at least one library: the organizer commands are theirs."""
        return self.admin or bool(self.library_ids)

    def manages(self, library_id: int | None) -> bool:
        """Events and contests without a library are the admins' alone."""
        return self.admin or (library_id is not None and library_id in self.library_ids)

    @property
    def scope(self) -> frozenset[int] | None:
        """The libraries whose things this role sees; None: all of them."""
        return None if self.admin else self.library_ids


class Access(Enum):
    ALLOWED = "allowed"
    NOT_ORGANIZER = "not_organizer"
    OTHER_LIBRARY = "other_library"


def role_of(uow: UnitOfWork, user_id: int, admin_ids: frozenset[int]) -> Role:
    return Role(user_id, user_id in admin_ids, uow.organizers.library_ids_of(user_id))


def event_access(uow: UnitOfWork, role: Role, event_id: int) -> Access:
    """Whether `role` may manage the event. One that is gone is left to the organizer's
    handler, which says it is gone."""
    event = uow.events.get(event_id)
    return _access(role, None if event is None else event.library_id, event is not None)


def contest_access(uow: UnitOfWork, role: Role, contest_id: int) -> Access:
    contest = uow.contests.get(contest_id)
    return _access(role, None if contest is None else contest.library_id, contest is not None)


def _access(role: Role, library_id: int | None, exists: bool) -> Access:
    if not role.organizer:
        return Access.NOT_ORGANIZER
    if exists and not role.manages(library_id):
        return Access.OTHER_LIBRARY
    return Access.ALLOWED


def home_library(role: Role) -> int | None:
    """The library a new event or contest of this organizer belongs to: their first
    (lowest id), so that it is the same every time; None for an admin of no library."""
    return min(role.library_ids) if role.library_ids else None
