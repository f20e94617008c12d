"""One run of the delivery engine: claimed rows -> paced sends -> batched answers.

See `bot.delivery.engine` for what a run does and why; this module is its machinery.
Everything here runs in the event loop except the database calls, which run in
worker threads (`asyncio.to_thread`), each in a short unit of work of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.core.context import AppContext
from bot.delivery.answers import MAX_UNSETTLED, Answers, report_progress
from bot.delivery.compose import compose
from bot.delivery.http import request_not_sent
from bot.delivery.ratelimit import RateLimiter
from bot.delivery.sending import deliver
from bot.delivery.state import MIN_IN_FLIGHT, DeliveryReport, Item, Sender, max_in_flight
from bot.messages.outgoing import Outgoing
from bot.services import outbox, outbox_settle
from bot.services.outbox_settle import Outcome, Result
from storage.broadcast_models import BroadcastStatus
from storage.models import NotificationKind

log = logging.getLogger("bot.delivery.engine")

# A claim is about this much sending at the current rate, within these bounds.
CLAIM_SECONDS = 1.0
MIN_CLAIM, MAX_CLAIM = 10, 500
# A row that meets flood control this many times in one run waits for a later run.
FLOOD_RETRIES = 3
# Renders (certificates are drawn in threads) prepared at once.
PREPARE_AT_ONCE = 4

class Run:
    """One run's pipeline: claimed rows -> paced sends -> batched answers."""

    def __init__(self, ctx: AppContext, sender: Sender, report: DeliveryReport) -> None:
        self.ctx, self.sender, self.report = ctx, sender, report
        self.changed = asyncio.Event()
        self.limiter: RateLimiter = sender.limiter
        self.queue: deque[Item] = deque()
        self.flooded: deque[Item] = deque()
        self.waiting: list[tuple[float, int, Item]] = []  # (chat free at, seq, item)
        self.sending: set[asyncio.Task] = set()
        self.answers = Answers(ctx, sender.owner, self.changed.set)
        self.statuses: dict[int, str] = {}
        self.blocked: set[int] = set()
        self.claiming: asyncio.Task | None = None
        self.current: Item | None = None
        self.exhausted = False
        self.closing = False
        self.failure: BaseException | None = None
        self.prepare_slots = asyncio.Semaphore(PREPARE_AT_ONCE)
        self.shared: dict[tuple[int | None, str | None], asyncio.Future[Outgoing]] = {}
        self.seq = 0
        self.claim_size = _claim_size(ctx.settings.send_rate)

    def idle(self) -> bool:
        return (
            self.exhausted and not self.queue and not self.flooded and not self.waiting
            and not self.sending and self.claiming is None
        )

    # --- claiming ------------------------------------------------------------------------

    async def claim(self) -> None:
        items = [*self.queue, *self.flooded, *(entry[2] for entry in self.waiting)]
        held = sorted({item.broadcast_id for item in items if item.broadcast_id})
        batch, statuses = await asyncio.to_thread(self._claim_in_thread, held, self.claim_size)
        self.statuses.update(statuses)
        report = self.report
        report.skipped += batch.skipped
        report.blocked += batch.blocked
        report.failed += batch.failed
        report.cancelled += batch.cancelled
        settings = self.ctx.settings
        paid_ones = 0
        queued_last = max((item.priority for item in self.queue), default=0)
        for claim in batch.claims:
            broadcast = claim.broadcast
            paid = bool(broadcast and broadcast.paid and settings.paid_broadcasts)
            paid_ones += paid
            if broadcast is not None:
                self.statuses[broadcast.id] = broadcast.status
            self.queue.append(Item(claim, self._prepared(claim), paid))
        if batch.claims and batch.claims[0].notification.priority < queued_last:
            # A reader's row claimed behind broadcast rows goes before them (a stable sort
            # keeps the claim order otherwise).
            self.queue = deque(sorted(self.queue, key=lambda item: item.priority))
        self.exhausted = batch.examined < self.claim_size
        # About a second's worth each time: a paid broadcast goes 30 times faster.
        paid_run = bool(batch.claims) and paid_ones == len(batch.claims)
        self.claim_size = _claim_size(
            settings.paid_send_rate if paid_run else settings.send_rate
        )

    def _claim_in_thread(
        self, held: Sequence[int], size: int
    ) -> tuple[outbox.ClaimBatch, dict[int, str]]:
        ctx, now = self.ctx, self.ctx.clock.now()
        with ctx.uow() as uow:
            # The next run may be an interval away: rows due before it are taken now.
            lead = timedelta(seconds=ctx.settings.sender_interval_seconds)
            # The pace the limiter really keeps (a little under the limit), not the
            # limit itself: at the limit the last of 5,000 reminders lands a second late.
            early = outbox.early_window(uow, now, self.sender.limiter.paced_rate, lead)
            batch = outbox.claim_due(uow, now, size, owner=self.sender.owner, early_until=early,
                                     lease=self.ctx.settings.outbox_lease)
            statuses = outbox.refresh_broadcasts(uow, held)
            uow.commit()
        report_progress(ctx, batch.broadcast_ids)
        return batch, statuses

    def _claim_more(self) -> None:
        if self.exhausted or self.claiming is not None or self.closing:
            return
        if len(self.queue) > self.claim_size // 2:
            return
        self.claiming = asyncio.create_task(self._claim_task())

    async def _claim_task(self) -> None:
        try:
            await self.claim()
        except Exception as error:
            self.failure = error
        finally:
            self.claiming = None
            self.changed.set()

    def _prepared(self, claim: outbox.Claim) -> asyncio.Future[Outgoing]:
        """The row's message, rendered once per broadcast and language: every reader of
        one language gets the same message (and one encoding of it, see `Outgoing`)."""
        row = claim.notification
        if row.kind != NotificationKind.BROADCAST:
            return asyncio.ensure_future(self._prepare(claim))
        key = (row.broadcast_id, claim.user.language)
        shared = self.shared.get(key)
        if shared is None or shared.cancelled():
            shared = self.shared[key] = asyncio.ensure_future(self._prepare(claim))
        return shared

    async def _prepare(self, claim: outbox.Claim) -> Outgoing:
        async with self.prepare_slots:
            return await compose(self.ctx.translator(claim.user.language), self.ctx, claim)

    # --- sending ---------------------------------------------------------------------------

    async def go(self, bot: Bot) -> None:
        self.answers.start()
        renewer = asyncio.create_task(self._renew_loop())
        try:
            while True:
                if self.failure is not None:
                    raise self.failure
                if self.answers.failure is not None:
                    raise self.answers.failure
                self._claim_more()
                item = self._next()
                if item is None:
                    if self.idle():
                        break
                    await self._wait()
                    continue
                self.current = item  # given back if the run stops before it is sent
                await self._room(item.paid)
                await self._dispatch(bot, item)
                self.current = None
        finally:
            renewer.cancel()
            await self._wind_down()
            self.closing = True
            await self.answers.close()
        if self.failure is not None:
            raise self.failure
        if self.answers.failure is not None:
            raise self.answers.failure

    def _next(self) -> Item | None:
        """The next row to send: flooded ones first, then rows whose chat has become
        free, then the claim order. A row whose chat is not free waits aside."""
        now = time.monotonic()
        while True:
            if self.flooded:
                item = self.flooded.popleft()
            elif self.waiting and self.waiting[0][0] <= now:
                item = heapq.heappop(self.waiting)[2]
            elif self.queue:
                item = self.queue.popleft()
            else:
                return None
            if not self._still_wanted(item):
                continue
            wait = self.limiter.chat_delay(item.chat_id)
            if wait > 0:
                self.seq += 1
                heapq.heappush(self.waiting, (now + wait, self.seq, item))
                continue
            return item

    def _still_wanted(self, item: Item) -> bool:
        status = self.statuses.get(item.broadcast_id) if item.broadcast_id else None
        if status == BroadcastStatus.PAUSED:
            self._answer(item, Outcome(item.row_id, Result.RELEASE, error="broadcast paused",
                                       retry_at=self.ctx.clock.now()))
            return False
        if status == BroadcastStatus.CANCELLED:
            self.report.cancelled += 1
            self._answer(item, Outcome(item.row_id, Result.CANCELLED))
            return False
        if item.chat_id in self.blocked:
            self.report.blocked += 1
            self._answer(item, Outcome(item.row_id, Result.BLOCKED,
                                       error="blocked earlier in this run"))
            return False
        return True

    async def _wait(self) -> None:
        timeout = None
        if self.waiting:
            timeout = max(0.0, self.waiting[0][0] - time.monotonic())
        self.changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.changed.wait(), timeout)

    async def _room(self, paid: bool) -> None:
        settings = self.ctx.settings
        rate = settings.paid_send_rate if paid else settings.send_rate
        needed = math.ceil(2 * rate * self.sender.latency)
        bound = max(MIN_IN_FLIGHT, min(max_in_flight(rate), needed))
        while len(self.sending) >= bound or len(self.answers) >= MAX_UNSETTLED:
            if self.failure is not None:
                raise self.failure
            if self.answers.failure is not None:
                raise self.answers.failure
            self.changed.clear()
            await self.changed.wait()

    async def _dispatch(self, bot: Bot, item: Item) -> None:
        try:
            outgoing = await item.prepared
        except Exception as error:  # a bad row must not stop the others
            log.exception("could not render notification %s", item.claim.notification.dedupe_key)
            self.report.failed += 1
            self._answer(item, Outcome(item.row_id, Result.FAILED, error=f"render: {error!r}"))
            return
        token = await self.limiter.acquire(item.chat_id, paid=item.paid)
        # Timed from here: a busy event loop may hold the request back before it goes.
        task = asyncio.create_task(self._send(bot, item, outgoing, token, time.monotonic()))
        self.sending.add(task)
        task.add_done_callback(self._sent)

    def _sent(self, task: asyncio.Task) -> None:
        self.sending.discard(task)
        if not task.cancelled() and task.exception() is not None and self.failure is None:
            self.failure = task.exception()
        self.changed.set()

    async def _send(
        self, bot: Bot, item: Item, outgoing: Outgoing, token: tuple, started: float
    ) -> None:
        try:
            message_id = await deliver(outgoing, bot, item.chat_id, paid=item.paid)
        except TelegramError as error:
            self.limiter.arrived(token, time.monotonic() - started)
            self._refused(item, error)
            return
        elapsed = time.monotonic() - started
        self.limiter.arrived(token, elapsed)
        self.sender.latency = 0.9 * self.sender.latency + 0.1 * elapsed
        self.report.sent += 1
        self.ctx.metrics.sent("paid" if item.paid else "bulk", time.time())
        self._answer(item, Outcome(item.row_id, Result.SENT, message_id=message_id))

    def _refused(self, item: Item, error: TelegramError) -> None:
        row, report = item.claim.notification, self.report
        if isinstance(error, RetryAfter):
            seconds = retry_after_seconds(error)
            self.ctx.metrics.flood_control.inc()
            log.warning("flood control: pausing the sender for %.0f s", seconds)
            self.limiter.pause(seconds)
            item.floods += 1
            if item.floods < FLOOD_RETRIES:
                self.flooded.append(item)
                return
            report.retried += 1
            retry_at = self.ctx.clock.now() + timedelta(seconds=seconds)
            self._answer(item, Outcome(row.id, Result.RELEASE, error="flood control",
                                       retry_at=retry_at))
        elif isinstance(error, Forbidden) or (
            isinstance(error, BadRequest) and "chat not found" in error.message.lower()
        ):
            self.blocked.add(item.chat_id)
            report.blocked += 1
            self.ctx.metrics.blocked.inc()
            self._answer(item, Outcome(row.id, Result.BLOCKED, error=str(error)))
        elif isinstance(error, NetworkError):  # TimedOut included
            self._network_trouble(item, error)
        else:
            log.error("Telegram refused notification %s: %s", row.dedupe_key, error)
            report.failed += 1
            self._answer(item, Outcome(row.id, Result.FAILED, error=str(error)))

    def _network_trouble(self, item: Item, error: NetworkError) -> None:
        row = item.claim.notification
        if row.kind == NotificationKind.BROADCAST and not request_not_sent(error):
            log.warning("announcement %s may or may not have arrived: %r", row.dedupe_key, error)
            self.report.uncertain += 1
            self._answer(item, Outcome(row.id, Result.UNCERTAIN, error=repr(error)))
            return
        if row.attempts >= outbox_settle.MAX_ATTEMPTS:
            self.report.failed += 1
        else:
            self.report.retried += 1
        self._answer(item, Outcome(row.id, Result.RETRY, error=repr(error)))

    # --- recording answers -----------------------------------------------------------------

    def _answer(self, item: Item, outcome: Outcome) -> None:
        self.answers.add(outcome, item.broadcast_id)

    async def _renew_loop(self) -> None:
        ctx, every = self.ctx, self.ctx.settings.outbox_lease.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            await asyncio.to_thread(_renew, ctx, self.sender.owner)

    async def _wind_down(self) -> None:
        """Let requests in flight finish (their answers are written), and give back what
        was claimed but not sent (only a failure or a stop leaves any)."""
        if self.claiming is not None:
            self.claiming.cancel()
        if self.sending:
            await asyncio.gather(*self.sending, return_exceptions=True)
        now = self.ctx.clock.now()
        for item in self._leftovers():
            item.prepared.cancel()
            self._answer(item, Outcome(item.row_id, Result.RELEASE, error="", retry_at=now))

    def _leftovers(self) -> list[Item]:
        items = [*self.flooded, *self.queue, *(entry[2] for entry in self.waiting)]
        if self.current is not None:
            items.append(self.current)
            self.current = None
        self.flooded.clear()
        self.queue.clear()
        self.waiting.clear()
        return items

    def abandon(self) -> None:
        """Cancel renders of rows never dispatched (the run broke off before sending)."""
        for item in self._leftovers():
            item.prepared.cancel()


def _claim_size(rate: float) -> int:
    return max(MIN_CLAIM, min(MAX_CLAIM, round(rate * CLAIM_SECONDS)))


def _renew(ctx: AppContext, owner: str) -> None:
    with ctx.uow() as uow:
        outbox.renew(uow, owner, ctx.clock.now(), ctx.settings.outbox_lease)
        uow.commit()


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns on this attribute while it moves from int to timedelta; both are read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
