"""Telegram's pace kept by several processes together, through the database.

Telegram's 30 messages a second are the bot's, not a process's: two processes each keeping
30/s would send 60. On PostgreSQL every process's `RateLimiter` therefore also takes a slot
in `send_slot` rows (`storage.coordination_repository`) before each send, after its own
pacing: one row per lane ("free", "paid") holding the earliest moment the next message may
go, and one per private chat (Telegram's 1 a second there). Times are the database's
clock, so processes on machines whose clocks disagree still keep one pace.

- A reply to a reader *reserves* the next free moment of its chat and then of its lane
  (possibly a little ahead) and waits for it: replies queue before bulk sends.
- A bulk send *takes* its chat and lanes only when all are free at this moment, and
  otherwise waits until they should be and looks again: bulk sends never queue ahead, so
  a reply on another process waits at most a slot or two behind a running broadcast.
- Flood control met by any process (a 429's `retry_after`) pauses the lanes for all.

Lane slots are spaced at `(1 + MARGIN) / rate`: a message may reach Telegram a little
earlier or later than its slot (scheduling, network), and two processes' sends are not
answered in one stream whose lateness one limiter could watch (`bot.delivery.ratelimit`).
A slot that came back to its process late (the machine was busy: the message would follow
the next process's too closely) is given up and another taken; a bulk sender coming back
for a free slot a few milliseconds late keeps the lane's schedule (`CATCH_UP`), so that
those milliseconds are not lost from the rate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from datetime import timedelta
from typing import Any

from storage.uow import Database

log = logging.getLogger(__name__)

# 3%: 30/s becomes 29.1/s across all processes.
MARGIN = 0.03
# Added to Telegram's second per chat: two processes' messages into one chat are timed by
# the database but reach Telegram a few milliseconds apart from when they were let go.
CHAT_GUARD = 0.05
# A bulk sender that comes back for a free lane slot up to this late keeps the schedule.
CATCH_UP = timedelta(milliseconds=10)
# A slot taken or waited for that came back later than this (a busy machine) may be stale:
# the message would reach Telegram late, close behind the next process's. It is given up and
# another taken, once per message.
STALE = 0.02
FREE, PAID = "free", "paid"
# A bulk send that found its slot taken looks again at least this late (seconds).
SHORTEST_LOOK = 0.002


class DatabasePace:
    """The `shared` part of a `RateLimiter` on a database several processes share."""

    def __init__(
        self,
        call: Callable[..., Any],
        *,
        rate: float,
        chat_interval: float,
        paid_rate: float | None = None,
    ) -> None:
        self._call = call
        self._free = timedelta(seconds=(1 + MARGIN) / rate)
        self._paid = None if not paid_rate else timedelta(seconds=(1 + MARGIN) / paid_rate)
        self._chat = timedelta(seconds=chat_interval + CHAT_GUARD)
        self._pauses: set[asyncio.Task[None]] = set()

    async def take(self, chat_id: Hashable, *, paid: bool, reply: bool) -> None:
        """Wait until this process may send to `chat_id`, its slots taken."""
        lanes = self._lanes(paid)
        chat = _chat_key(chat_id)
        loop = asyncio.get_running_loop()
        retaken = False
        if reply:
            while True:
                asked = loop.time()
                # Taken again, only the lanes: the chat's slot is this message's still.
                wait: float = await self._call(
                    self._reserve, None if retaken else chat, lanes)
                if wait > 0:
                    await asyncio.sleep(wait)
                late = loop.time() - asked - max(wait, 0.0)
                if late <= STALE or retaken:
                    return
                retaken = True
        while True:
            asked = loop.time()
            wait = await self._call(self._take_free, None if retaken else chat, lanes)
            if wait <= 0:
                if loop.time() - asked <= STALE or retaken:
                    return
                retaken = True
                continue
            # Polled, not notified: the slot is another process's to let go.
            await asyncio.sleep(max(wait, SHORTEST_LOOK))

    def pause(self, seconds: float) -> None:
        """Flood control: no process sends for `seconds` (written in the background)."""
        task = asyncio.get_running_loop().create_task(
            self._call(self._pause, list(self._lane_keys()), seconds))
        self._pauses.add(task)
        task.add_done_callback(self._paused)

    def _paused(self, task: asyncio.Task[None]) -> None:
        self._pauses.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not share a flood-control pause: %s", task.exception())

    def _lanes(self, paid: bool) -> list[tuple[str, timedelta]]:
        if self._paid is None:
            return [(FREE, self._free)]
        if paid:
            return [(PAID, self._paid)]
        # A free message counts against both, as in the process's own limiter.
        return [(FREE, self._free), (PAID, self._paid)]

    def _lane_keys(self) -> list[str]:
        return [FREE] if self._paid is None else [FREE, PAID]

    def _reserve(
        self, database: Database, chat: str | None, lanes: list[tuple[str, timedelta]]
    ) -> float:
        with database.uow() as uow:
            slots = uow.coordination
            not_before, now = None, None
            if chat is not None:
                not_before, now = slots.reserve_slot(chat, self._chat)
            for key, interval in lanes:
                slot, now = slots.reserve_slot(key, interval, not_before)
                not_before = slot
            uow.commit()
        if not_before is None or now is None:
            return 0.0
        return (not_before - now).total_seconds()

    def _take_free(
        self, database: Database, chat: str | None, lanes: list[tuple[str, timedelta]]
    ) -> float:
        with database.uow() as uow:
            slots = uow.coordination
            keys = ([] if chat is None else [chat]) + [key for key, _ in lanes]
            wait = max(slots.slot_wait(key).total_seconds() for key in keys)
            if wait > 0:
                return wait
            for key, interval in lanes:
                if not slots.take_free_slot(key, interval, CATCH_UP):
                    # Taken between the look and the take: nothing of this try is kept.
                    return SHORTEST_LOOK
            if chat is not None:
                slots.reserve_slot(chat, self._chat)
            uow.commit()
        return 0.0

    def _pause(self, database: Database, keys: list[str], seconds: float) -> None:
        with database.uow() as uow:
            uow.coordination.pause_slots(keys, timedelta(seconds=seconds))
            uow.commit()


def _chat_key(chat_id: Hashable) -> str | None:
    """Private chats (positive ids) get a slot row; groups' 20 a minute stay with each
    process's own limiter (Kopir answers in private chats only)."""
    if isinstance(chat_id, int) and chat_id > 0:
        return f"chat:{chat_id}"
    return None
