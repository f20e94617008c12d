"""Telegram's answers on their way to the outbox: written in batches while sending goes on.

A run of the delivery engine (`bot.delivery.run`) hands every answer here. They
are written `WRITE_BATCH` at a time, or `WRITE_DELAY` after the first one came,
in one short unit of work in a worker thread (one statement for all sent rows).
The run stops sending while `MAX_UNSETTLED` are waiting: with the requests in
flight, these are what a crash can duplicate (answers received but not yet
written are sent again after a restart).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

from bot.core.context import AppContext
from bot.services import broadcast_work, outbox_settle
from bot.services.outbox_settle import Outcome

log = logging.getLogger("bot.delivery.engine")

WRITE_BATCH = 50
WRITE_DELAY = 0.05
MAX_UNSETTLED = 100
# The broadcasts side hears which broadcasts moved at most this often (seconds).
PROGRESS_EVERY = 1.0


class Answers:
    """Answers not yet written, and the task that writes them (`start`, `close`)."""

    def __init__(self, ctx: AppContext, owner: str, on_written: Callable[[], None]) -> None:
        self.ctx, self.owner = ctx, owner
        self.on_written = on_written
        self.waiting: list[Outcome] = []
        self.first_at = 0.0
        self.touched: set[int] = set()  # broadcasts with answers since the last report
        self.progress_at = 0.0
        self.closing = False
        self.failure: BaseException | None = None
        self.arrived = asyncio.Event()
        self.task: asyncio.Task | None = None

    def __len__(self) -> int:
        return len(self.waiting)

    def add(self, outcome: Outcome, broadcast_id: int | None) -> None:
        if not self.waiting:
            self.first_at = time.monotonic()
        self.waiting.append(outcome)
        if broadcast_id is not None:
            self.touched.add(broadcast_id)
        self.arrived.set()

    def start(self) -> None:
        self.task = asyncio.create_task(self._loop())

    async def close(self) -> None:
        """Write what is left (and tell the broadcasts side), then stop."""
        self.closing = True
        self.arrived.set()
        if self.task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _loop(self) -> None:
        while True:
            if self.waiting:
                waited = time.monotonic() - self.first_at
                if self.closing or len(self.waiting) >= WRITE_BATCH or waited >= WRITE_DELAY:
                    await self._write()
                    continue
                timeout = WRITE_DELAY - waited
            elif self.closing:
                if self.touched:  # progress held back by `PROGRESS_EVERY`
                    await self._write()
                return
            else:
                timeout = None
            self.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.arrived.wait(), timeout)

    async def _write(self) -> None:
        outcomes, self.waiting = self.waiting, []
        # The broadcasts side is told at most once a second, and when the run closes.
        touched: set[int] = set()
        if self.closing or time.monotonic() >= self.progress_at:
            touched, self.touched = self.touched, set()
            self.progress_at = time.monotonic() + PROGRESS_EVERY
        try:
            await asyncio.to_thread(self._write_in_thread, outcomes, touched)
        except Exception as error:
            # Those rows stay `sending`; the next run takes them back (see bot.delivery.engine).
            if self.failure is None:
                self.failure = error
        finally:
            self.on_written()

    def _write_in_thread(self, outcomes: list[Outcome], touched: set[int]) -> None:
        ctx = self.ctx
        with ctx.uow() as uow:
            outbox_settle.settle(uow, outcomes, ctx.clock.now(), self.owner)
            uow.commit()
        report_progress(ctx, touched)


def report_progress(ctx: AppContext, broadcast_ids: set[int]) -> None:
    """Tell the broadcasts service which broadcasts moved: those with nothing left to send
    are done (their status message shows the summary at its next update). Runs in the
    engine's database thread; the write is the service's unit of work."""
    if not broadcast_ids:
        return
    try:
        broadcast_work.record_progress(ctx.database, sorted(broadcast_ids), ctx.clock.now())
    except Exception:
        log.exception("broadcast progress hook failed")
