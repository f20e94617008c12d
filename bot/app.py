"""Composition root: the only place where Kopir's parts are built and wired."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from telegram.ext import Application, ApplicationBuilder

from bot.core.clock import Clock, SystemClock
from bot.core.context import CONTEXT_KEY, AppContext, app_context
from bot.core.i18n import Catalogs
from bot.core.settings import Settings
from bot.delivery import engine as delivery
from bot.delivery.http import AiohttpRequest
from bot.runtime import shared
from bot.runtime.health import HealthServer
from bot.runtime.persistence import DatabasePersistence
from bot.runtime.shared import SharedReaders
from bot.runtime.updates import ReaderOrderProcessor
from bot.runtime.webhook import WebhookConfig, WebhookReceiver, set_webhook
from handlers import (
    attendance,
    broadcast,
    checkin,
    contests,
    entries,
    events,
    fallback,
    feedback,
    jury,
    jury_invites,
    letters,
    manage,
    newcontest,
    newevent,
    organizers,
    past_events,
    privacy,
    private_only,
    profile,
    registration,
    report,
    results,
    start,
)
from storage.db import make_engine
from storage.uow import Database

log = logging.getLogger(__name__)

# Handler replies in flight at once: enough for many readers answered together.
REPLY_CONNECTIONS = 64
HEALTH_KEY = "kopir.health"


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    database: Database | None = None,
    catalogs: Catalogs | None = None,
    start_delivery: bool = True,
) -> Application:
    """Build the bot. Nothing talks to Telegram until the application is started."""
    if not settings.token:
        raise ValueError("TELEGRAM_BOT_TOKEN is required to build the application")
    context = AppContext(
        settings=settings,
        database=database or Database(make_engine(
            settings.database_url, pool_size=settings.database_threads
        )),
        catalogs=catalogs or Catalogs.load(),
        clock=clock or SystemClock(),
        executor=ThreadPoolExecutor(settings.database_threads, thread_name_prefix="kopir-db"),
    )
    persistence = DatabasePersistence(context.database, clock=context.clock)
    processor = ReaderOrderProcessor(settings.concurrent_updates, context.clock, context.metrics)
    application = (
        ApplicationBuilder()
        .token(settings.token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.api_base_file_url)
        # Drafts and conversation states in the database: forms survive a restart.
        .persistence(persistence)
        .post_init(_post_init)
        # What post_init and the builder started is stopped here; a database handed in
        # (tests, the sandbox) is its owner's to dispose.
        .post_shutdown(partial(_post_shutdown, dispose_database=database is None))
        # Different readers at once, each reader's updates in order (bot.runtime.updates).
        .concurrent_updates(processor)
        # aiohttp, like the delivery engine's own Bot: PTB's default client (httpx) takes
        # several times the CPU per request, and the bot has one core for readers and a
        # running broadcast together.
        .request(AiohttpRequest(REPLY_CONNECTIONS))
        .get_updates_request(AiohttpRequest(1))
        # Counts handler replies in the delivery engine's limiter (never delays them).
        .rate_limiter(delivery.ReplyMeter(metrics=context.metrics))
        .build()
    )
    application.bot_data[CONTEXT_KEY] = context
    if context.shares_database:
        # Other processes may take the same readers' updates: each is the reader's turn,
        # agreed through the database (bot.runtime.shared).
        processor.shared = SharedReaders(
            context.database, persistence, holder=context.instance, clock=context.clock,
            call=context.call)
        processor.shared.attach(application)
        shared.register_housekeeping(application)

    # Order matters: python-telegram-bot gives an update to the first matching
    # handler of a group. Conversations come first so that, mid-conversation,
    # their answers are not taken by a broader handler; the fallback that
    # answers unknown commands and stray input comes last.
    # First of all, in a handler group of its own: outside private chats nothing below
    # runs (one "write to me privately" for a command, a pop-up for a button).
    private_only.register(application)
    profile.register(application)  # profile questions (asked before a first registration)
    newevent.register(application)  # organizers: /newevent conversation
    manage.register(application)  # organizers: edit, registrants, cancel an event
    past_events.register(application)  # organizers: /past, events that have taken place
    newcontest.register(application)  # organizers: /newcontest conversation
    broadcast.register(application)  # organizers: /broadcast conversation, its status, /broadcasts
    entries.register(application)  # readers: enter a contest, /myentries; organizers: entries
    jury_invites.register(application)  # organizers: Jury button (progress, invite link)
    organizers.register(application)  # admins: /organizers, libraries, organizer invites
    jury.register(application)  # jurors: /jury, blind scoring, conflicts
    results.register(application)  # organizers: /results, freeze, publish, exports
    report.register(application)  # organizers: /report (a period, typed dates), its files
    contests.register(application)  # /contests list and contest cards, close
    privacy.register(application)  # readers: /mydata, /deleteme (erase on request)
    feedback.register(application)  # readers: rate an event they came to; organizers: answers
    letters.register(application)  # organizers: letters of thanks to those who came
    start.register(application)  # /start (with deep links), /language, /help
    events.register(application)  # /events list and event cards
    registration.register(application)  # register, waiting list, cancel, /my
    attendance.register(application)  # readers: Join (who came); organizers: mark who came
    checkin.register(application)  # organizers: the door's QR code of offline events
    fallback.register(application)  # unknown commands, stray input, errors

    if start_delivery:
        delivery.register(application)  # reminder and notice sender (a repeating job)
    privacy.register_jobs(application)  # daily: erase data past the retention period
    feedback.register_jobs(application)  # every 10 min: rating requests after events
    return application


async def _post_init(application: Application) -> None:
    context = app_context(application.bot_data)
    loop = asyncio.get_running_loop()
    # Commits run in worker threads; the sender lives on the event loop.
    context.database.on_outbox_commit = lambda: loop.call_soon_threadsafe(context.wake_sender)
    context.bot_username = application.bot.username
    await start.publish_commands(application)
    settings = context.settings
    address = settings.service_address()
    if address is None:
        return
    webhook = webhook_config(settings)
    # One server: /healthz, /metrics and, in webhook mode, the webhook.
    server = HealthServer(
        context, partial(delivery.sender_alive, application), *address,
        webhook=None if webhook is None else (
            webhook.path, WebhookReceiver(application, webhook.secret, context.metrics)),
    )
    await server.start()
    application.bot_data[HEALTH_KEY] = server
    if webhook is not None:
        await set_webhook(application, webhook)


def webhook_config(settings: Settings) -> WebhookConfig | None:
    if not (settings.webhook_url and settings.webhook_secret):  # webhook_mode, spelled for mypy
        return None
    return WebhookConfig(settings.webhook_url, settings.webhook_secret,
                         settings.webhook_max_connections)


async def _post_shutdown(application: Application, *, dispose_database: bool) -> None:
    context = app_context(application.bot_data)
    health = application.bot_data.pop(HEALTH_KEY, None)
    if health is not None:
        await health.stop()
    context.database.on_outbox_commit = lambda: None
    if context.executor is not None:
        await asyncio.to_thread(context.executor.shutdown)
    if dispose_database:
        await asyncio.to_thread(context.database.dispose)
