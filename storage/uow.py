"""Unit of work: one session, the repositories over it, one commit."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlmodel import Session

from storage.broadcast_repository import BroadcastRepository
from storage.contest_repository import ContestRepository
from storage.entry_repository import EntryRepository
from storage.jury_repository import JuryRepository
from storage.repositories import (
    EventRepository,
    NotificationRepository,
    RegistrationRepository,
    UserRepository,
)
from storage.result_repository import ResultRepository


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — nothing is written without commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> UnitOfWork:
        self.session = Session(self._engine, expire_on_commit=False)
        self.users = UserRepository(self.session)
        self.events = EventRepository(self.session)
        self.registrations = RegistrationRepository(self.session)
        self.notifications = NotificationRepository(self.session)
        self.contests = ContestRepository(self.session)
        self.entries = EntryRepository(self.session)
        self.jury = JuryRepository(self.session)
        self.results = ResultRepository(self.session)
        self.broadcasts = BroadcastRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing discards uncommitted work (the database rolls it back) while
        # keeping loaded objects readable; `rollback()` would expire them.
        self.session.close()

    def commit(self) -> None:
        self.session.commit()

    def flush(self) -> None:
        self.session.flush()


class Database:
    """Owns the engine; hands out units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()
