"""Several `kopir run` processes on one PostgreSQL database behind a load balancer, fed by
the fake Bot API's webhook, as an operator runs them behind a reverse proxy.

    group = Instances(database_url, workdir, count=2)
    await group.start()            # fake Bot API, balancer, instances; returns once all serve
    group.balancer.mode = "alternate"
    ...
    group.kill(1)                  # SIGKILL, as a power cut
    await group.stop()

Processes: the fake Bot API (`python -m bot.sandbox.fakeapi`, its webhook host
`kopir.test` routed to the balancer), and N `python -m bot.cli run` in webhook mode, each on
a port of its own, each naming itself in its Bot API base URL (``/via/kopir-<i>/bot``,
so the fake's records tell whose sends they were). The balancer (`Balancer`, aiohttp, in
this process, on 127.0.0.1) forwards each post to an instance by `mode`; one that does not
answer is skipped, and when none does, the fake gets a 502 and posts the update again.

Also here: a PostgreSQL database of one's own (`own_database`, `drop_database`), and the
figures read from the fake's records (`max_in_window`, `duplicates`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import ORGANIZER_ID, TOKEN, BotProcess  # noqa: E402
from bench._wave import PROBE_ID, WaveFake  # noqa: E402

WEBHOOK_HOST = "kopir.test"
WEBHOOK_PATH = "/telegram/kopir"
WEBHOOK_URL = f"https://{WEBHOOK_HOST}{WEBHOOK_PATH}"
SECRET = "kopir-instances-secret-0123456789"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/test"
STARTUP_TIMEOUT = 60.0
MODES = ("round_robin", "alternate", "sticky")


# --- PostgreSQL -------------------------------------------------------------------------------


def own_database(server_url: str, name: str) -> str:
    """A fresh, empty database `name` on the server of `server_url` (dropped first if it
    is there, with whoever is connected to it); returns its URL."""
    from sqlalchemy import create_engine, make_url, text

    from storage.db import normalize_url

    server = make_url(normalize_url(server_url))
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def drop_database(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, make_url, text

    from storage.db import normalize_url

    engine = create_engine(make_url(normalize_url(server_url)), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def free_port() -> int:
    # The port is free now; an instance binds it a second later (nothing else here races).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the load balancer ------------------------------------------------------------------------


@dataclass(frozen=True)
class Routed:
    """One webhook post: the update, its reader, the instance that took it (None: none
    answered) and the status passed back to the fake Bot API."""

    update_id: int
    reader: int | None
    instance: int | None
    status: int


class Balancer:
    """The reverse proxy in front of the instances, for the webhook's path.

    `mode` picks the instance for each post: "round_robin" (one after another, whoever's
    update it is), "alternate" (each reader's updates take turns, so that a reader's
    consecutive updates land on different instances), "sticky" (a reader always on the
    same one); `pins` sends a reader's updates to one instance whatever the mode. An
    instance that does not answer (killed, not up) is skipped for the next one; when none
    answers the post gets a 502, and the fake Bot API posts the update again."""

    def __init__(self, count: int, path: str = WEBHOOK_PATH) -> None:
        self.count, self.path = count, path
        self.targets: list[str | None] = [None] * count
        self.mode = "round_robin"
        self.pins: dict[int, int] = {}
        self.routed: list[Routed] = []
        self.port = 0
        self._turn = 0
        self._turns: Counter[int] = Counter()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=2 * 1024 * 1024)
        app.router.add_post(self.path, self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=30, sock_connect=2),
        )

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def choose(self, reader: int | None) -> int:
        if reader is not None and reader in self.pins:
            return self.pins[reader]
        if self.mode == "round_robin" or reader is None:
            self._turn += 1
            return self._turn % self.count
        if self.mode == "alternate":
            self._turns[reader] += 1
            return (reader + self._turns[reader]) % self.count
        if self.mode == "sticky":
            return reader % self.count
        raise ValueError(f"unknown balancing mode {self.mode!r}; one of {MODES}")

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        update_id, reader = _who(body)
        first = self.choose(reader)
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() in ("content-type", "x-telegram-bot-api-secret-token")}
        for step in range(self.count):
            index = (first + step) % self.count
            target = self.targets[index]
            if target is None:
                continue
            try:
                async with self._session.post(target + self.path, data=body,
                                              headers=headers) as answer:
                    answered = await answer.read()
                    self.routed.append(Routed(update_id, reader, index, answer.status))
                    return web.Response(status=answer.status, body=answered)
            except (aiohttp.ClientError, OSError, TimeoutError):
                continue  # dead or not up yet: the next one
        self.routed.append(Routed(update_id, reader, None, 502))
        return web.Response(status=502)


def _who(body: bytes) -> tuple[int, int | None]:
    """The update's id and the reader it comes from (None when it has none)."""
    update = json.loads(body)
    for key, value in update.items():
        if key != "update_id" and isinstance(value, dict):
            person = value.get("from") or value.get("chat") or {}
            return update["update_id"], person.get("id")
    return update["update_id"], None


# --- the fake Bot API -------------------------------------------------------------------------


class InstancesFake(WaveFake):
    """The fake Bot API process with its webhook host routed to the balancer, and the
    driver's side of its /_fake/ endpoints that the instance tests use."""

    def __init__(self, *, balancer: Balancer, latency: float, log: Path, limits: bool,
                 rate: int = 30, paid_rate: int = 1000) -> None:
        super().__init__(latency=latency, log=log, limits=limits, rate=rate, paid_rate=paid_rate)
        self.args += ["--webhook-route", f"{WEBHOOK_HOST}={balancer.url}",
                      "--webhook-retry", "0.05", "--webhook-retry-max", "0.5"]

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        assert self.session is not None
        async with self.session.request(method, f"{self.url}/_fake/{path}", json=body) as got:
            got.raise_for_status()
            return await got.json()

    async def send_text(self, user_id: int, text: str) -> None:
        """The reader sends `text`; the bot's answer is for `chat` to wait for."""
        await self._json("POST", "send", {"user_id": user_id, "text": text, "wait": False})

    async def press_button(self, user_id: int, label: str) -> None:
        """The reader presses the button labelled `label` on the newest message showing it."""
        chat = await self.chat(user_id)
        for message in reversed(chat["messages"]):
            for row in message["buttons"]:
                for button in row:
                    if button["text"] == label and "data" in button:
                        await self._json("POST", "press", {
                            "user_id": user_id, "data": button["data"],
                            "message_id": message["message_id"], "wait": False})
                        return
        shown = [b["text"] for m in chat["messages"] for row in m["buttons"] for b in row]
        raise AssertionError(f"reader {user_id} has no button {label!r}; buttons: {shown}")

    async def chat(self, user_id: int, *, events: int | None = None,
                   timeout: float = 10.0) -> dict[str, Any]:  # noqa: ASYNC109
        """The reader's chat (`bot.sandbox.fakeapi.control`); with `events`, once it holds
        that many of the bot's events, or after `timeout` (``"timed_out"``)."""
        query = f"chat?user_id={user_id}"
        if events is not None:
            query += f"&events={events}&timeout={timeout}"
        return await self._json("GET", query)

    async def wait_delivered(self, chat_ids: list[int], *, count: int | None = None,
                             timeout: float = 30.0) -> list[int]:  # noqa: ASYNC109
        """Until `count` (all) of these chats got a message; returns those that did not."""
        answer = await self._json("POST", "wait_delivered", {
            "chat_ids": chat_ids, "count": count or len(set(chat_ids)), "timeout": timeout})
        return answer["missing"]

    async def wait_call(self, method: str, via: str, count: int, timeout: float) -> int:  # noqa: ASYNC109
        answer = await self._json("POST", "wait_call", {
            "method": method, "via": via, "count": count, "timeout": timeout})
        return answer["count"]

    async def webhook(self, *, wait: float | None = None) -> dict[str, Any]:
        return await self._json("GET", "webhook" + ("" if wait is None else f"?wait={wait}"))

    async def stop(self) -> None:
        await super().stop()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()  # the pipe its "listening" line came through

    async def records(self) -> dict[str, Any]:
        """The fake's counters with every send: [time answered, outcome, chat, via, time
        counted by flood control] each (see `bot.sandbox.fakeapi.control`)."""
        return await self._json("GET", "stats?chats=1&sends=1&senders=1")


# --- the instances ----------------------------------------------------------------------------


class Instance(BotProcess):
    """One `kopir run` in webhook mode on its own port, named `kopir-<index>`."""

    def __init__(self, index: int, env: dict[str, str], workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(env, workdir, workdir / "bot.log")
        self.index = index
        self.name = f"kopir-{index}"
        self.port = int(env["KOPIR_WEBHOOK_PORT"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Instances:
    """The fake Bot API, the balancer and `count` instances on `database_url` (migrated
    here first, so that the instances' own upgrade at start finds nothing to do)."""

    database_url: str
    workdir: Path
    count: int = 2
    latency: float = 0.0
    limits: bool = True
    rate: int = 30
    paid_rate: int = 1000
    max_connections: int = 40
    env: dict[str, str] = field(default_factory=dict)
    fake: InstancesFake = field(init=False)
    balancer: Balancer = field(init=False)
    bots: list[Instance] = field(init=False, default_factory=list)

    async def start(self) -> None:
        await self.start_servers()
        await self.start_bots()

    async def start_servers(self) -> None:
        """The database migrated, the balancer and the fake Bot API: the stage, before the
        instances come on it (`start_bots`)."""
        from storage.migrate import upgrade

        self.workdir.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(upgrade, self.database_url)
        self.balancer = Balancer(self.count)
        await self.balancer.start()
        self.fake = InstancesFake(balancer=self.balancer, latency=self.latency,
                                  log=self.workdir / "fakeapi.log", limits=self.limits,
                                  rate=self.rate, paid_rate=self.paid_rate)
        await self.fake.start()

    async def start_bots(self) -> None:
        self.bots = [Instance(i, self._env(i, free_port()), self.workdir / f"kopir-{i}")
                     for i in range(self.count)]
        for bot in self.bots:
            bot.start()
        await asyncio.gather(*(self._serving(bot) for bot in self.bots))

    def _env(self, index: int, port: int) -> dict[str, str]:
        via = f"{self.fake.url}/via/kopir-{index}"
        return {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": f"{via}/bot",
            "TELEGRAM_API_BASE_FILE_URL": f"{via}/file/bot",
            "KOPIR_DATABASE_URL": self.database_url,
            "KOPIR_SEND_RATE": str(self.rate),
            "KOPIR_ADMIN_IDS": str(ORGANIZER_ID),
            "KOPIR_WEBHOOK_URL": WEBHOOK_URL,
            "KOPIR_WEBHOOK_SECRET": SECRET,
            "KOPIR_WEBHOOK_HOST": "127.0.0.1",
            "KOPIR_WEBHOOK_PORT": str(port),
            "KOPIR_WEBHOOK_MAX_CONNECTIONS": str(self.max_connections),
            **self.env,
        }

    async def _serving(self, bot: Instance) -> None:
        """Until the instance serves its port and has set the webhook (its setWebhook is
        the last step of its start-up before it takes updates); then it gets posts."""
        called = asyncio.ensure_future(
            self.fake.wait_call("setWebhook", bot.name, bot.starts, STARTUP_TIMEOUT))
        exited = asyncio.ensure_future(asyncio.to_thread(bot.process.wait))
        try:
            done, _ = await asyncio.wait({called, exited}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            called.cancel()
        if exited in done:
            raise RuntimeError(f"{bot.name} exited during start-up; see {bot.log}")
        exited.cancel()  # the thread stays in wait() until the process ends: harmless
        if called.result() < bot.starts:
            raise RuntimeError(f"{bot.name} did not start within {STARTUP_TIMEOUT:.0f} s; "
                               f"see {bot.log}")
        self.balancer.targets[bot.index] = bot.url

    async def wait_answering(self, data: str) -> None:
        """Until the instances answer presses of `data`: a probe reader (never one of the
        readers) presses until as many presses in a row as there are instances are
        answered (with the round-robin balancer, one by each)."""
        await self.fake.users([PROBE_ID], [])
        deadline = time.monotonic() + STARTUP_TIMEOUT
        in_a_row = 0
        while in_a_row < self.count:
            if not all(self.alive()):
                raise RuntimeError(f"an instance exited during start-up; see {self.workdir}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the instances did not answer within {STARTUP_TIMEOUT:.0f} s; "
                                   f"see {self.workdir}")
            answered = (await self.fake.press_reply(PROBE_ID, data, 2.0)).answered
            in_a_row = in_a_row + 1 if answered else 0

    def kill(self, index: int) -> None:
        """SIGKILL one instance: no shutdown code runs. The balancer keeps its address
        (the proxy does not know yet) and skips it when it does not answer."""
        self.bots[index].kill()

    async def restart(self, index: int) -> None:
        bot = self.bots[index]
        if bot.alive():
            await bot.stop()
        bot.start()
        await self._serving(bot)

    def alive(self) -> list[bool]:
        return [bot.alive() for bot in self.bots]

    async def stop(self) -> None:
        await asyncio.gather(*(bot.stop() for bot in self.bots), return_exceptions=True)
        if hasattr(self, "fake"):
            with contextlib.suppress(Exception):
                await self.fake.stop()
        if hasattr(self, "balancer"):
            await self.balancer.stop()

    def logs(self, tail: int = 3000) -> str:
        """The ends of the instances' logs, for a failure's message."""
        parts = []
        for bot in self.bots:
            text = bot.log.read_text(errors="replace") if bot.log.exists() else ""
            parts.append(f"--- {bot.name} ---\n{text[-tail:]}")
        return "\n".join(parts)


# --- figures ----------------------------------------------------------------------------------


def max_in_window(times: list[float], seconds: float = 1.0) -> int:
    """The most of `times` within any window of `seconds` (half-open: [t, t + seconds))."""
    ordered = sorted(times)
    most, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - seconds:
            start += 1
        most = max(most, end - start + 1)
    return most


def send_times(records: dict[str, Any], *, chats: set[int] | None = None,
               refused_too: bool = True) -> list[float]:
    """When the fake's flood control counted each send (to `chats`, or any), with those
    it refused with 429 (Telegram counts every request against the limit) unless
    `refused_too` is false."""
    return [taken for _at, outcome, chat, _via, taken in records.get("sends", [])
            if (chats is None or chat in chats) and (refused_too or outcome != "rejected")]


def delivered_per_chat(records: dict[str, Any]) -> dict[int, int]:
    return {int(chat): count for chat, count in records.get("chats", {}).items()}


def duplicates(records: dict[str, Any], recipients: list[int]) -> int:
    """Messages beyond the first in the recipients' chats."""
    per_chat = delivered_per_chat(records)
    return sum(max(0, per_chat.get(chat, 0) - 1) for chat in recipients)
