"""A fake Telegram Bot API HTTP server for end-to-end tests and the offline sandbox.

The real PTB ``Application`` talks to it over HTTP exactly as it talks to Telegram
(``.base_url(api.base_url).base_file_url(api.base_file_url)``), while tests drive the
human side through :class:`~bot.sandbox.fakeapi.users.FakeUser` objects. Updates wait
for getUpdates, or, once a webhook is set, are posted to it (`bot.sandbox.fakeapi.webhook`).

A caller may name itself in the path, ``/via/<name>/bot<token>/<method>`` (a base URL of
``{url}/via/<name>/bot``): its calls are recorded with ``via`` set, so that the sends of
several bot processes sharing this server can be told apart (`Tally.sent_by`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bot.sandbox.fakeapi import control
from bot.sandbox.fakeapi.control import SEND_METHODS, Tally
from bot.sandbox.fakeapi.faults import Fault, FaultPlan, RateLimiter, RecordedRequest
from bot.sandbox.fakeapi.groups import FakeGroup
from bot.sandbox.fakeapi.methods import Handler, MessageMethods
from bot.sandbox.fakeapi.protocol import error_response, ok_response, read_params
from bot.sandbox.fakeapi.setup_methods import SetupMethods, commands_key
from bot.sandbox.fakeapi.shapes import (
    BLOCKED,
    CHAT_NOT_FOUND,
    ApiError,
    FileStore,
    JSONDict,
    Upload,
    default_description,
    user_json,
)
from bot.sandbox.fakeapi.updates import UpdateQueue
from bot.sandbox.fakeapi.users import FakeUser
from bot.sandbox.fakeapi.webhook import WebhookDelivery

logger = logging.getLogger(__name__)

Subscriber = Callable[[int, str, JSONDict], None]


class FakeBotApi:
    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        bot_username: str = "kopir_bot",
        bot_first_name: str = "Kopir",
        enforce_limits: bool = False,
        global_rate: int = 30,
        per_chat_rate: int = 1,
        paid_rate: int = 1000,
        group_rate: int = 20,
        webhook_routes: dict[str, str] | None = None,
        webhook_retry: tuple[float, float] = (0.05, 1.0),
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.latency = latency
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = user_json(self.bot_id, bot_first_name, is_bot=True, username=bot_username)
        self.enforce_limits = enforce_limits
        self.limiter = RateLimiter(
            global_rate, per_chat_rate, paid_rate=paid_rate, group_rate=group_rate
        )
        # Counters of sends and callback answers, for /_fake/stats
        # (see bot.sandbox.fakeapi.control).
        self.tally = Tally()
        self.requests: list[RecordedRequest] = []
        self.users: dict[int, FakeUser] = {}
        # Groups, supergroups and channels the bot is in (negative ids, as in Telegram).
        self.groups: dict[int, FakeGroup] = {}
        self.files = FileStore()
        self.updates = UpdateQueue()
        # Where webhook posts go (host -> plain-HTTP base URL) and how soon a failed one
        # is tried again (the first backoff, doubling up to the second).
        self.webhook = WebhookDelivery(
            self.updates, routes=webhook_routes,
            retry_first=webhook_retry[0], retry_max=webhook_retry[1],
        )
        self.callback_queries: dict[str, FakeUser] = {}
        self._query_ids = itertools.count(4_217_000_000_000_000_001)
        self._faults = FaultPlan()
        self._subscribers: list[Subscriber] = []
        self._setup = SetupMethods(self)
        self._methods: dict[str, Handler] = {**self._setup.table, **MessageMethods(self).table}
        self._canonical = {name.lower(): name for name in self._methods}
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()
        self._sleepers: set[asyncio.Future[None]] = set()
        # Calls of the bot being answered (long polls apart), long polls waiting, the
        # newest update_id handed to the bot, and the Application watched by `handled`.
        self._in_flight = 0
        self._polls = 0
        self._handed_over = 0
        self._application: Any = None
        # Calls answered without an error, by (method, via): a driver in another process
        # waits on them to learn that a bot is up (its setWebhook).
        self.answered: Counter[tuple[str, str | None]] = Counter()
        self._answered_waiters: list[tuple[str, str | None, int, asyncio.Future[None]]] = []

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        # Big client_max_size: bots upload documents far beyond aiohttp's 1 MiB default.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        app.router.add_route("*", "/via/{via}/bot{token}/{method}", self._handle_method)
        app.router.add_get("/via/{via}/file/bot{token}/{file_path:.+}", self._handle_file)
        control.add_routes(app.router, self)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        # Release long polls and artificial delays first, so shutdown does not wait on them.
        self._stopping.set()
        await self.webhook.stop()
        for sleeper in self._sleepers:
            if not sleeper.done():
                sleeper.set_result(None)
        self.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    # --- simulated users & observation -----------------------------------------------------

    def user(
        self,
        user_id: int,
        *,
        first_name: str = "Aru",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "kk",
    ) -> FakeUser:
        """The simulated Telegram user with this id (created on first use)."""
        if user_id not in self.users:
            self.users[user_id] = FakeUser(
                self,
                user_id,
                first_name=first_name,
                last_name=last_name,
                username=username,
                language_code=language_code,
            )
        return self.users[user_id]

    def group(
        self, chat_id: int, *, title: str = "Readers' club", chat_type: str = "supergroup"
    ) -> FakeGroup:
        """The simulated group, supergroup or channel with this id, the bot a member of it
        (created on first use)."""
        if chat_id not in self.groups:
            self.groups[chat_id] = FakeGroup(self, chat_id, title=title, chat_type=chat_type)
        return self.groups[chat_id]

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(chat_id, kind, payload)`` on every bot-side event; returns an
        unsubscribe function. Kinds: "sent", "edited" (payload = message), "deleted"
        ({"message_id", "chat"}), "chat_action" ({"action"}), "callback_answer"
        ({"callback_query_id", "text", "show_alert", "url"})."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def emit(self, chat_id: int, kind: str, payload: JSONDict) -> None:
        for callback in list(self._subscribers):
            try:
                callback(chat_id, kind, copy.deepcopy(payload))
            except Exception:
                # A broken observer (e.g. the sandbox printer) must not fail the bot's call.
                logger.exception("fake Bot API subscriber failed")

    def calls(
        self, method: str | None = None, *, chat_id: int | None = None
    ) -> list[RecordedRequest]:
        """Recorded requests, optionally filtered by method (case-insensitive) and chat."""
        return [
            r
            for r in self.requests
            if (method is None or r.method.lower() == method.lower())
            and (chat_id is None or r.chat_id == chat_id)
        ]

    def commands_for(
        self, language_code: str = "", *, scope: JSONDict | None = None
    ) -> list[JSONDict]:
        """Commands stored by setMyCommands for exactly this language_code and scope."""
        key = commands_key(scope, language_code)
        return copy.deepcopy(self._setup.commands.get(key, []))

    def menu_button(self, chat_id: int | None = None) -> JSONDict | None:
        return copy.deepcopy(self._setup.menu_buttons.get(chat_id))

    @property
    def webhook_url(self) -> str:
        return self._setup.webhook_url

    def route_webhook(self, host: str, base_url: str) -> None:
        """Deliver webhook posts for `host` to `base_url` over plain HTTP (where the proxy
        that ends TLS would pass them on); an unrouted host is unreachable."""
        self.webhook.route(host, base_url)

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.files.get(file_id)
        if stored is None:
            raise KeyError(f"unknown file_id {file_id!r}")
        return stored.content

    def next_callback_query_id(self) -> str:
        return str(next(self._query_ids))

    # --- fault injection -------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | None = None,
        error_code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching calls with an error (nothing is delivered)."""
        if error_code == 429 and retry_after is None:
            retry_after = 3
        self._faults.add(
            Fault(
                method.lower(),
                "error",
                chat_id=chat_id,
                times=times,
                error_code=error_code,
                description=description or default_description(error_code, retry_after),
                retry_after=retry_after,
            )
        )

    def drop_connection_next(
        self, method: str, chat_id: int | None = None, *, deliver: bool = False, times: int = 1
    ) -> None:
        """Close the connection without an answer; ``deliver=True`` processes the call first
        (the message arrives although the bot sees a network error)."""
        self._faults.add(
            Fault(method.lower(), "drop", chat_id=chat_id, times=times, deliver=deliver)
        )

    def delay_next(
        self, method: str, seconds: float, *, chat_id: int | None = None, times: int = 1
    ) -> None:
        """Process the call at once but answer only after ``seconds`` (client read timeouts)."""
        self._faults.add(
            Fault(method.lower(), "delay", chat_id=chat_id, times=times, seconds=seconds)
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    # --- hooks for method handlers ---------------------------------------------------------

    def resolve_chat(self, chat_id: Any, *, for_sending: bool = True) -> FakeUser:
        """The private chat a method addresses, with Telegram's errors for bad targets."""
        if chat_id is None or chat_id == "":
            raise ApiError.bad_request("chat_id is empty")
        user = (
            self.users.get(chat_id) or self.groups.get(chat_id)
            if isinstance(chat_id, int)
            else None
        )
        if user is None or not user.started:
            raise ApiError(400, CHAT_NOT_FOUND)
        if for_sending and user.blocked:
            raise ApiError(403, BLOCKED)
        return user

    def check_rate(self, chat_id: Any, *, paid: bool = False, at: float | None = None) -> None:
        """Flood control for one send (``enforce_limits``) taken `at` (monotonic; now by
        default). Every send takes its slot, one to a blocked chat too: Telegram counts
        requests."""
        if not self.enforce_limits:
            return
        moment = time.monotonic() if at is None else at
        retry_after = self.limiter.acquire(chat_id, moment, paid=paid)
        if retry_after is not None:
            raise ApiError.too_many_requests(retry_after)

    # --- dispatch (shared by the HTTP server and the in-process request) --------------------

    async def call(
        self,
        token: str,
        requested: str,
        params: JSONDict,
        files: dict[str, Upload],
        *,
        arrived: float | None = None,
        hung_up: Callable[[], bool] = lambda: False,
        via: str | None = None,
    ) -> Any:
        """One Bot API call, however it came: recorded, checked (token, faults, flood
        control) and handled. Returns the result, an `ApiError`, or a `Dropped` (the
        connection is to be cut without an answer). `hung_up` says whether the client has
        given up waiting by the time the answer is ready (the record is `abandoned`)."""
        arrived = time.monotonic() if arrived is None else arrived
        name = self._canonical.get(requested.lower())
        record = RecordedRequest(name or requested, params, time.time(), files, via=via)
        self.requests.append(record)
        counted = self.tally.arrived(record.method)
        polling = name == "getUpdates"
        if polling:
            self._polls += 1
        else:
            self._in_flight += 1
        try:
            outcome = await self._answer(token, record, name, params, files, arrived, hung_up)
        finally:
            if polling:
                self._polls -= 1
            else:
                self._in_flight -= 1
            if counted:
                self.tally.finished(record)
        if record.status == 200:
            self._note_answered(record)
        if polling and isinstance(outcome, list) and outcome:
            self._handed_over = max(self._handed_over, outcome[-1]["update_id"])
        return outcome

    async def _answer(
        self,
        token: str,
        record: RecordedRequest,
        name: str | None,
        params: JSONDict,
        files: dict[str, Upload],
        arrived: float,
        hung_up: Callable[[], bool],
    ) -> Any:
        if token != self.token:
            return self._failed(record, ApiError(401, "Unauthorized"))
        if name is None:
            return self._failed(record, ApiError(404, "Not Found: method not found"))
        # The moment Telegram would see the call: the latency is the network's, exact, and
        # this server's own busy moments must not move it (flood control reads it).
        taken = record.taken = arrived + self.latency
        if self.latency:
            await self._sleep(taken - time.monotonic())

        fault = self._faults.take(name, params.get("chat_id"))
        if fault is not None and fault.action == "error":
            error = ApiError(fault.error_code, fault.description or "", fault.retry_after)
            return self._failed(record, error)
        if fault is not None and fault.action == "drop" and not fault.deliver:
            return self._dropped(record, delivered=False)

        outcome: Any
        try:
            if name in SEND_METHODS:
                self.check_rate(
                    params.get("chat_id"), paid=bool(params.get("allow_paid_broadcast")), at=taken
                )
            outcome = await self._methods[name](params, files)
        except ApiError as error:
            outcome = error
        if fault is not None and fault.action == "delay":
            await self._sleep(fault.seconds)
        if fault is not None and fault.action == "drop":
            return self._dropped(record, delivered=not isinstance(outcome, ApiError))
        record.abandoned = hung_up()
        if isinstance(outcome, ApiError):
            return self._failed(record, outcome)
        return outcome

    def _failed(self, record: RecordedRequest, error: ApiError) -> ApiError:
        record.status, record.description = error.code, error.description
        return error

    def _dropped(self, record: RecordedRequest, *, delivered: bool) -> Dropped:
        record.status = 0
        record.description = "connection dropped" + (" after delivery" if delivered else "")
        return Dropped(delivered)

    async def wait_answered(
        self, method: str, *, via: str | None = None, count: int = 1, timeout: float = 10.0  # noqa: ASYNC109
    ) -> int:
        """Until `count` calls of `method` by the caller named `via` have been answered
        without an error; returns how many there are (fewer after `timeout`)."""
        key = (self._canonical.get(method.lower(), method), via)
        if self.answered[key] < count:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            entry = (*key, count, waiter)
            self._answered_waiters.append(entry)
            try:
                await asyncio.wait_for(waiter, timeout)
            except TimeoutError:
                pass
            finally:
                self._answered_waiters.remove(entry)
        return self.answered[key]

    def _note_answered(self, record: RecordedRequest) -> None:
        key = (record.method, record.via)
        self.answered[key] += 1
        for method, via, count, waiter in self._answered_waiters:
            if (method, via) == key and self.answered[key] >= count and not waiter.done():
                waiter.set_result(None)

    # --- the bot's progress, for tests -----------------------------------------------------

    def attach(self, application: Any) -> None:
        """Watch this Application's update queue: `handled` waits for it to be done."""
        self._application = application

    def bot_is_done(self) -> bool:
        """Every update pushed so far was handed to the attached bot (taken by a poll, or,
        with a webhook set, answered with a 2xx), the bot has handled each of them and
        is polling again (or waits for the next post), and no other call of the bot's is
        in flight."""
        if self._application is None:
            raise RuntimeError("no Application attached (FakeBotApi.attach)")
        if self.webhook.active:
            handed_over, listening = self.webhook.all_delivered(), True
        else:
            handed_over = all(i <= self._handed_over for i in self.updates.pending_ids())
            listening = self._polls > 0
        queue = self._application.update_queue
        return (
            handed_over
            and listening
            and self._in_flight == 0
            and queue.empty()
            # asyncio.Queue counts updates taken but not yet marked done (PTB marks each
            # one done once all its handlers have run).
            and queue._unfinished_tasks == 0  # noqa: SLF001
        )

    async def handled(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has handled every update pushed so far (see `bot_is_done`): its
        handlers have run and their calls to the Bot API have been answered. Delivery by
        the bot's background jobs (the outbox) is not waited for: wait for its messages."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.bot_is_done():
                # Checked again after the loop has run everything ready: a task created by
                # the last handler (or an update just taken from the queue) gets its turn.
                for _ in range(3):
                    await asyncio.sleep(0)
                if self.bot_is_done():
                    return
            if loop.time() > deadline:
                raise AssertionError(f"the bot did not handle every update within {timeout}s")
            queue = self._application.update_queue
            if queue._unfinished_tasks:  # noqa: SLF001
                # Until every update the bot has taken is handled (PTB's task_done).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(queue.join(), deadline - loop.time())
            else:
                # An update on its way to the bot, or a call being answered: a tick.
                await asyncio.sleep(0.002)

    async def delivered(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until every update pushed so far was posted to the webhook and answered with a
        2xx (a bot in another process: what it does with them is for its replies to show)."""
        if not self.webhook.active:
            raise AssertionError("no webhook is set")
        if not await self.webhook.wait_delivered(timeout):
            raise AssertionError(
                f"the webhook did not take every update within {timeout}s: "
                f"{self.webhook.snapshot()}"
            )

    # --- HTTP ------------------------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        params, files = await read_params(request)
        outcome = await self.call(
            request.match_info["token"],
            request.match_info["method"],
            params,
            files,
            arrived=arrived,
            hung_up=lambda: request.transport is None or request.transport.is_closing(),
            via=request.match_info.get("via"),
        )
        if isinstance(outcome, Dropped):
            if request.transport is not None:
                request.transport.close()
            # aiohttp notices the closed transport and discards this response quietly.
            return web.Response(status=204)
        if isinstance(outcome, ApiError):
            return error_response(outcome)
        return ok_response(outcome)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.files.by_path.get(request.match_info["file_path"])
        if request.match_info["token"] != self.token or stored is None:
            return error_response(ApiError(404, "Not Found"))
        # Via headers: content_type= rejects full MIME strings with parameters.
        content_type = stored.mime_type or "application/octet-stream"
        return web.Response(body=stored.content, headers={"Content-Type": content_type})

    async def _sleep(self, seconds: float) -> None:
        """Sleep, cut short by `stop()`. A bare timer future: at 1000 requests a second,
        wait_for() with its extra task per call cost more than the rest of a request."""
        if seconds <= 0 or self._stopping.is_set():
            return
        loop = asyncio.get_running_loop()
        sleeper: asyncio.Future[None] = loop.create_future()
        timer = loop.call_later(seconds, _wake, sleeper)
        self._sleepers.add(sleeper)
        try:
            await sleeper
        finally:
            timer.cancel()
            self._sleepers.discard(sleeper)


@dataclass(frozen=True)
class Dropped:
    """The connection is cut without an answer; `delivered` if the call took effect."""

    delivered: bool


def _wake(sleeper: asyncio.Future[None]) -> None:
    if not sleeper.done():
        sleeper.set_result(None)
