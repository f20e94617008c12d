"""Several Kopir processes on one PostgreSQL database, behind any load balancer.

Telegram posts a reader's updates to whichever process the balancer picks, so what one
process keeps in memory the next may not know. On PostgreSQL each update is therefore
handled as the reader's *turn*, agreed through the database (`storage.coordination_models`):

1. the process takes the reader's lease row (`reader_lease`): another process working
   on the same reader's update is waited for, so one reader's updates never overlap
   across processes (within one process `bot.runtime.updates` already orders them). A
   lease, not a lock held on an open connection: a thousand readers waiting for
   Telegram's pace would otherwise need a thousand connections. The lease is renewed
   while the turn lasts and lapses `READER_HOLD` after a process died;
2. an update already handled by any process (`handled_update`: Telegram delivers again
   when a webhook answer is late) is dropped;
3. the reader's drafts, chat data and conversation states are read from the database
   into python-telegram-bot's memory (PTB reads its persistence once, at start-up);
4. the update is handled; then everything it changed is written (PTB's
   `update_persistence`, at once rather than within the next second), the update is
   recorded as handled and the lease let go, in that order.

A conversation's time-out (a PTB job in the process that last saw the reader) takes the
reader's turn too, and is void when a later update of the reader was handled anywhere
(`timed_out_turn`). SQLite is one process (`storage.instance`): none of this runs there.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.core.clock import Clock
from bot.core.context import app_context
from bot.runtime.persistence import DatabasePersistence
from bot.runtime.ptb import conversation_states_of, job_queue_of
from storage.persistence_models import PersistedState, StateKind
from storage.uow import Database

log = logging.getLogger(__name__)

# How long a reader's lease holds unless renewed: how long the reader waits after the
# process handling them died. Renewed every third of it while the turn lasts.
READER_HOLD = timedelta(seconds=10)
# Waiting for another process's turn: first look again after this, then up to the longest.
FIRST_LOOK = 0.01
LONGEST_LOOK = 0.25
# Handled update ids kept this long (Telegram gives up redelivering long before).
HANDLED_KEPT = timedelta(days=1)


@dataclass(frozen=True)
class Reader:
    """Whose turn an update is: the user (the lease's key) and the chat they wrote in."""

    user_id: int
    chat_id: int | None

    @property
    def conversation_key(self) -> str | None:
        # PTB's per-chat, per-user conversations key on (chat, user); see persistence.
        return None if self.chat_id is None else json.dumps([self.chat_id, self.user_id])


def reader_of(update: object) -> Reader | None:
    if not isinstance(update, Update) or update.effective_user is None:
        return None
    chat = update.effective_chat
    return Reader(update.effective_user.id, None if chat is None else chat.id)


@dataclass
class _Turn:
    rows: list[tuple[str, str, bytes]]
    handled: bool


class SharedReaders:
    """Reader turns through the database (see the module docstring). `holder` names this
    process in the leases; `call` runs a function in a database thread."""

    def __init__(
        self,
        database: Database,
        persistence: DatabasePersistence,
        *,
        holder: str,
        clock: Clock,
        call: Callable[..., Any],
        hold: timedelta = READER_HOLD,
    ) -> None:
        self._database = database
        self._persistence = persistence
        self._holder = holder
        self._clock = clock
        self._call = call
        self._hold = hold
        self._held: dict[int, int] = {}
        self._renewing: asyncio.Task[None] | None = None
        self._application: Application[Any, Any, Any, Any, Any, Any] | None = None

    def attach(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self._application = application

    async def stop(self) -> None:
        if self._renewing is not None:
            self._renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewing
            self._renewing = None

    def turn(self, update: object) -> contextlib.AbstractAsyncContextManager[bool]:
        """The reader's turn for `update`: True to handle it, False when some process has
        handled it already."""
        return self._turn(update, time_out=False)

    def timed_out_turn(self, update: object) -> contextlib.AbstractAsyncContextManager[bool]:
        """The reader's turn for a conversation's time-out whose last update was `update`:
        True when it stands, False when a later update of the reader was handled (by this
        process or another), so the conversation went on."""
        return self._turn(update, time_out=True)

    @contextlib.asynccontextmanager
    async def _turn(self, update: object, *, time_out: bool) -> AsyncIterator[bool]:
        reader = reader_of(update)
        if reader is None or not isinstance(update, Update):
            yield True
            return
        turn = await self._take(reader, update.update_id, newer=time_out)
        handled = None
        try:
            if turn.handled:
                yield False
                return
            self._adopt(reader, turn.rows)
            yield True
            await self._application_of().update_persistence()
            # A time-out is no update: nothing to record.
            handled = None if time_out else update.update_id
        finally:
            await self._let_go(reader.user_id, handled)

    async def _take(self, reader: Reader, update_id: int, *, newer: bool = False) -> _Turn:
        look = FIRST_LOOK
        while True:
            turn, held_for = await self._call(self._try_take, reader, update_id, newer)
            if turn is not None:
                self._held[reader.user_id] = self._held.get(reader.user_id, 0) + 1
                self._start_renewing()
                return turn
            # Another process's turn: look again when it should be over, or sooner.
            await asyncio.sleep(min(look, max(held_for, FIRST_LOOK)))
            look = min(look * 2, LONGEST_LOOK)

    def _try_take(
        self, database: Database, reader: Reader, update_id: int, newer: bool
    ) -> tuple[_Turn | None, float]:
        with database.uow() as uow:
            if not uow.coordination.take_reader(reader.user_id, self._holder, self._hold):
                held = uow.coordination.reader_held_for(reader.user_id)
                return None, 0.0 if held is None else held.total_seconds()
            if newer:
                handled = uow.coordination.handled_later(reader.user_id, update_id)
            else:
                handled = uow.coordination.was_handled(update_id)
            rows = [] if handled else uow.persisted.of_reader(
                str(reader.user_id),
                None if reader.chat_id is None else str(reader.chat_id),
                reader.conversation_key,
            )
            uow.commit()
            return _Turn([_row(row) for row in rows], handled), 0.0

    async def _let_go(self, user_id: int, handled: int | None = None) -> None:
        """End a turn: `handled` (the update, when it was handled) recorded and the lease
        let go, in one transaction; the lease is kept while another turn of this process
        (a time-out beside an update) still runs."""
        self._held[user_id] -= 1
        if not self._held[user_id]:
            del self._held[user_id]
        if handled is not None or user_id not in self._held:
            await asyncio.shield(self._call(self._end_turn, user_id, handled))

    def _end_turn(self, database: Database, user_id: int, handled: int | None) -> None:
        with database.uow() as uow:
            if handled is not None:
                uow.coordination.mark_handled(handled, user_id, self._clock.now())
            # Taken again meanwhile by this process: the lease is still its own.
            if user_id not in self._held:
                uow.coordination.release_reader(user_id, self._holder)
            uow.commit()

    def _adopt(self, reader: Reader, rows: list[tuple[str, str, bytes]]) -> None:
        """Put the reader's rows as the database holds them into PTB's memory."""
        application = self._application_of()
        found = {(kind, name): data for kind, name, data in rows}
        values = self._persistence.adopt(
            [(StateKind.USER.value, "", str(reader.user_id))]
            + ([] if reader.chat_id is None else [(StateKind.CHAT.value, "", str(reader.chat_id))])
            + [(StateKind.CONVERSATION.value, name, reader.conversation_key or "")
               for name in conversation_states_of(application)],
            found,
        )
        user_data = application.user_data[reader.user_id]
        user_data.clear()
        user_data.update(values.get((StateKind.USER.value, "")) or {})
        if reader.chat_id is not None:
            chat_data = application.chat_data[reader.chat_id]
            chat_data.clear()
            chat_data.update(values.get((StateKind.CHAT.value, "")) or {})
            key = (reader.chat_id, reader.user_id)
            for name, states in conversation_states_of(application).items():
                state = values.get((StateKind.CONVERSATION.value, name))
                if state is None:
                    states.data.pop(key, None)  # UserDict's own dict: not tracked as a write
                else:
                    states.update_no_track({key: state})

    def _start_renewing(self) -> None:
        if self._renewing is None or self._renewing.done():
            self._renewing = asyncio.create_task(self._renew(), name="kopir.reader-leases")

    async def _renew(self) -> None:
        every = self._hold.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            held = list(self._held)
            if held:
                try:
                    await self._call(self._renew_rows, held)
                except Exception:  # a database that does not answer: the next round tries again
                    log.warning("could not renew %d reader leases", len(held), exc_info=True)

    def _renew_rows(self, database: Database, readers: list[int]) -> None:
        with database.uow() as uow:
            uow.coordination.renew_readers(readers, self._holder, self._hold)
            uow.commit()

    def _application_of(self) -> Application[Any, Any, Any, Any, Any, Any]:
        if self._application is None:
            raise RuntimeError("SharedReaders.attach(application) was not called")
        return self._application


def forget_old(database: Database, clock: Clock) -> int:
    """Housekeeping: handled update ids past `HANDLED_KEPT`, chats' past send slots and the
    send log's past minute."""
    now = clock.now()
    with database.uow() as uow:
        forgotten = uow.coordination.forget_handled_before(now - HANDLED_KEPT)
        forgotten += uow.coordination.forget_slots_before(now - timedelta(minutes=1))
        forgotten += uow.coordination.forget_sends_before(now - timedelta(minutes=1))
        uow.commit()
    return forgotten


def _row(row: PersistedState) -> tuple[str, str, bytes]:
    return row.kind, row.name, row.data


def take_job(database: Database, name: str, holder: str, hold: timedelta) -> bool:
    with database.uow() as uow:
        taken = uow.coordination.take_job(name, holder, hold)
        uow.commit()
    return taken


def once_across_processes(
    name: str, hold: timedelta, job: Callable[[ContextTypes.DEFAULT_TYPE], Awaitable[None]],
) -> Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """`job`, run by one process only when several share the database: each process
    schedules it, the one that takes its lease (held for `hold`, a little less than the
    job's period) runs it, the others skip that run."""

    async def guarded(context: ContextTypes.DEFAULT_TYPE) -> None:
        ctx = app_context(context.bot_data)
        if ctx.shares_database and not await ctx.call(take_job, name, ctx.instance, hold):
            log.debug("job %s runs in another process this time", name)
            return
        await job(context)

    return guarded


def register_housekeeping(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Every few minutes, one process forgets handled update ids and send slots of the past."""
    every = timedelta(minutes=10)

    async def housekeeping(context: ContextTypes.DEFAULT_TYPE) -> None:
        ctx = app_context(context.bot_data)
        await ctx.call(forget_old, ctx.clock)

    job_queue_of(application).run_repeating(
        once_across_processes("kopir.housekeeping", every * 0.9, housekeeping),
        interval=every, first=every, name="kopir.housekeeping")
