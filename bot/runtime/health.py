"""/healthz and /metrics for whoever operates Kopir: on a small port of their own
(`KOPIR_HEALTH_PORT`) while the bot long-polls, beside the webhook in webhook mode.

/healthz answers 200 when the database answers and the sender is scheduled, 503
otherwise, with what it found: the database, the sender, the outbox's rows by status and
when Telegram last accepted a message. /metrics is Prometheus's text format
(`bot.core.metrics`); the outbox's rows are read at each scrape.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.core.context import AppContext
from bot.runtime.webhook import MAX_BODY, WebhookReceiver
from bot.services import outbox

log = logging.getLogger(__name__)

# A database that takes longer than this to count the outbox is as good as down.
DATABASE_TIMEOUT = 3.0


@dataclass(frozen=True)
class Health:
    database: bool
    sender: bool
    outbox: dict[str, int] = field(default_factory=dict)
    last_send: float | None = None

    @property
    def healthy(self) -> bool:
        return self.database and self.sender

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ok" if self.healthy else "unhealthy",
            "database": "ok" if self.database else "unreachable",
            "sender": "ok" if self.sender else "not running",
            "outbox": self.outbox,
            "last_send": self.last_send,
        }


class HealthServer:
    def __init__(self, ctx: AppContext, sender_alive: Callable[[], bool],
                 host: str, port: int, webhook: tuple[str, WebhookReceiver] | None = None) -> None:
        self.ctx, self.sender_alive = ctx, sender_alive
        self.host, self.port = host, port
        self.webhook = webhook
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        if self.webhook is not None:
            path, receiver = self.webhook
            app.router.add_post(path, receiver.handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        # Bound here, so that port 0 (any free port) tells which one it got.
        listening = socket.create_server((self.host, self.port), reuse_port=False)
        self.port = listening.getsockname()[1]
        await web.SockSite(self._runner, listening).start()
        log.info("health and metrics on http://%s:%s/healthz", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def check(self) -> Health:
        depth: dict[str, int] | None
        try:
            depth = await asyncio.wait_for(self.ctx.read(outbox.depth), DATABASE_TIMEOUT)
        except Exception as error:  # noqa: BLE001 (any failure means: not reachable)
            log.warning("health: the database did not answer: %s", type(error).__name__)
            depth = None
        return Health(database=depth is not None, sender=self.sender_alive(),
                      outbox=depth or {}, last_send=self.ctx.metrics.last_send_at)

    async def _healthz(self, _request: web.Request) -> web.Response:
        health = await self.check()
        return web.json_response(health.as_json(), status=200 if health.healthy else 503)

    async def _broadcast_progress(self) -> None:
        """Each running or paused broadcast's rows by status; finished ones drop out."""
        try:
            progress = await asyncio.wait_for(
                self.ctx.read(outbox.broadcast_progress), DATABASE_TIMEOUT)
        except Exception as error:  # noqa: BLE001 (the scrape goes on without them)
            log.warning("metrics: broadcast progress not read: %s", type(error).__name__)
            return
        gauge = self.ctx.metrics.broadcasts
        gauge.clear()
        for broadcast, statuses in progress.items():
            for status, rows in statuses.items():
                gauge.labels(broadcast=str(broadcast), status=status).set(rows)

    async def _metrics(self, _request: web.Request) -> web.Response:
        health = await self.check()
        gauge = self.ctx.metrics.outbox
        for status, rows in health.outbox.items():
            gauge.labels(status=status).set(rows)
        if health.database:
            await self._broadcast_progress()
        body = generate_latest(self.ctx.metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
