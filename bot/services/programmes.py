"""Programmes and projects events and contests may belong to ("Парасат жолы", "Одна страна –
одна книга"): the report counts by them. Admins add them in chat or by naming them in an
import file (a new name is added there, like a library)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.core.i18n import N_
from storage.org_models import Programme
from storage.uow import Database, UnitOfWork

PROGRAMME_NAME_MAX = 200


@dataclass(frozen=True)
class ProgrammeProblem:
    """Why a programme name was refused: an N_ message with its `params`."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)


def clean_programme_name(text: str) -> str | ProgrammeProblem:
    """The name with its spaces tidied, or why it cannot be one."""
    name = " ".join(text.split())
    if not name:
        return ProgrammeProblem(N_("A programme's name cannot be empty. Please type it again."))
    if len(name) > PROGRAMME_NAME_MAX:
        return ProgrammeProblem(N_("Please keep the programme's name under {limit} characters."),
                                {"limit": PROGRAMME_NAME_MAX})
    return name


def find_or_add_programme(uow: UnitOfWork, name: str, now: datetime) -> Programme:
    """The programme of that name (in any case), added if new; the name must be clean."""
    programme = uow.organizers.programme_named(name)
    if programme is None:
        programme = Programme(name=name, created_at=now)
        uow.organizers.add_programme(programme)
        uow.flush()
    return programme


def programme_id_named(uow: UnitOfWork, name: str | None, now: datetime) -> int | None:
    """The id of the programme an import names (added if new); None when it names none."""
    if not name:
        return None
    cleaned = clean_programme_name(name)
    if isinstance(cleaned, ProgrammeProblem):
        raise ValueError(f"not a programme's name: {name!r}")
    return find_or_add_programme(uow, cleaned, now).id


def add_programme(db: Database, text: str, now: datetime) -> Programme | ProgrammeProblem:
    """A new programme from a typed name; refuses an empty, long or taken one."""
    name = clean_programme_name(text)
    if isinstance(name, ProgrammeProblem):
        return name
    with db.uow() as uow:
        taken = uow.organizers.programme_named(name)
        if taken is not None:
            return ProgrammeProblem(N_("There is already a programme named «{name}»."),
                                    {"name": taken.name})
        programme = find_or_add_programme(uow, name, now)
        uow.commit()
        return programme


def programme_names(uow: UnitOfWork) -> list[tuple[int, str]]:
    """(id, name) of every programme, by name."""
    return [(programme.id, programme.name) for programme in uow.organizers.programmes()]
