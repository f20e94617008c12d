"""Libraries and their organizers, written straight to the database."""

from __future__ import annotations

from storage.org_models import Library, Organizer
from storage.uow import Database
from tests.contest_factories import make_reader
from tests.factories import NOW


def make_library(database: Database, name: str) -> int:
    with database.uow() as uow:
        library = Library(name=name, created_at=NOW)
        uow.organizers.add(library)
        uow.commit()
    return library.id


def make_organizer(database: Database, user_id: int, *library_ids: int) -> None:
    """A user (with a reader's profile) who organizes for these libraries."""
    make_reader(database, user_id)
    with database.uow() as uow:
        for library_id in library_ids:
            uow.organizers.add(Organizer(user_id=user_id, library_id=library_id, added_at=NOW))
        uow.commit()
