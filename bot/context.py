"""What handlers and jobs share: settings, database, catalogs, clock.

Built once by the composition root and stored in `application.bot_data`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.clock import Clock
from bot.i18n import Catalogs, Translator
from bot.settings import Settings
from storage.uow import Database, UnitOfWork

CONTEXT_KEY = "kopir"


@dataclass
class AppContext:
    settings: Settings
    database: Database
    catalogs: Catalogs
    clock: Clock
    # Set by the delivery module: asks the sender to look at the outbox now
    # instead of at its next regular tick.
    wake_sender: Callable[[], None] = field(default=lambda: None)

    def uow(self) -> UnitOfWork:
        return self.database.uow()

    def translator(self, language: str | None) -> Translator:
        return self.catalogs.translator(language, self.settings.default_language)

    def is_organizer(self, user_id: int) -> bool:
        return user_id in self.settings.admin_ids


def app_context(bot_data: dict[str, Any]) -> AppContext:
    return bot_data[CONTEXT_KEY]
