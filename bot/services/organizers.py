"""Admins manage who organizes for which library: libraries, one-time organizer
invites (like the jury's: only a hash is kept), and removing an organizer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.i18n import N_
from bot.services.tokens import new_token, token_hash
from storage.org_models import Library, Organizer, OrganizerInvite
from storage.uow import Database, UnitOfWork

INVITE_TTL = timedelta(days=7)
LIBRARY_NAME_MAX = 200


class OrganizersError(Exception):
    """An admin's request refused; `msgid` says why (an N_ message with `params`)."""

    def __init__(self, msgid: str, **params: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.params = params


class OrganizerInviteInvalid(OrganizersError):
    def __init__(self) -> None:
        super().__init__(N_("This organizer invitation is not valid (used or expired). "
                            "Ask the administrator for a new one."))


@dataclass(frozen=True)
class Member:
    membership_id: int
    user_id: int
    name: str


@dataclass(frozen=True)
class LibraryTeam:
    library_id: int
    name: str
    members: list[Member]


def teams(uow: UnitOfWork) -> list[LibraryTeam]:
    """Every library by name with its organizers, for the admins' /organizers."""
    members: dict[int, list[Member]] = {}
    for membership, user in uow.organizers.members():
        name = user.full_name or user.first_name or str(user.id)
        members.setdefault(membership.library_id, []).append(
            Member(membership.id, user.id, name))
    return [LibraryTeam(library.id, library.name, members.get(library.id, []))
            for library in uow.organizers.libraries()]


def library_name(uow: UnitOfWork, library_id: int) -> str | None:
    library = uow.organizers.library(library_id)
    return None if library is None else library.name


def library_names(uow: UnitOfWork, library_ids: frozenset[int]) -> list[str]:
    """The names of these libraries, alphabetically (the organizer's welcome)."""
    if not library_ids:
        return []
    return [library.name for library in uow.organizers.libraries(library_ids)]


def clean_library_name(text: str) -> str:
    name = " ".join(text.split())
    if not any(ch.isalpha() for ch in name):
        raise OrganizersError(N_("A library's name needs letters. Please type it again."))
    if len(name) > LIBRARY_NAME_MAX:
        raise OrganizersError(N_("Please keep the name under {limit} characters."),
                              limit=LIBRARY_NAME_MAX)
    return name


def find_or_add_library(uow: UnitOfWork, name: str, now: datetime) -> Library:
    """The library of that name, added if new (imports name libraries this way)."""
    name = clean_library_name(name)
    library = uow.organizers.library_named(name)
    if library is None:
        library = Library(name=name, created_at=now)
        uow.organizers.add(library)
        uow.flush()
    return library


def add_library(db: Database, text: str, now: datetime) -> LibraryTeam:
    """A new library from a typed name; refuses a name that is taken."""
    name = clean_library_name(text)
    with db.uow() as uow:
        if uow.organizers.library_named(name) is not None:
            raise OrganizersError(N_("There is already a library named «{name}»."), name=name)
        library = find_or_add_library(uow, name, now)
        uow.commit()
    return LibraryTeam(library.id, library.name, [])


def invite_organizer(db: Database, library_id: int, admin_id: int,
                     now: datetime) -> tuple[str, str]:
    """A one-time link token for one library (and its name); only the hash is kept."""
    with db.uow() as uow:
        library = uow.organizers.library(library_id)
        if library is None:
            raise OrganizersError(N_("This library no longer exists."))
        token = new_token()
        uow.organizers.add(OrganizerInvite(
            library_id=library_id, token_hash=token_hash(token), created_by=admin_id,
            created_at=now, expires_at=now + INVITE_TTL))
        uow.commit()
    return token, library.name


@dataclass(frozen=True)
class Joined:
    library: str
    already: bool


def join_as_organizer(db: Database, token: str, user_id: int, name: str,
                      now: datetime) -> Joined:
    """Whoever opens the link first becomes an organizer of its library. Their Telegram
    name is kept so that admins can tell organizers apart (organizers are staff)."""
    with db.uow() as uow:
        invite = uow.organizers.invite_by_hash(token_hash(token))
        library = None if invite is None else uow.organizers.library(invite.library_id)
        if invite is None or library is None:
            raise OrganizerInviteInvalid()
        already = uow.organizers.member(user_id, library.id) is not None
        if invite.used_at is not None:
            if invite.used_by == user_id and already:
                return Joined(library.name, already=True)
            raise OrganizerInviteInvalid()
        if invite.expires_at <= now or not uow.organizers.claim_invite(invite.id, user_id, now):
            raise OrganizerInviteInvalid()
        if not already:
            uow.organizers.add(Organizer(user_id=user_id, library_id=library.id,
                                         added_by=invite.created_by, added_at=now))
        user = uow.users.get(user_id)
        if user is not None and name:
            user.first_name = name[:255]
        uow.commit()
    return Joined(library.name, already)


def remove_organizer(db: Database, membership_id: int) -> Member | None:
    """Removes one organizer from one library; None if that was done already."""
    with db.uow() as uow:
        membership = uow.organizers.membership(membership_id)
        if membership is None:
            return None
        user = uow.users.get(membership.user_id)
        name = (user.full_name or user.first_name) if user else ""
        uow.organizers.remove_membership(membership_id)
        uow.commit()
    return Member(membership_id, membership.user_id, name or str(membership.user_id))


def member(uow: UnitOfWork, membership_id: int) -> tuple[Member, str] | None:
    """One membership and its library's name, for the removal's confirmation."""
    membership = uow.organizers.membership(membership_id)
    if membership is None:
        return None
    user = uow.users.get(membership.user_id)
    name = (user.full_name or user.first_name) if user else ""
    library = library_name(uow, membership.library_id) or ""
    return Member(membership_id, membership.user_id, name or str(membership.user_id)), library
