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

Lane slots are spaced at `(1 + MARGIN) / rate`. Spacing alone is not enough: a message
reaches Telegram some milliseconds after its slot (a busy machine, the network), and a
process's late message falls into the same second as the other process's next ones. So, as
a process's own limiter does (`bot.delivery.ratelimit`), every message let go on the free
lane is logged (`send_log`) and, once answered, moved later by how late its round trip
showed it may have arrived; no slot is given while the `rate` messages before it span less
than a second (`WINDOW`).
A slot that came back to its process late (the machine was busy: the message would follow
the next process's too closely) is given up and another taken; a bulk sender coming back
for a free slot a few milliseconds late keeps the lane's schedule (`CATCH_UP`), so that
those milliseconds are not lost from the rate.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from datetime import datetime, timedelta
from typing import Any

from storage.coordination_repository import CoordinationRepository
from storage.uow import Database

log = logging.getLogger(__name__)

# 3%: 30/s becomes 29.1/s across all processes. With 1.5% (a process's own limiter's) a
# 10,000 run met flood control twice: lateness is logged only once a message is answered.
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
# Telegram's second, and a guard for the error in telling when a message reached it.
WINDOW = timedelta(seconds=1.01)
# Lateness below this is not written: it is within what the lanes' spacing leaves.
NOTICEABLY_LATE = 0.005
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
        stale: float = STALE,
    ) -> None:
        self._call = call
        self._stale = stale
        self._free = timedelta(seconds=(1 + MARGIN) / rate)
        self._paid = None if not paid_rate else timedelta(seconds=(1 + MARGIN) / paid_rate)
        self._chat = timedelta(seconds=chat_interval + CHAT_GUARD)
        # Background writes (pauses, lateness), kept until done.
        self._writing: set[asyncio.Future[None]] = set()
        # The free lane's messages within a window: Telegram's 30 a second.
        self._size = max(1, int(rate))

    async def take(self, chat_id: Hashable, *, paid: bool, reply: bool) -> list[int]:
        """Wait until this process may send to `chat_id`, its slots taken; returns what to
        hand `arrived` once the message was answered."""
        lanes = self._lanes(paid)
        chat = _chat_key(chat_id)
        loop = asyncio.get_running_loop()
        retaken = False
        if reply:
            while True:
                asked = loop.time()
                # Taken again, only the lanes: the chat's slot is this message's still.
                wait, logged = await self._call(
                    self._reserve, None if retaken else chat, lanes)
                if wait > 0:
                    await asyncio.sleep(wait)
                late = loop.time() - asked - max(wait, 0.0)
                if late <= self._stale or retaken:
                    return logged
                retaken = True
        while True:
            asked = loop.time()
            wait, logged = await self._call(self._take_free, None if retaken else chat, lanes)
            if wait <= 0:
                if loop.time() - asked <= self._stale or retaken:
                    return logged
                retaken = True
                continue
            # Polled, not notified: the slot is another process's to let go.
            await asyncio.sleep(max(wait, SHORTEST_LOOK))

    def arrived(self, logged: list[int], late: float) -> None:
        """The message logged as `logged` was answered: it may have reached Telegram `late`
        seconds after it was let go (see `RateLimiter.arrived`); every process counts it
        that much later (written in the background, and only when it matters)."""
        if logged and late >= NOTICEABLY_LATE:
            self._background(self._call(self._late, logged, late))

    def pause(self, seconds: float) -> None:
        """Flood control: no process sends for `seconds` (written in the background)."""
        self._background(self._call(self._pause, list(self._lane_keys()), seconds))

    async def settled(self) -> None:
        """Every pause and lateness handed over so far is written (or failed)."""
        await asyncio.gather(*self._writing, return_exceptions=True)

    def _background(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._writing.add(task)
        task.add_done_callback(self._written)

    def _written(self, task: asyncio.Future[None]) -> None:
        self._writing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("could not share a pause or lateness: %s", task.exception())

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
    ) -> tuple[float, list[int]]:
        with database.uow() as uow:
            slots = uow.coordination
            not_before, now = None, None
            if chat is not None:
                not_before, now = slots.reserve_slot(chat, self._chat)
            logged = []
            for key, interval in lanes:
                slot, now = slots.reserve_slot(key, interval, not_before)
                if key == FREE:
                    window_free = self._window_free(slots, slot)
                    if window_free > slot:  # the slot after the window lets it go
                        slot, now = slots.reserve_slot(key, interval, window_free)
                    logged.append(slots.log_send(FREE, slot))
                not_before = slot
            uow.commit()
        if not_before is None or now is None:
            return 0.0, logged
        return (not_before - now).total_seconds(), logged

    def _take_free(
        self, database: Database, chat: str | None, lanes: list[tuple[str, timedelta]]
    ) -> tuple[float, list[int]]:
        with database.uow() as uow:
            slots = uow.coordination
            keys = ([] if chat is None else [chat]) + [key for key, _ in lanes]
            wait = max(slots.slot_wait(key).total_seconds() for key in keys)
            if wait > 0:
                return wait, []
            for key, interval in lanes:
                if not slots.take_free_slot(key, interval, CATCH_UP):
                    # Taken between the look and the take: nothing of this try is kept.
                    return SHORTEST_LOOK, []
            # The lanes' rows are locked until the commit: the window is this sender's to
            # look at and to add to.
            now = slots.now()
            logged = []
            if any(key == FREE for key, _ in lanes):
                window_free = self._window_free(slots, now)
                if window_free > now:
                    return (window_free - now).total_seconds(), []
                logged.append(slots.log_send(FREE, now))
            if chat is not None:
                slots.reserve_slot(chat, self._chat)
            uow.commit()
        return 0.0, logged

    def _window_free(self, slots: CoordinationRepository, at: datetime) -> datetime:
        """The earliest moment from `at` on when a message on the free lane would not be
        the `rate` + 1-th within Telegram's second (as every process logged them)."""
        recent = slots.sends_since(FREE, at - WINDOW)
        if len(recent) < self._size:
            return at
        return max(at, recent[len(recent) - self._size] + WINDOW)

    def _late(self, database: Database, logged: list[int], late: float) -> None:
        with database.uow() as uow:
            uow.coordination.log_lateness(logged, timedelta(seconds=late))
            uow.commit()

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
