"""python-telegram-bot persistence over Kopir's own database.

Readers' `user_data` (the drafts of half-filled forms and the flow typed text goes to, see
`handlers.common.ActiveFlow`), `chat_data` and the state of every persistent conversation
are kept in `persisted_state`, so a half-filled profile, /newevent or /broadcast is
continued after a restart. `bot_data` is not kept (it holds the `AppContext`, built anew at
each start), nor callback data (buttons carry their own data).

Values are pickled with the standard pickler: drafts hold plain values (str, int, dates,
enums, small dataclasses); Telegram objects are never kept in `user_data`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from bot.core.clock import Clock, SystemClock
from storage.persistence_models import StateKind
from storage.uow import Database, DatabaseBusy

log = logging.getLogger(__name__)

# python-telegram-bot hands changed data to the persistence every `update_interval`
# seconds (and once more when the application shuts down). A process that dies between
# two runs loses what changed since the last one, so the interval is short: a reader's
# last answer is at risk for about a second, not a minute (PTB's default). It costs at
# most one short transaction a second, and only when something changed: unchanged data
# is recognised and not written again.
UPDATE_INTERVAL = 1.0
# A fixed protocol, so that rows written by one Python version are read by the next.
PICKLE_PROTOCOL = 5

# (kind, name, key): the primary key of a `persisted_state` row.
RowKey = tuple[str, str, str]
# A conversation's key (chat and user ids for Kopir's per-user, per-chat conversations)
# and its states by key, as python-telegram-bot hands them over.
ConversationKey = tuple[int | str, ...]
ConversationDict = dict[ConversationKey, object]


class DatabasePersistence(BasePersistence[dict, dict, dict]):
    """Stores user data, chat data and conversations; not bot data, not callback data.

    Writes are batched: every change handed over by the application goes into `_pending`,
    and one unit of work (in a worker thread, never on the event loop) writes all that is
    pending and commits. On SQLite only one unit of work runs at a time, so a thousand
    readers' drafts are one transaction, not a thousand queued ones. A write refused
    because the database is busy is kept and tried again with the next one (or at
    shutdown, by `flush`).
    """

    def __init__(
        self,
        database: Database,
        *,
        clock: Clock | None = None,
        update_interval: float = UPDATE_INTERVAL,
    ) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=True, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self._database = database
        self._clock = clock or SystemClock()
        # The data of each row as the database holds it: PTB hands over every user who
        # sent anything, changed or not, and unchanged data is not written again.
        self._stored: dict[RowKey, bytes] = {}
        # Changes not yet written: new data, or None for a row to delete.
        self._pending: dict[RowKey, bytes | None] = {}
        # Counts write attempts, so that a change already taken by a write that ran
        # meanwhile (or failed) does not start another one.
        self._attempts = 0
        self._write_lock = asyncio.Lock()

    # --- reading, once at start-up ------------------------------------------------------

    async def get_user_data(self) -> dict[int, dict]:
        return {int(key): value for key, value in (await self._load(StateKind.USER)).items()}

    async def get_chat_data(self) -> dict[int, dict]:
        return {int(key): value for key, value in (await self._load(StateKind.CHAT)).items()}

    async def get_bot_data(self) -> dict:
        return {}  # never called: bot_data is not stored

    async def get_callback_data(self) -> None:
        return None  # never called: callback data is not stored

    async def get_conversations(self, name: str) -> ConversationDict:
        loaded = await self._load(StateKind.CONVERSATION, name)
        return {_conversation_key(key): state for key, state in loaded.items()}

    async def _load(self, kind: StateKind, name: str = "") -> dict[str, Any]:
        rows = await asyncio.to_thread(self._read_rows, kind, name)
        values: dict[str, Any] = {}
        for key, data in rows:
            row_key = (kind.value, name, key)
            try:
                values[key] = pickle.loads(data)  # noqa: S301  (our own database)
            except Exception:  # noqa: BLE001  (any unpickling error: the row is dropped)
                # Written by a version whose draft classes are gone: the reader starts over.
                log.warning("dropping unreadable persisted %s %r %s", kind.value, name, key)
                self._pending[row_key] = None
                continue
            self._stored[row_key] = data
        return values

    def _read_rows(self, kind: StateKind, name: str) -> list[tuple[str, bytes]]:
        with self._database.uow() as uow:
            return [(row.key, row.data) for row in uow.persisted.all_of(kind.value, name)]

    # --- writing --------------------------------------------------------------------------

    async def update_user_data(self, user_id: int, data: dict) -> None:
        # Most readers' data is empty: no row is kept for them.
        await self._save((StateKind.USER.value, "", str(user_id)), _dump(data) if data else None)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        await self._save((StateKind.CHAT.value, "", str(chat_id)), _dump(data) if data else None)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        row_key = (StateKind.CONVERSATION.value, name, json.dumps(list(key)))
        await self._save(row_key, None if new_state is None else _dump(new_state))

    async def drop_user_data(self, user_id: int) -> None:
        await self._save((StateKind.USER.value, "", str(user_id)), None)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._save((StateKind.CHAT.value, "", str(chat_id)), None)

    async def update_bot_data(self, data: dict) -> None:
        pass  # not stored

    async def update_callback_data(self, data: object) -> None:
        pass  # not stored

    # Called before every update: the data in memory is always the newest, nothing to do.
    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        pass

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        pass

    async def refresh_bot_data(self, bot_data: dict) -> None:
        pass

    def adopt(
        self, keys: list[RowKey], found: dict[tuple[str, str], bytes]
    ) -> dict[tuple[str, str], Any]:
        """One reader's rows as the database holds them now (`found` by kind and name; the
        other `keys` have no row), read just now by another process's turn
        (`bot.runtime.shared`): remembered as stored and returned unpickled by kind and name."""
        values: dict[tuple[str, str], Any] = {}
        for row_key in keys:
            kind, name, _key = row_key
            # The database is the truth now: a change still pending here is older.
            self._pending.pop(row_key, None)
            data = found.get((kind, name))
            if data is None:
                self._stored.pop(row_key, None)
                continue
            try:
                values[(kind, name)] = pickle.loads(data)  # noqa: S301  (our own database)
            except Exception:  # noqa: BLE001  (as in _load: the reader starts over)
                log.warning("dropping unreadable persisted %s %r", kind, name)
                self._pending[row_key] = None
                continue
            self._stored[row_key] = data
        return values

    async def flush(self) -> None:
        """Shutdown: write whatever is still pending (e.g. refused earlier as busy)."""
        await self._write_pending(self._attempts, final=True)

    async def _save(self, row_key: RowKey, data: bytes | None) -> None:
        if data == self._stored.get(row_key):
            # Unchanged (or nothing stored and nothing to store): a write still pending
            # for this row is outdated.
            self._pending.pop(row_key, None)
            return
        self._pending[row_key] = data
        seen_attempts = self._attempts
        # PTB hands over one run's changes as concurrent calls: let the others add theirs,
        # so that a run is written in one transaction.
        await asyncio.sleep(0)
        await self._write_pending(seen_attempts)

    async def _write_pending(self, seen_attempts: int, *, final: bool = False) -> None:
        async with self._write_lock:
            if not self._pending or (self._attempts != seen_attempts and not final):
                # A write that ran while this one waited took its change (written, or
                # kept after a failure for the next write).
                return
            self._attempts += 1
            batch, self._pending = self._pending, {}
            try:
                await asyncio.to_thread(self._write_rows, batch)
            except BaseException as error:
                for row_key, data in batch.items():
                    self._pending.setdefault(row_key, data)  # newer changes win
                if isinstance(error, DatabaseBusy):
                    log.warning("database busy: %d persisted rows kept to write later (%s)",
                                len(batch), "lost at shutdown" if final else "next write")
                    return
                raise
            for row_key, data in batch.items():
                if data is None:
                    self._stored.pop(row_key, None)
                else:
                    self._stored[row_key] = data

    def _write_rows(self, batch: dict[RowKey, bytes | None]) -> None:
        now = self._clock.now()
        with self._database.uow() as uow:
            for (kind, name, key), data in batch.items():
                if data is None:
                    uow.persisted.remove(kind, name, key)
                else:
                    uow.persisted.put(kind, name, key, data, now)
            uow.commit()


def _dump(value: object) -> bytes:
    return pickle.dumps(value, protocol=PICKLE_PROTOCOL)


def _conversation_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))
