"""Parts of the broadcast benchmark: the two child processes, seeding, reading the outbox.

The fake Bot API (`python -m bot.sandbox.fakeapi`) and the bot (`python -m bot.cli run`, the real
Application from `bot.app.build_application`) each run in a process of their own, so the
bot can be SIGKILLed and restarted while the fake server keeps its records.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456:TEST-TOKEN"
ORGANIZER_ID = 7001
PRESS_TIMEOUT = 5.0
READER_ID = 1_500_001  # the first of the readers who press and send commands
FIRST_RECIPIENT = 2_000_001
LANGUAGES = ("kk", "ru", "uk", "en")
TEXTS = {
    "kk": "<b>Бейнекөпір</b> Қарағанды — Киев: тіркелу ашық!",
    "ru": "<b>Видеомост</b> Караганда — Киев: регистрация открыта!",
    "uk": "<b>Відеоміст</b> Караганда — Київ: реєстрація відкрита!",
    "en": "<b>Video-bridge</b> Karaganda — Kyiv: registration is open!",
}


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PTB_TIMEDELTA"] = "true"
    env.update(extra or {})
    return env


class FakeApiProcess:
    """`python -m bot.sandbox.fakeapi` in a child process, driven over its /_fake/ endpoints."""

    def __init__(self, *, latency: float, rate: int, paid_rate: int, log: Path) -> None:
        self.args = [
            sys.executable, "-m", "bot.sandbox.fakeapi", "--latency", str(latency), "--limits",
            "--rate", str(rate), "--paid-rate", str(paid_rate),
        ]
        self.log = log
        self.process: subprocess.Popen[str] | None = None
        self.url = ""
        self.session: aiohttp.ClientSession | None = None

    def _spawn(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                self.args, cwd=ROOT, env=_child_env(), stdout=subprocess.PIPE, stderr=log,
                text=True,
            )

    async def start(self) -> None:
        self._spawn()
        line = await asyncio.to_thread(self.process.stdout.readline)
        if not line.startswith("listening "):
            raise RuntimeError(f"the fake Bot API did not start; see {self.log}")
        self.url = line.split()[1]
        # Presses wait for answers while stats are polled: more than the default 100 sockets.
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))

    @property
    def base_url(self) -> str:
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    async def users(self, ids: list[int], blocked: list[int], language_code: str = "ru") -> None:
        body = {"ids": ids, "blocked": blocked, "language_code": language_code}
        async with self.session.post(f"{self.url}/_fake/users", json=body) as response:
            response.raise_for_status()

    async def press(self, user_id: int, data: str, timeout: float) -> float | None:  # noqa: ASYNC109
        body = {"user_id": user_id, "data": data, "timeout": timeout}
        async with self.session.post(f"{self.url}/_fake/press", json=body) as response:
            response.raise_for_status()
            return (await response.json())["seconds"]

    async def send(self, user_id: int, text: str, timeout: float) -> dict[str, Any]:  # noqa: ASYNC109
        """The user sends `text`; the answer says when (and what) the bot's reply came."""
        body = {"user_id": user_id, "text": text, "timeout": timeout}
        async with self.session.post(f"{self.url}/_fake/send", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def stats(self, *, chats: bool = False) -> dict[str, Any]:
        url = f"{self.url}/_fake/stats" + ("?chats=1&timeline=1&sends=1" if chats else "")
        async with self.session.get(url) as response:
            response.raise_for_status()
            return await response.json()

    async def stop(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            await asyncio.to_thread(_wait, self.process, 10)


class BotProcess:
    """The bot as an operator runs it (`python -m bot.cli run`), logging to a file."""

    def __init__(self, env: dict[str, str], workdir: Path, log: Path) -> None:
        self.env = _child_env(env)
        self.workdir = workdir
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("a") as log:
            log.write(f"\n===== bench: start #{self.starts} =====\n")
            log.flush()
            # cwd is the scratch directory, so no stray .env of the repository is read.
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"], cwd=self.workdir, env=self.env,
                stdout=log, stderr=log,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut or an OOM kill."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    async def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            await asyncio.to_thread(_wait, self.process, 20)


def _wait(process: subprocess.Popen, seconds: float) -> None:
    try:
        process.wait(seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class Command:
    """One command a reader sent: when, how long until the bot's reply was delivered (None:
    no reply in time), and the reply's text."""

    at: float
    seconds: float | None
    text: str | None


class Readers:
    """Readers outside the audience, each doing one thing at a time, the next `interval`
    after the bot's answer: pressing the event card's button (answered by
    answerCallbackQuery and an edit, which Telegram's 30/s does not count) and, every
    `command_every` seconds (each reader at its own phase; 0: never), sending `command`
    instead, whose reply is a new message (sendMessage: it takes a slot of the 30/s, as an
    announcement does). Presses are timed by the fake API from the update it queues until
    it has taken the bot's answerCallbackQuery; commands until it has delivered the reply."""

    def __init__(
        self,
        fake: FakeApiProcess,
        ids: list[int],
        data: str,
        interval: float,
        *,
        command: str = "/events",
        command_every: float = 0.0,
    ) -> None:
        self.fake = fake
        self.ids = ids
        self.data = data
        self.interval = interval
        self.command = command
        self.command_every = command_every
        # (monotonic time of the press, seconds to the answer or None)
        self.results: list[tuple[float, float | None]] = []
        self.commands: list[Command] = []
        self.answered = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        started = time.monotonic()
        for index, user_id in enumerate(self.ids):
            # Phases spread evenly over the period: commands come steadily, not in waves.
            first = started + self.command_every * (index + 1) / len(self.ids)
            self._tasks.append(asyncio.create_task(self._act_forever(user_id, first)))

    async def _act_forever(self, user_id: int, next_command: float) -> None:
        while True:
            now = time.monotonic()
            if self.command_every and now >= next_command and self.answered.is_set():
                next_command += self.command_every
                reply = await self.fake.send(user_id, self.command, PRESS_TIMEOUT)
                self.commands.append(Command(now, reply["seconds"], reply["text"]))
            else:
                seconds = await self.fake.press(user_id, self.data, PRESS_TIMEOUT)
                self.results.append((now, seconds))
                if seconds is not None:
                    self.answered.set()
            await asyncio.sleep(self.interval)

    async def stop(self) -> list[tuple[float, float | None]]:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        return self.results


def went_wrong_texts() -> set[str]:
    """The bot's "something went wrong" in every language (handlers.fallback.on_error)."""
    from bot.core.i18n import LANGUAGES, Catalogs

    catalogs = Catalogs.load()
    message = "Sorry, something went wrong on our side. Please try again in a minute."
    return {catalogs.translator(language).gettext(message) for language in LANGUAGES}


def in_flight_bound(rate: int, paid: bool) -> tuple[int, str]:
    """The most duplicates a crash may cause, as the engine declares it."""
    from bot.core.settings import Settings
    from bot.delivery import engine as delivery

    settings = Settings(send_rate=rate, paid_broadcasts=paid)
    return delivery.in_flight_bound(settings), "declared by bot.delivery.engine.in_flight_bound"


# --- the database ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    event_id: int
    recipients: list[int]
    blocked: list[int]


def seed(
    database_url: str, recipients: int, *, blocked_share: float, readers: int = 1
) -> Seeded:
    """Migrate, then write `recipients` readers, an event for the broadcast's button, and
    `readers` readers who press it and send commands (ids from READER_ID; no language:
    outside every audience). The broadcast comes later (`create_broadcast`), while the bot
    runs, as an organizer would start it."""
    from storage.models import Event, EventKind, User

    database = _database(database_url, migrate=True)
    now = datetime.now(UTC)
    ids = list(range(FIRST_RECIPIENT, FIRST_RECIPIENT + recipients))
    every = max(1, round(1 / blocked_share)) if blocked_share > 0 else 0
    blocked = ids[every // 2 :: every] if every else []
    users = [
        {"id": user_id, "first_name": f"Reader {user_id}", "created_at": now,
         "language": LANGUAGES[index % len(LANGUAGES)]}
        for index, user_id in enumerate(ids)
    ]
    users += [
        {"id": reader, "first_name": "Aru", "created_at": now, "language": None}
        for reader in range(READER_ID, READER_ID + readers)
    ]
    with database.uow() as uow:
        uow.session.execute(insert(User), users)
        event = uow.events.add(Event(
            kind=EventKind.VIDEO_BRIDGE,
            titles={"ru": "Модель будущего", "en": "A model of the future"},
            descriptions={"ru": "Видеомост Караганда — Киев", "en": "Karaganda — Kyiv"},
            language="ru", starts_at=now + timedelta(days=7), duration_minutes=90,
            timezone="Asia/Almaty", link="https://zoom.us/j/123456789", capacity=None,
            reminder_offsets=[], created_at=now, updated_at=now,
        ))
        uow.flush()
        event_id = event.id
        uow.commit()
    database.dispose()
    return Seeded(event_id, ids, blocked)


def create_broadcast(database_url: str, seeded: Seeded, *, paid: bool) -> tuple[int, str]:
    """One broadcast to everyone, started now: (its id, who wrote the outbox rows: "service"
    for bot.services.broadcasts.create, "rows" when that is missing and they are written
    here the way the service does)."""
    database = _database(database_url)
    now = datetime.now(UTC)
    try:
        try:
            return _create_with_service(database, seeded.event_id, paid, now), "service"
        except ImportError:
            return _create_rows(database, seeded.recipients, seeded.event_id, paid, now), "rows"
    finally:
        database.dispose()


def _database(database_url: str, *, migrate: bool = False) -> Any:
    from storage.db import make_engine
    from storage.migrate import upgrade
    from storage.uow import Database

    if migrate:
        upgrade(database_url)
    return Database(make_engine(database_url))


def _create_with_service(database: Any, event_id: int, paid: bool, now: datetime) -> int:
    from bot.services.broadcasts import Audience, AudienceKind, BroadcastDraft, create

    draft = BroadcastDraft(
        texts=dict(TEXTS), default_language="ru", audience=Audience(AudienceKind.EVERYONE),
        button={"kind": "event", "id": event_id}, paid=paid,
    )
    with database.uow() as uow:
        broadcast = create(uow, draft, ORGANIZER_ID, now)
        uow.commit()
        return broadcast.id


def _create_rows(database: Any, ids: list[int], event_id: int, paid: bool, now: datetime) -> int:
    """What the broadcasts service writes, for an engine tried before the service exists."""
    from storage.broadcast_models import Broadcast, BroadcastStatus
    from storage.models import Notification, NotificationKind, NotificationStatus

    with database.uow() as uow:
        broadcast = Broadcast(
            created_by=ORGANIZER_ID, status=BroadcastStatus.RUNNING,
            audience={"kind": "everyone"}, texts=dict(TEXTS), default_language="ru",
            button={"kind": "event", "id": event_id}, paid=paid, scheduled_at=now,
            started_at=now, total=len(ids), created_at=now, updated_at=now,
        )
        uow.session.add(broadcast)
        uow.flush()
        rows = [
            {"dedupe_key": f"broadcast:{broadcast.id}:{user_id}",
             "kind": NotificationKind.BROADCAST.value, "user_id": user_id,
             "broadcast_id": broadcast.id, "priority": 10, "payload": {}, "due_at": now,
             "next_attempt_at": now, "status": NotificationStatus.PENDING.value,
             "attempts": 0, "created_at": now}
            for user_id in ids
        ]
        uow.session.execute(insert(Notification), rows)
        uow.commit()
        return broadcast.id


def outbox_counts(database_url: str, broadcast_id: int) -> dict[str, int]:
    """Rows of the broadcast by status, read with a short connection of our own."""
    from storage.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT status, count(*) FROM notifications WHERE broadcast_id = :id "
                     "GROUP BY status"),
                {"id": broadcast_id},
            ).all()
    finally:
        engine.dispose()
    return {status: count for status, count in rows}


# --- figures --------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with `share` of the values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def dump_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))


async def load_fake(fake: FakeApiProcess, rate: int, seconds: float) -> dict[str, float]:
    """Offer `rate` sendMessage requests a second for `seconds` to distinct chats, each on
    its own schedule (not waiting for the previous answer), as a bot's workers would."""
    count = int(rate * seconds)
    ids = list(range(FIRST_RECIPIENT, FIRST_RECIPIENT + count))
    await fake.users(ids, [])
    url = f"{fake.base_url}{TOKEN}/sendMessage"
    timings: list[float] = []
    errors = 0

    async def send(chat_id: int) -> None:
        nonlocal errors
        started = time.perf_counter()
        body = {"chat_id": chat_id, "text": TEXTS["ru"], "parse_mode": "HTML"}
        async with fake.session.post(url, json=body) as response:
            await response.read()
            errors += response.status != 200
        timings.append(time.perf_counter() - started)

    cpu_before = _cpu_seconds(fake.process.pid)
    tasks = []
    started = time.perf_counter()
    for index, chat_id in enumerate(ids):
        delay = started + index / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(chat_id)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds(fake.process.pid) - cpu_before
    return {
        "completed_per_s": count / elapsed,
        "p50_ms": percentile(timings, 0.5) * 1000,
        "p95_ms": percentile(timings, 0.95) * 1000,
        "errors": errors,
        "server_cpu_s": cpu,
    }


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
