"""The delivery engine: outbox rows to readers' chats, at Telegram's limits, losing nothing.

The database is the truth (`bot.services.outbox`: row states, priority, leases,
what is sent again after a crash or a time-out and why). PTB's JobQueue only
wakes the sender: once when the scheduler starts (that first run also takes back
rows a crash left half-sent), a repeating job every
`settings.sender_interval_seconds`, and
`ctx.wake_sender()` for "look now" after a handler queued something.

A run (one at a time per process; `bot.delivery.run`):
- claims rows in batches of about a second's worth at the current rate, by
  priority, the next batch while the current one goes out; a reader's row
  claimed behind queued broadcast rows goes before them, so a reminder due now
  overtakes a running broadcast within a second or two;
- renders each row (`bot.delivery.compose`), paces it through one `RateLimiter`
  (`settings.send_rate`; `settings.paid_send_rate` for paid broadcasts when
  `settings.paid_broadcasts`; 1/s per private chat, 20/min per group; a row
  whose chat is not free yet waits aside instead of holding up the others) and
  sends it with a bounded number of requests in flight: twice what the rate
  needs at the observed latency (4 to 128), so the limiter, not the pool, sets
  the pace;
- records answers in batches (one statement for all sent rows) while sending
  goes on. Every database call runs in a worker thread and is short, so the
  event loop keeps answering readers while a broadcast goes out;
- sends through a `Bot` of its own on its own connection pool (aiohttp,
  `bot.delivery.http`): handler replies never queue behind bulk sends.
The limiter is the bot's only one: `ReplyMeter`, the Application bot's PTB rate
limiter, takes a slot in it for every handler reply that puts a message in a chat,
before bulk sends (they leave each reply the next slot as it comes, see
`bot.delivery.ratelimit`), at 1 message a second in the reply's chat; a reply refused with
429 pauses the limiter and is sent again after `retry_after` (a few times at most),
so a reader never sees an error for a broadcast going on. Bulk sends wait a second
before writing into a chat the bot has just answered in.

What each answer of Telegram does to a row (429, 403, time-outs, crashes) is told once,
in `bot.services.outbox`; a crash can resend at most `in_flight_bound(settings)` messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

from apscheduler.events import EVENT_SCHEDULER_STARTED
from telegram import Bot
from telegram.error import RetryAfter, TelegramError
from telegram.ext import Application, BaseRateLimiter, ContextTypes
from telegram.request import BaseRequest

from bot.core.context import AppContext, app_context
from bot.core.metrics import Metrics
from bot.core.settings import Settings
from bot.delivery.answers import MAX_UNSETTLED
from bot.delivery.http import AiohttpRequest
from bot.delivery.ratelimit import RateLimiter
from bot.delivery.run import Run, retry_after_seconds
from bot.delivery.shared_pace import DatabasePace
from bot.delivery.state import DeliveryReport, Sender, max_in_flight
from bot.runtime.ptb import job_queue_of
from bot.runtime.updates import waiting_for_telegram
from bot.services import outbox

__all__ = ["DeliveryReport", "ReplyMeter", "in_flight_bound", "register", "send_due"]

log = logging.getLogger(__name__)

SENDER_KEY = "kopir.sender"
# Set by `send_through`: what makes the bulk Bot's request objects.
REQUEST_KEY = "kopir.sender.request"
# Pacing margins (see bot.delivery.ratelimit), in seconds per second: 10 ms for the error in
# estimating when a request reached Telegram, and a catch-up after a stalled event
# loop. Free messages go 1.5% below the limit (30/s: 29.6/s), paid ones 3% (970/s).
GUARD = 0.01
CATCH_UP = 0.005
PAID_CATCH_UP = 0.02
# A reply refused with 429 is sent again after retry_after, this many times at most, and
# not when Telegram asks for a longer wait than this (seconds): the reader has gone by then.
REPLY_RETRIES = 3
REPLY_LONGEST_WAIT = 60.0


# Bot API methods that put a new message into a chat: the ones Telegram's limits count.
SEND_METHODS = frozenset({
    "sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendAnimation", "sendAudio",
    "sendVoice", "sendVideoNote", "sendSticker", "sendLocation", "sendVenue", "sendContact",
    "sendPoll", "sendDice", "sendMediaGroup", "copyMessage", "copyMessages", "forwardMessage",
    "forwardMessages",
})


class ReplyMeter(BaseRateLimiter[None]):
    """The Application bot's rate limiter (`ApplicationBuilder.rate_limiter`): a reply to a
    reader takes its slot in the engine's limiter before bulk sends do, keeping to one
    message a second in its chat, and a reply refused with 429 is sent again after
    `retry_after` (the whole limiter pauses, as it does when the engine meets flood
    control), so the reader gets the reply, not an error. Requests that do not put a new
    message in a chat (button answers, edits) go at once, as they do not count."""

    def __init__(self, *, max_retries: int = REPLY_RETRIES,
                 longest_wait: float = REPLY_LONGEST_WAIT, metrics: Metrics | None = None) -> None:
        self.limiter: RateLimiter | None = None
        self.metrics = metrics or Metrics()
        self.max_retries = max_retries
        self.longest_wait = longest_wait

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> Any:
        chat_id = data.get("chat_id")
        counted = endpoint in SEND_METHODS and isinstance(chat_id, int | str)
        refusals = 0
        while True:
            limiter = self.limiter if counted else None
            token = None
            if limiter is not None:
                # Waiting for Telegram's pace is not work: other readers' updates go on.
                async with waiting_for_telegram():
                    token = await limiter.acquire(chat_id, reply=True)
            started = time.monotonic()
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as error:
                seconds = retry_after_seconds(error)
                refusals += 1
                self.metrics.flood_control.inc()
                if refusals > self.max_retries or seconds > self.longest_wait:
                    self.metrics.replies_refused.inc()
                    raise
                log.warning("flood control on %s: sending it again in %.0f s", endpoint, seconds)
                if limiter is not None:
                    limiter.pause(seconds)  # the next acquire waits it out, as every send does
                else:
                    async with waiting_for_telegram():
                        await asyncio.sleep(seconds)
            else:
                if counted:
                    self.metrics.sent("reply", time.time())
                return result
            finally:
                if token is not None and limiter is not None:
                    limiter.arrived(token, time.monotonic() - started)


def register(app: Application) -> None:
    if app.job_queue is None:
        raise RuntimeError("the sender needs python-telegram-bot's job-queue extra")
    ctx = app_context(app.bot_data)
    _sender_of(app)
    interval = ctx.settings.sender_interval_seconds
    app.job_queue.run_repeating(
        # The first run is the wake at start-up below: a job given `first=0` before the
        # scheduler runs would have its first run an interval after start-up.
        _on_tick, interval=interval, first=interval, name="kopir.sender",
        # A broadcast keeps one run going for minutes: the ticks meanwhile return at once
        # instead of being skipped (and logged) by the scheduler.
        job_kwargs={"max_instances": 2},
    )
    ctx.wake_sender = lambda: _wake(app)
    # Once the scheduler runs (Application.start), the sender starts at once: rows due,
    # and rows a crash left half-sent, go out without waiting for the first tick.
    app.job_queue.scheduler.add_listener(lambda _event: _wake(app), EVENT_SCHEDULER_STARTED)
    if app.job_queue.scheduler.running:
        _wake(app)


def sender_alive(app: Application) -> bool:
    """The sender's repeating job is scheduled and its scheduler runs (the health check)."""
    queue = app.job_queue
    return (queue is not None and queue.scheduler.running
            and bool(queue.get_jobs_by_name("kopir.sender")))


def _wake(app: Application) -> None:
    sender = _sender_of(app)
    if sender.wake_pending:
        # A run is already on its way and will see whatever was just queued.
        return
    sender.wake_pending = True
    job_queue_of(app).run_once(_on_wake, when=0, name="kopir.sender.wake")


async def _on_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    if _sender_of(context.application).lock.locked():
        return  # the run going on claims whatever falls due meanwhile
    await send_due(context.application, app_context(context.bot_data))


async def _on_wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    _sender_of(context.application).wake_pending = False
    await send_due(context.application, app_context(context.bot_data))


async def send_due(app_or_bot: Application | Bot, ctx: AppContext) -> DeliveryReport:
    """Send everything due now. Given an Application, runs are serialized, the rate
    limiter is shared with the scheduled runs, and requests go through a bulk `Bot`
    of their own; given a bare Bot (tests, tools), the call starts like a fresh
    process, recovery included, and sends through that Bot."""
    if isinstance(app_or_bot, Application):
        sender, bulk = _sender_of(app_or_bot), None
    else:
        sender, bulk = Sender(_limiter(ctx)), app_or_bot
    report = DeliveryReport()
    async with sender.lock:
        # With other processes on the database, every run also takes back the rows of a
        # process that died (their lease lapsed), not only the first run after a start.
        if not sender.recovered or ctx.shares_database:
            report.recovered = await asyncio.to_thread(_recover, ctx, sender.owner)
            sender.recovered = True
        run = Run(ctx, sender, report)
        try:
            await run.claim()
            if run.idle():
                return report
            async with contextlib.nullcontext(bulk) if bulk else _bulk_bot(ctx, sender) as bot:
                await run.go(bot)
        except BaseException:
            # The run broke off (a database error, a cancelled job): rows it could not
            # settle are still `sending`; the next run takes them back before claiming.
            sender.recovered = False
            raise
        finally:
            run.abandon()
    return report


def in_flight_bound(settings: Settings) -> int:
    """The most messages a crash can send twice: the requests in flight at the fastest
    rate allowed, plus a batch of answers being written and one waiting (sent, not yet
    recorded as sent)."""
    return max_in_flight(_top_rate(settings)) + 2 * MAX_UNSETTLED


def _top_rate(settings: Settings) -> float:
    if settings.paid_broadcasts:
        return max(settings.send_rate, settings.paid_send_rate)
    return settings.send_rate


def _limiter(ctx: AppContext) -> RateLimiter:
    settings = ctx.settings
    return RateLimiter(
        settings.send_rate,
        chat_interval=settings.chat_interval_seconds,
        paid_rate=settings.paid_send_rate if settings.paid_broadcasts else None,
        guard=GUARD,
        catch_up=CATCH_UP,
        paid_catch_up=PAID_CATCH_UP,
        # Other processes on the database send for the same bot: one pace for all.
        shared=DatabasePace(
            ctx.call, rate=settings.send_rate, chat_interval=settings.chat_interval_seconds,
            paid_rate=settings.paid_send_rate if settings.paid_broadcasts else None,
        ) if ctx.shares_database else None,
    )


def send_through(app: Application, make_request: Callable[[int], BaseRequest]) -> None:
    """The outbox's sends of `app` go through request objects made by `make_request`
    (given the connection pool's size) instead of the aiohttp client: tests hand them to
    the fake Bot API in process."""
    app.bot_data[REQUEST_KEY] = make_request


@contextlib.asynccontextmanager
async def _bulk_bot(ctx: AppContext, sender: Sender) -> AsyncIterator[Bot]:
    """A Bot with its own connection pool, for this run's sends only. Not initialized
    (`Bot.initialize` fails when getMe fails): sending needs no bot info, and a run
    should not break off before its first send (restarts would wear its rows out)."""
    settings = ctx.settings
    pool = max_in_flight(_top_rate(settings)) + 4
    request = (sender.make_request(pool) if sender.make_request is not None
               else AiohttpRequest(pool, slim=True))
    bot = Bot(
        settings.required_token(),
        base_url=settings.api_base_url,
        base_file_url=settings.api_base_file_url,
        request=request,
        get_updates_request=request,
    )
    await request.initialize()
    try:
        # One request first: the first of a process (or a connection) is slow, and a
        # paced send that lingers 20 ms longer than the next ones may meet flood control.
        with contextlib.suppress(TelegramError):
            await bot.get_me()
        yield bot
    finally:
        await request.shutdown()


def _recover(ctx: AppContext, owner: str) -> int:
    # SQLite: one sender per database, so whatever is `sending` was ours (see outbox).
    sole = ctx.database.engine.dialect.name == "sqlite"
    with ctx.uow() as uow:
        recovered = outbox.recover_interrupted(
            uow, ctx.clock.now(), lapsed_only=not sole, owner=owner
        )
        uow.commit()
    return recovered


def _sender_of(app: Application) -> Sender:
    sender = app.bot_data.get(SENDER_KEY)
    if sender is None:
        sender = app.bot_data[SENDER_KEY] = Sender(
            _limiter(app_context(app.bot_data)), make_request=app.bot_data.get(REQUEST_KEY)
        )
        meter = getattr(app.bot, "rate_limiter", None)
        if isinstance(meter, ReplyMeter):
            meter.limiter = sender.limiter
    return sender

