"""Webhook delivery, as Telegram does it: once `setWebhook` names a URL, queued updates are
POSTed there instead of waiting for getUpdates.

- One chat's updates go one at a time in order of update_id: the next only after the one
  before was answered with a 2xx (Telegram's Bot API server keeps a queue per chat).
  Different chats' go at once, at most `max_connections` requests together.
- An answer other than 2xx, a connection error or no answer within `timeout` is retried,
  the same update again, after a backoff doubling from `retry_first` up to `retry_max`;
  the chat's later updates wait behind it, other chats' do not.
- Each request carries `X-Telegram-Bot-Api-Secret-Token` when `setWebhook` gave a secret.

The fake never leaves the machine: a webhook's host is delivered to where `routes` maps
it, over plain HTTP (``{"kopir.test": "http://127.0.0.1:8080"}``: the TLS-ending proxy in
front of the bot), and an unrouted host counts as unreachable: every attempt fails and
`last_error` says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bot.sandbox.fakeapi.protocol import dumps
from bot.sandbox.fakeapi.shapes import JSONDict
from bot.sandbox.fakeapi.updates import UpdateQueue

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_MAX_CONNECTIONS = 40


@dataclass(frozen=True)
class Attempt:
    """One POST of an update: its HTTP status (0 when none came: a connection error or a
    time-out) and its `time.monotonic()` moments."""

    update_id: int
    status: int
    started: float
    finished: float
    error: str | None = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Unreachable(Exception):
    """The webhook's host has no route (see the module's docstring)."""


class WebhookDelivery:
    def __init__(
        self,
        queue: UpdateQueue,
        *,
        routes: dict[str, str] | None = None,
        retry_first: float = 0.05,
        retry_max: float = 1.0,
        timeout: float = 10.0,
    ) -> None:
        self.queue = queue
        self.routes: dict[str, str] = dict(routes or {})
        self.retry_first, self.retry_max, self.timeout = retry_first, retry_max, timeout
        self.url = ""
        self.secret: str | None = None
        self.max_connections = DEFAULT_MAX_CONNECTIONS
        self.attempts: list[Attempt] = []
        self.delivered = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.last_error: tuple[float, str] | None = None  # (Unix time, message)
        # Chats with an update on its way (their next update waits), and per update
        # waiting for another try: when, and how many tries failed.
        self._busy: set[Any] = set()
        self._retry_at: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._posts: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._wakeup: asyncio.Event | None = None
        self._drained: list[asyncio.Future[None]] = []
        self._attempted: list[tuple[int, asyncio.Future[None]]] = []
        queue.listeners.append(self._wake)

    @property
    def active(self) -> bool:
        return bool(self.url)

    def configure(self, url: str, secret: str | None, max_connections: int) -> None:
        """setWebhook: deliver to `url` from now on (an empty one stops delivery; updates
        on their way finish)."""
        self.url, self.secret, self.max_connections = url, secret, max_connections
        if url and self._runner is None:
            self._wakeup = asyncio.Event()
            self._runner = asyncio.get_running_loop().create_task(self._run())
        self._wake()

    def route(self, host: str, base_url: str) -> None:
        self.routes[host] = base_url

    def all_delivered(self) -> bool:
        """Every update queued so far was answered with a 2xx."""
        return not self.queue.waiting() and self.in_flight == 0

    async def wait_delivered(self, timeout: float) -> bool:  # noqa: ASYNC109
        """Until every update queued so far was answered with a 2xx; False after `timeout`."""
        if self.all_delivered():
            return True
        drained: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._drained.append(drained)
        try:
            await asyncio.wait_for(drained, timeout)
        except TimeoutError:
            return False
        finally:
            with contextlib.suppress(ValueError):
                self._drained.remove(drained)
        return True

    async def wait_attempts(self, count: int, timeout: float) -> bool:  # noqa: ASYNC109
        """Until `count` posts have been answered or have failed; False after `timeout`."""
        if len(self.attempts) >= count:
            return True
        attempted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (count, attempted)
        self._attempted.append(waiter)
        try:
            await asyncio.wait_for(attempted, timeout)
        except TimeoutError:
            return False
        finally:
            self._attempted.remove(waiter)
        return True

    def snapshot(self) -> JSONDict:
        failed = [a for a in self.attempts if not a.ok]
        statuses: dict[str, int] = {}
        for attempt in failed:
            statuses[str(attempt.status)] = statuses.get(str(attempt.status), 0) + 1
        return {
            "url": self.url,
            "max_connections": self.max_connections,
            "pending": len(self.queue.waiting()),
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "delivered": self.delivered,
            "attempts": len(self.attempts),
            "failed": statuses,
            "last_error": None if self.last_error is None else self.last_error[1],
            "all_delivered": self.active and self.all_delivered(),
        }

    async def stop(self) -> None:
        self.url = ""
        tasks = [*self._posts, *([self._runner] if self._runner else [])]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # --- delivery ------------------------------------------------------------------------

    def _wake(self) -> None:
        if self._wakeup is not None:
            self._wakeup.set()

    async def _run(self) -> None:
        assert self._wakeup is not None
        loop = asyncio.get_running_loop()
        while True:
            self._wakeup.clear()
            next_retry = self._dispatch(loop.time())
            self._notify_drained()
            if next_retry is None:
                await self._wakeup.wait()
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), max(0.0, next_retry - loop.time()))

    def _dispatch(self, now: float) -> float | None:
        """Start the posts that may go now; returns when the next retry falls due."""
        if not self.url:
            return None
        waiting_chats = set(self._busy)
        next_retry: float | None = None
        for update in self.queue.waiting():
            if self.in_flight >= self.max_connections:
                break
            chat = _chat_of(update)
            if chat in waiting_chats:
                continue
            # This chat's later updates wait behind this one, whatever happens to it.
            waiting_chats.add(chat)
            due = self._retry_at.get(update["update_id"])
            if due is not None and due > now:
                next_retry = due if next_retry is None else min(next_retry, due)
                continue
            self._busy.add(chat)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            post = asyncio.get_running_loop().create_task(self._post(update, chat))
            self._posts.add(post)
            post.add_done_callback(self._posts.discard)
        return next_retry

    async def _post(self, update: JSONDict, chat: Any) -> None:
        update_id = update["update_id"]
        loop = asyncio.get_running_loop()
        started = loop.time()
        status, error = 0, None
        try:
            async with self._client().post(
                self._target(), data=dumps(update).encode(), headers=self._headers()
            ) as response:
                await response.read()
                status = response.status
                if not 200 <= status < 300:
                    error = f"Wrong response from the webhook: {status} {response.reason}"
        except Unreachable as unreachable:
            error = str(unreachable)
        except (aiohttp.ClientError, OSError, TimeoutError) as failure:
            error = f"Connection failed: {type(failure).__name__}: {failure}"
        finally:
            self._busy.discard(chat)
            self.in_flight -= 1
        self.attempts.append(Attempt(update_id, status, started, loop.time(), error))
        for count, attempted in self._attempted:
            if len(self.attempts) >= count and not attempted.done():
                attempted.set_result(None)
        if error is None:
            self.delivered += 1
            self._retry_at.pop(update_id, None)
            self._failures.pop(update_id, None)
            self.queue.confirm_one(update_id)  # wakes the dispatcher
            return
        failures = self._failures[update_id] = self._failures.get(update_id, 0) + 1
        backoff = min(self.retry_max, self.retry_first * 2 ** (failures - 1))
        self._retry_at[update_id] = loop.time() + backoff
        self.last_error = (time.time(), error)
        self._wake()

    def _notify_drained(self) -> None:
        if self._drained and self.all_delivered():
            for drained in self._drained:
                if not drained.done():
                    drained.set_result(None)

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            # No cap of its own: `max_connections` is counted in `_dispatch`.
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=0),
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    def _target(self) -> str:
        parts = urlsplit(self.url)
        base = self.routes.get(parts.hostname or "")
        if base is None:
            raise Unreachable(
                f"Connection failed: no route to {parts.hostname} (the fake Bot API delivers "
                "webhooks only to routed hosts: FakeBotApi.route_webhook, --webhook-route)"
            )
        return base.rstrip("/") + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SECRET_HEADER] = self.secret
        return headers


def _chat_of(update: JSONDict) -> Any:
    """The queue an update waits in: its chat (a private chat's is the user's), else the
    user who caused it, else its own."""
    for key, value in update.items():
        if key == "update_id" or not isinstance(value, dict):
            continue
        message = value.get("message") if isinstance(value.get("message"), dict) else value
        chat = message.get("chat") if isinstance(message, dict) else None
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
        person = value.get("from")
        if isinstance(person, dict) and "id" in person:
            return person["id"]
    return ("update", update["update_id"])
