"""Webhook mode: Telegram (or a self-hosted Bot API server) posts updates to Kopir.

Every request must carry the secret given to `setWebhook`
(`X-Telegram-Bot-Api-Secret-Token`); one without it, with another, with a body that is not
an update, or with a body over `MAX_BODY` is refused and counted
(`kopir_webhook_refused_total{reason}`), and nothing of it is handled. An update Telegram
delivers twice (it retries when an answer is late) is handled once: the reader-order
processor remembers the update ids it has seen (and, with several processes, the database).
A post is answered once its update has the reader's turn: Telegram sends a chat's updates
one at a time, each after the answer to the one before, so a reader's next update, posted
to another process, queues behind this one instead of overtaking it. The server is
`bot.runtime.health`'s, so /healthz and /metrics answer on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.core.metrics import Metrics
from bot.runtime.updates import ReaderOrderProcessor

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The longest a post waits for its update's turn before it is answered anyway (a reader's
# earlier update still being handled): Telegram gives up on an answer after about a minute.
ADMISSION_WAIT = 10.0
# Telegram's updates are kilobytes; a megabyte is room for the largest with its entities.
MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class WebhookConfig:
    url: str  # the public HTTPS URL Telegram posts to; its path is the one served here
    secret: str
    max_connections: int = 40

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"


class WebhookReceiver:
    def __init__(self, application: Application, secret: str, metrics: Metrics) -> None:
        self.application, self.secret, self.metrics = application, secret, metrics

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            return self._refused("secret", 403)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return self._refused("too_large", 413)
        try:
            data = json.loads(body)
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            return self._refused("malformed", 400)
        processor = self.application.update_processor
        admitted = (processor.admission(update.update_id)
                    if isinstance(processor, ReaderOrderProcessor) else None)
        await self.application.update_queue.put(update)
        if admitted is not None:
            # Answered once the update has its reader's turn: Telegram then sends the chat's
            # next update, which waits its turn behind this one in whichever process.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(admitted), ADMISSION_WAIT)
        return web.Response(status=200)

    def _refused(self, reason: str, status: int) -> web.Response:
        self.metrics.webhook_refused.labels(reason=reason).inc()
        log.warning("webhook request refused: %s", reason)
        return web.Response(status=status)


async def set_webhook(application: Application, config: WebhookConfig) -> None:
    """Point Telegram at this deployment. Pending updates are kept, and shutdown leaves the
    webhook in place: another instance may still be serving it."""
    await application.bot.set_webhook(
        config.url,
        secret_token=config.secret,
        max_connections=config.max_connections,
        drop_pending_updates=False,
    )
