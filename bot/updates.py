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
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Hashable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

# update_ids remembered to drop a repeated delivery: minutes of traffic at any rate
# Kopir meets, a few hundred kilobytes.
SEEN_UPDATES = 20_000


class ReaderOrderProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._holders: dict[Hashable, int] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self._seen_before(update):
            log.info("update %s delivered again: handled once", update.update_id)
            # The coroutine was created by PTB; close it so it is not reported as never awaited.
            if asyncio.iscoroutine(coroutine):
                coroutine.close()
            return
        keys = sequence_keys(update)
        async with contextlib.AsyncExitStack() as held:
            for key in keys:
                await held.enter_async_context(self._hold(key))
            await coroutine

    def _seen_before(self, update: object) -> bool:
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
