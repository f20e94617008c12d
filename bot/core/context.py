"""What handlers and jobs share: settings, database, catalogs, clock.

Built once by the composition root and stored in `application.bot_data`.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from bot.core.clock import Clock
from bot.core.i18n import Catalogs, Translator
from bot.core.metrics import Metrics
from bot.core.settings import Settings
from storage.db import is_sqlite
from storage.uow import Database, UnitOfWork

CONTEXT_KEY = "kopir"


def process_name() -> str:
    """A name for this process, unique among processes that share a database."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{secrets.token_hex(4)}"

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
    # What the bot counts for its operators (served at /metrics, bot.runtime.health).
    metrics: Metrics = field(default_factory=Metrics)
    # This process among others on one database (leases name it); unique per start.
    instance: str = field(default_factory=process_name)
    # The bot's @username once it knows itself (post_init): the outbox's .ics files link
    # to the event's card with it. Empty until then (tools sending with a bare Bot).
    bot_username: str = ""

    @property
    def shares_database(self) -> bool:
        """Other Kopir processes may work on this database (PostgreSQL; SQLite is one
        process, `storage.instance`): they agree through it (`bot.runtime.shared`)."""
        return not is_sqlite(self.database.engine)

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


def _read(database: Database, query: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    with database.reading() as uow:
        return query(uow, *args, **kwargs)


def app_context(bot_data: dict[str, Any]) -> AppContext:
    context = bot_data[CONTEXT_KEY]
    if not isinstance(context, AppContext):
        raise TypeError(f"bot_data[{CONTEXT_KEY!r}] holds no AppContext")
    return context
