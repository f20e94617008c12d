"""What handlers and jobs share: settings, database, catalogs, clock.

Built once by the composition root and stored in `application.bot_data`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from bot.core.clock import Clock
from bot.core.i18n import Catalogs, Translator
from bot.core.settings import Settings
from bot.services.roles import Access, Role, contest_access, event_access, role_of
from storage.uow import Database, UnitOfWork

CONTEXT_KEY = "kopir"

P = ParamSpec("P")
T = TypeVar("T")


@dataclass
class AppContext:
    settings: Settings
    database: Database
    catalogs: Catalogs
    clock: Clock
    # Set by the delivery module: asks the sender to look at the outbox now
    # instead of at its next regular tick.
    wake_sender: Callable[[], None] = field(default=lambda: None)
    # Bounded worker threads for database work (None: asyncio's default pool).
    executor: Executor | None = None

    async def call(
        self, work: Callable[Concatenate[Database, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`work(database, ...)` — a service's unit of work — in a database thread, so the
        event loop keeps answering other readers meanwhile. A locked or unreachable
        database raises `storage.uow.DatabaseBusy` (the error handler tells the reader)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, partial(work, self.database, *args, **kwargs)
        )

    async def read(
        self, query: Callable[Concatenate[UnitOfWork, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`query(uow, ...)` — a service's read that writes nothing — in a database thread."""
        return await self.call(_read, query, *args, **kwargs)

    def uow(self) -> UnitOfWork:
        return self.database.uow()

    def translator(self, language: str | None) -> Translator:
        return self.catalogs.translator(language, self.settings.default_language)

    def is_admin(self, user_id: int) -> bool:
        return user_id in self.settings.admin_ids

    async def role(self, user_id: int) -> Role:
        """Admin (settings), organizer of some libraries (database), or reader."""
        return await self.read(role_of, user_id, self.settings.admin_ids)

    async def event_access(self, user_id: int, event_id: int) -> Access:
        """May the user manage the event: admins all, organizers their libraries'."""
        return await self.read(_access, event_access, user_id, event_id,
                               self.settings.admin_ids)

    async def contest_access(self, user_id: int, contest_id: int) -> Access:
        return await self.read(_access, contest_access, user_id, contest_id,
                               self.settings.admin_ids)


def _read(database: Database, query: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with database.reading() as uow:
        return query(uow, *args, **kwargs)


def _access(uow: UnitOfWork, check: Callable[..., Access], user_id: int, thing_id: int,
            admin_ids: frozenset[int]) -> Access:
    return check(uow, role_of(uow, user_id, admin_ids), thing_id)


def app_context(bot_data: dict[str, Any]) -> AppContext:
    return bot_data[CONTEXT_KEY]
