"""Unit of work: one session, the repositories over it, one commit."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session

from storage.broadcast_repository import BroadcastRepository
from storage.contest_repository import ContestRepository
from storage.coordination_repository import CoordinationRepository
from storage.db import BUSY_SECONDS, OUTBOX_WRITTEN, is_sqlite, pool_size, reading_engine
from storage.entry_repository import EntryRepository
from storage.feedback_repository import FeedbackRepository
from storage.jury_repository import JuryRepository
from storage.org_repository import OrganizerRepository
from storage.persistence_repository import PersistedStateRepository
from storage.report_repository import ReportRepository
from storage.repositories import (
    EventRepository,
    NotificationRepository,
    RegistrationRepository,
    UserRepository,
)
from storage.result_repository import ResultRepository


class DatabaseBusy(Exception):
    """The database is locked by someone else or unreachable: try again in a moment.

    Carries no SQL and no parameters, so it can be logged as it is.
    """


def is_busy_error(error: BaseException) -> bool:
    if isinstance(error, OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class UnitOfWork:
    """`with uow_factory() as uow: ...; uow.commit()` — nothing is written without commit.

    A locked or unreachable database surfaces as `DatabaseBusy`, whatever the driver.
    """

    def __init__(self, database: Database, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only

    def __enter__(self) -> UnitOfWork:
        if self._read_only:
            self.session = Session(self._database.reader, expire_on_commit=False)
        else:
            self._database.enter()
            self.session = Session(self._database.engine, expire_on_commit=False)
        self.users = UserRepository(self.session)
        self.events = EventRepository(self.session)
        self.registrations = RegistrationRepository(self.session)
        self.notifications = NotificationRepository(self.session)
        self.contests = ContestRepository(self.session)
        self.entries = EntryRepository(self.session)
        self.jury = JuryRepository(self.session)
        self.results = ResultRepository(self.session)
        self.broadcasts = BroadcastRepository(self.session)
        self.persisted = PersistedStateRepository(self.session)
        self.organizers = OrganizerRepository(self.session)
        self.coordination = CoordinationRepository(self.session)
        self.feedback = FeedbackRepository(self.session)
        self.reports = ReportRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Closing discards uncommitted work (the database rolls it back) while
        # keeping loaded objects readable; `rollback()` would expire them.
        try:
            self.session.close()
        finally:
            if not self._read_only:
                self._database.leave()
        if exc is not None and is_busy_error(exc):
            raise DatabaseBusy(type(exc.orig if isinstance(exc, DBAPIError) else exc).__name__) \
                from None

    def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        wrote_outbox = self.session.info.pop(OUTBOX_WRITTEN, False)
        self.session.commit()
        if wrote_outbox:
            self._database.outbox_committed()

    def outbox_changed(self) -> None:
        """Outbox rows were added or moved: the sender is woken once this commits."""
        self.session.info[OUTBOX_WRITTEN] = True

    def flush(self) -> None:
        self.session.flush()


class Database:
    """Owns the engine; hands out units of work.

    On SQLite one writing unit of work at a time per process: every such
    transaction begins IMMEDIATE (see storage.db), and queueing our own threads on
    a lock is fairer and quicker than SQLite's sleeping busy handler; a lock held
    longer than `busy_seconds` (someone else holds the file) gives `DatabaseBusy`.
    Units of work from `reading()` take no lock: WAL lets them read beside a writer.
    """

    def __init__(self, engine: Engine, *, busy_seconds: float = BUSY_SECONDS) -> None:
        self.engine = engine
        self.busy_seconds = busy_seconds
        self._lock = threading.RLock() if is_sqlite(engine) else None
        self._reader: Engine | None = None
        # Called (in the committing thread) after a commit that wrote outbox rows.
        self.on_outbox_commit: Callable[[], object] = lambda: None

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self)

    def reading(self) -> UnitOfWork:
        """A unit of work that only reads (it cannot commit)."""
        return UnitOfWork(self, read_only=True)

    @property
    def reader(self) -> Engine:
        if self._reader is None:
            self._reader = reading_engine(
                self.engine, self.busy_seconds, pool_size(self.engine)
            )
        return self._reader

    def enter(self) -> None:
        if self._lock is not None and not self._lock.acquire(timeout=self.busy_seconds):
            raise DatabaseBusy("another unit of work holds the database")

    def leave(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def outbox_committed(self) -> None:
        self.on_outbox_commit()

    def dispose(self) -> None:
        self.engine.dispose()
        if self._reader is not None and self._reader is not self.engine:
            self._reader.dispose()
