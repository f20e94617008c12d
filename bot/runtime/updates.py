"""Updates of different readers at once, each reader's in the order they arrived.

python-telegram-bot handles one update at a time unless told otherwise; with a
realistic 50 ms to the Bot API that is about ten button presses a second for the
whole bot. `ReaderOrderProcessor` (PTB's `BaseUpdateProcessor` extension point)
lets up to `max_concurrent_updates` run together, the way grammY's
`sequentialize` does: every update holds a lock for its user and one for its
chat, so one reader's updates (and one group's) never overlap and keep their
order, which is what conversations and "press, then the card changes" rely on.

Ordering holds because PTB starts one task per update in arrival order, and each
task takes its locks before its first await (asyncio locks queue first come,
first served). Telegram may deliver an update twice (a webhook retried, a poll
repeated after a time-out); an `update_id` seen lately is handled once.

The bound counts updates being worked on, not updates waiting for Telegram's 30
messages a second: a handler whose reply waits for a slot (`bot.delivery.engine.ReplyMeter`)
steps aside (`waiting_for_telegram`) so that, when 1,000 readers press Register at
once, every one of them sees the button answered within seconds while their
confirmations go out at the pace Telegram allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Hashable
from contextvars import ContextVar
from datetime import datetime
from typing import Any, TypeGuard

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.core.clock import Clock, SystemClock
from bot.core.metrics import Metrics
from bot.runtime.shared import SharedReaders

log = logging.getLogger(__name__)

# update_ids remembered to drop a repeated delivery: minutes of traffic at any rate
# Kopir meets, a few hundred kilobytes.
SEEN_UPDATES = 20_000
# Updates PTB hands over at once (its own bound): the tasks exist anyway, one per
# update taken from the queue; `max_concurrent_updates` bounds the work.
ACCEPTED_UPDATES = 100_000

# The bound the update being handled in this task counts against.
_working: ContextVar[asyncio.Semaphore | None] = ContextVar("kopir_working", default=None)


@contextlib.asynccontextmanager
async def waiting_for_telegram() -> AsyncIterator[None]:
    """While inside, the current update does not count against the bound."""
    working = _working.get()
    if working is None:
        yield
        return
    working.release()
    try:
        yield
    finally:
        await working.acquire()


def update_kind(update: object) -> str:
    """The kind of an update as the Bot API names it (message, callback_query, ...)."""
    if isinstance(update, Update):
        for kind in Update.ALL_TYPES:
            if getattr(update, kind, None) is not None:
                return kind
    return "other"


class ReaderOrderProcessor(BaseUpdateProcessor):
    def __init__(
        self, max_concurrent_updates: int, clock: Clock | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        super().__init__(ACCEPTED_UPDATES)
        self._clock = clock or SystemClock()
        self._metrics = metrics or Metrics()
        # When each update in hand arrived, before it waited for its reader's earlier
        # ones: readers pressing Register at once queue in the order they pressed.
        self._arrivals: dict[int, datetime] = {}
        self.working_bound = max_concurrent_updates
        # Not bounded: `waiting_for_telegram` releases and takes back in pairs.
        self._working = asyncio.Semaphore(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._holders: dict[Hashable, int] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        # Webhook posts waiting to be answered until their update's turn is taken.
        self._admissions: dict[int, asyncio.Future[None]] = {}
        # Set by the composition root on PostgreSQL, where other processes may take the
        # same readers' updates (bot.runtime.shared).
        self.shared: SharedReaders | None = None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        if self.shared is not None:
            await self.shared.stop()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._seen_before(update):
            log.info("update %s delivered again: handled once", update.update_id)
            self._admit(update.update_id)
            # The coroutine was created by PTB; close it so it is not reported as never awaited.
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        keys = sequence_keys(update)
        if isinstance(update, Update):
            self._arrivals[update.update_id] = self._clock.now()
            held_arrival = update.update_id
        else:
            held_arrival = None
        async with contextlib.AsyncExitStack() as held:
            if held_arrival is not None:
                held.callback(self._arrivals.pop, held_arrival, None)
            if held_arrival is not None:
                held.callback(self._admit, held_arrival)
            for key in keys:
                await held.enter_async_context(self._hold(key))
            if self.shared is not None and not await held.enter_async_context(
                    self.shared.turn(update)):
                log.info("update %s was handled by another process", held_arrival)
                if asyncio.iscoroutine(coroutine):
                    coroutine.close()
                return
            if held_arrival is not None:
                self._admit(held_arrival)
            async with self._working:
                token = _working.set(self._working)
                kind = update_kind(update)
                started = time.perf_counter()
                try:
                    await coroutine
                finally:
                    _working.reset(token)
                    self._metrics.updates.labels(kind=kind).inc()
                    self._metrics.handling.labels(kind=kind).observe(
                        time.perf_counter() - started)

    def admission(self, update_id: int) -> asyncio.Future[None]:
        """Done once the update `update_id` has its reader's turn (or was dropped). The
        webhook answers Telegram then, not sooner: Telegram sends a chat's next update only
        after the answer (telegram-bot-api's WebhookActor keeps a queue per chat), so with
        several processes that update cannot take the reader's turn before this one
        (bot.runtime.shared)."""
        admitted = self._admissions.get(update_id)
        if admitted is None:
            admitted = self._admissions[update_id] = (
                asyncio.get_running_loop().create_future())
        return admitted

    def _admit(self, update_id: int) -> None:
        admitted = self._admissions.pop(update_id, None)
        if admitted is not None and not admitted.done():
            admitted.set_result(None)

    @contextlib.asynccontextmanager
    async def timed_out_turn(self, update: object) -> AsyncIterator[bool]:
        """The reader's turn for a conversation's time-out whose last update was `update`
        (`bot.runtime.conversations`): True when the time-out stands."""
        async with contextlib.AsyncExitStack() as held:
            for key in sequence_keys(update):
                await held.enter_async_context(self._hold(key))
            if self.shared is None:
                yield True
            else:
                yield await held.enter_async_context(self.shared.timed_out_turn(update))

    def arrival(self, update: Update) -> datetime | None:
        """When `update` (being handled now) reached the bot."""
        return self._arrivals.get(update.update_id)

    def _seen_before(self, update: object) -> TypeGuard[Update]:
        """True for an `Update` already handled (and only for one)."""
        if not isinstance(update, Update):
            return False
        if update.update_id in self._seen:
            return True
        self._seen[update.update_id] = None
        if len(self._seen) > SEEN_UPDATES:
            self._seen.popitem(last=False)
        return False

    @contextlib.asynccontextmanager
    async def _hold(self, key: Hashable):  # noqa: ANN202
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._holders[key] = self._holders.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            # Forget a reader's lock once nobody holds or waits for it: thousands of
            # readers pass through, a few are active at a time.
            self._holders[key] -= 1
            if not self._holders[key]:
                del self._holders[key]
                del self._locks[key]


def sequence_keys(update: object) -> list[tuple[str, int]]:
    """The locks an update takes, always in one order (user, then chat) so that two
    updates never wait for each other crosswise."""
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_user is not None:
        keys.append(("user", update.effective_user.id))
    if update.effective_chat is not None:
        keys.append(("chat", update.effective_chat.id))
    return keys
