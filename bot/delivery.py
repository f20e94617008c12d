"""The outbox sender: reminders and notices from `Notification` rows to readers' chats.

The database is the truth. PTB's JobQueue only wakes the sender: a repeating
job every `settings.sender_interval_seconds` (the first run at start-up, which
also recovers rows a crash left half-sent), and `ctx.wake_sender()` for "look
now" after a handler queued something. Each run claims due rows (committed
before any request goes out), sends them through one rate limiter, and records
each answer. See `bot.services.outbox` for the row states and staleness rules.

One row is one Telegram message. A contest result is the participant's
certificate or letter of thanks (rendered now, in their language) sent as ONE
document with the text as its caption, so there is never a text without its
document or the reverse, and a retry repeats the pair whole.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application, ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot import certificates, contest_notices, notices
from bot.context import AppContext, app_context
from bot.i18n import Translator
from bot.ratelimit import RateLimiter
from bot.services import outbox
from storage.models import NotificationKind, NotificationStatus

log = logging.getLogger(__name__)

SENDER_KEY = "kopir.sender"
# Rows claimed per round: small, so that few are `sending` when a crash comes.
BATCH_SIZE = 50
# Requests in flight at once; one slow chat (waiting out its 1/s) does not hold the rest.
SEND_WORKERS = 4
# A row that meets flood control this many times in one run waits for a later run.
FLOOD_RETRIES = 3


@dataclass
class DeliveryReport:
    """What one run did; counts of rows by outcome."""

    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    retried: int = 0
    failed: int = 0
    recovered: int = 0


@dataclass
class _Sender:
    """State a sender keeps between runs; lives in `bot_data`, one per Application."""

    limiter: RateLimiter = field(default_factory=RateLimiter)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    recovered: bool = False
    wake_pending: bool = False
    blocked: set[int] = field(default_factory=set)


def register(app: Application) -> None:
    if app.job_queue is None:
        raise RuntimeError("the sender needs python-telegram-bot's job-queue extra")
    ctx = app_context(app.bot_data)
    _sender_of(app)
    app.job_queue.run_repeating(
        _on_tick, interval=ctx.settings.sender_interval_seconds, first=0, name="kopir.sender"
    )
    ctx.wake_sender = lambda: _wake(app)


def _wake(app: Application) -> None:
    sender = _sender_of(app)
    if sender.wake_pending:
        # A run is already on its way and will see whatever was just queued.
        return
    sender.wake_pending = True
    app.job_queue.run_once(_on_wake, when=0, name="kopir.sender.wake")


async def _on_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    await send_due(context.application, app_context(context.bot_data))


async def _on_wake(context: ContextTypes.DEFAULT_TYPE) -> None:
    _sender_of(context.application).wake_pending = False
    await send_due(context.application, app_context(context.bot_data))


async def send_due(app_or_bot: Application | Bot, ctx: AppContext) -> DeliveryReport:
    """Send everything due now. Given an Application, runs are serialized and the rate
    limiter is shared with the scheduled runs; given a bare Bot (tests, tools), the
    call starts like a fresh process, recovery included."""
    if isinstance(app_or_bot, Application):
        bot, sender = app_or_bot.bot, _sender_of(app_or_bot)
    else:
        bot, sender = app_or_bot, _Sender()
    report = DeliveryReport()
    async with sender.lock:
        if not sender.recovered:
            with ctx.uow() as uow:
                report.recovered = outbox.recover_interrupted(uow, ctx.clock.now())
                uow.commit()
            sender.recovered = True
        sender.blocked.clear()
        while True:
            with ctx.uow() as uow:
                batch = outbox.claim_due(uow, ctx.clock.now(), BATCH_SIZE)
                uow.commit()
            report.skipped += batch.skipped
            report.blocked += batch.blocked
            report.failed += batch.failed
            try:
                await _send_all(bot, ctx, sender, batch.claims, report)
            except Exception:
                # Say the database failed mid-batch: the unsettled rows stay `sending`;
                # the next run starts with recovery instead of waiting for a restart.
                sender.recovered = False
                raise
            if batch.examined < BATCH_SIZE:
                return report


async def _send_all(
    bot: Bot, ctx: AppContext, sender: _Sender, claims: list[outbox.Claim], report: DeliveryReport
) -> None:
    queue = list(reversed(claims))

    async def worker() -> None:
        while queue:
            await _deliver(bot, ctx, sender, queue.pop(), report)

    await asyncio.gather(*(worker() for _ in range(min(SEND_WORKERS, len(queue)))))


@dataclass(frozen=True)
class _Outgoing:
    """One message as it will go out."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    # (content, file name): sent as one document with `text` as its caption.
    document: tuple[bytes, str] | None = None

    async def send(self, bot: Bot, chat_id: int) -> Message:
        if self.document is not None:
            content, name = self.document
            return await bot.send_document(
                chat_id=chat_id, document=content, filename=name, caption=self.text,
                reply_markup=self.markup,
            )
        return await bot.send_message(
            chat_id=chat_id,
            text=self.text,
            reply_markup=self.markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )


async def _deliver(
    bot: Bot, ctx: AppContext, sender: _Sender, claim: outbox.Claim, report: DeliveryReport
) -> None:
    row, user = claim.notification, claim.user
    if row.user_id in sender.blocked:
        _settle(ctx, outbox.mark_blocked, row.id, ctx.clock.now(), "blocked earlier in this run")
        report.blocked += 1
        return
    t = ctx.translator(user.language)
    try:
        outgoing = await _compose(t, ctx, claim)
    except Exception as error:  # a bad row must not stop the others
        log.exception("could not render notification %s", row.dedupe_key)
        _settle(ctx, outbox.mark_failed, row.id, f"render: {error!r}")
        report.failed += 1
        return

    last_flood = 1.0
    for _attempt in range(FLOOD_RETRIES):
        await sender.limiter.acquire(row.user_id)
        try:
            message = await outgoing.send(bot, row.user_id)
        except RetryAfter as error:
            seconds = _retry_after_seconds(error)
            log.warning("flood control: pausing the sender for %.0f s", seconds)
            sender.limiter.pause(seconds)
            last_flood = seconds
            continue
        except Forbidden as error:
            _blocked(ctx, sender, row.id, row.user_id, str(error), report)
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                _blocked(ctx, sender, row.id, row.user_id, str(error), report)
            else:
                log.error("Telegram refused notification %s: %s", row.dedupe_key, error)
                _settle(ctx, outbox.mark_failed, row.id, str(error))
                report.failed += 1
        except NetworkError as error:
            # Includes TimedOut: the message may have arrived, but a duplicate reminder is
            # harmless and a lost one is not (see bot.services.outbox).
            status = _settle(ctx, outbox.mark_retry, row.id, ctx.clock.now(), repr(error))
            if status == NotificationStatus.FAILED:
                report.failed += 1
            else:
                report.retried += 1
        except TelegramError as error:
            log.error("notification %s failed: %s", row.dedupe_key, error)
            _settle(ctx, outbox.mark_failed, row.id, repr(error))
            report.failed += 1
        else:
            _settle(ctx, outbox.mark_sent, row.id, message.message_id, ctx.clock.now())
            report.sent += 1
        return
    retry_at = ctx.clock.now() + timedelta(seconds=last_flood)
    _settle(ctx, outbox.release, row.id, retry_at, "flood control")
    report.retried += 1


async def _compose(t: Translator, ctx: AppContext, claim: outbox.Claim) -> _Outgoing:
    row, now = claim.notification, ctx.clock.now()
    if row.kind in outbox.CONTEST_KINDS:
        text = contest_notices.render(
            t, row, claim.contest, claim.facts or outbox.ContestFacts(), claim.user, ctx.settings,
            now,
        )
        if row.kind != NotificationKind.CONTEST_RESULT:
            return _Outgoing(text)
        award = _award(claim)
        # fpdf2 is pure Python: a thread keeps the bot answering while the PDF is drawn.
        content = await asyncio.to_thread(certificates.render, t, award)
        return _Outgoing(text, document=(content, certificates.file_name(t, award)))
    event = claim.event
    text = notices.render(t, row, event, claim.user, ctx.settings, now)
    if row.kind == NotificationKind.EVENT_CANCELLED:
        return _Outgoing(text)
    button = InlineKeyboardButton(notices.open_event_label(t), callback_data=f"ev:card:{event.id}")
    return _Outgoing(text, InlineKeyboardMarkup([[button]]))


def _award(claim: outbox.Claim) -> certificates.Award:
    contest, user, payload = claim.contest, claim.user, claim.notification.payload or {}
    # Dated the day the results were published, in the contest's zone: a copy sent
    # again later is the same document.
    moment = contest.published_at or claim.notification.created_at
    return certificates.Award(
        contest=contest,
        full_name=user.full_name or user.first_name,
        place=payload.get("place"),
        shared=bool(payload.get("shared")),
        winner=contest_notices.is_award(payload),
        day=moment.astimezone(ZoneInfo(contest.timezone)).date(),
    )


def _blocked(
    ctx: AppContext, sender: _Sender, row_id: int, user_id: int, error: str, report: DeliveryReport
) -> None:
    sender.blocked.add(user_id)
    _settle(ctx, outbox.mark_blocked, row_id, ctx.clock.now(), error)
    report.blocked += 1


def _settle(ctx: AppContext, mark, *args):  # noqa: ANN001, ANN202
    """Record one answer in its own unit of work, committed at once."""
    with ctx.uow() as uow:
        result = mark(uow, *args)
        uow.commit()
    return result


def _retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns on this attribute while it moves from int to timedelta; both are read.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _sender_of(app: Application) -> _Sender:
    sender = app.bot_data.get(SENDER_KEY)
    if sender is None:
        sender = app.bot_data[SENDER_KEY] = _Sender()
    return sender
