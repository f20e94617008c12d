"""Shared parts of bench/reply_wave.py and bench/reminders.py.

- `WaveFake`: the fake Bot API child process of bench/_support.py, with flood control
  optional, no cap on the harness's own connections (500 readers wait at once), and
  presses that also wait for the bot's edit of the pressed message;
- `KopirProcess` / `BareBotProcess`: the real bot (`python -m bot.cli run`) and a bare
  python-telegram-bot bot (`python -m bench._wave bare-bot`, see `run_bare_bot`);
- seeding: readers (with profiles), one event, registrations through the real service;
- figures: `Stats` (percentiles of waits) and `Row` (one printed line with its goal).

Run as a module (`python -m bench._wave bare-bot`) it is the bare bot itself.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._support import (  # noqa: E402
    ORGANIZER_ID,
    TOKEN,
    BotProcess,
    FakeApiProcess,
    percentile,
)

FIRST_READER = 3_000_001
# Presses the bot until it answers, before any figure is taken; never one of the readers.
PROBE_ID = 2_999_999
STARTUP_TIMEOUT = 90.0
# The text the bare bot edits the pressed message to: about a card's length.
BARE_CARD = (
    "🎥 Video-bridge\nA model of the future\n\nKaraganda — Kyiv\n"
    "Starts: 12 June 2031, 15:00 (your time)\nDuration: 90 min\nSeats: 120 of 500 free"
)


# --- the fake Bot API -----------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """One press as the fake API timed it (its clock is CLOCK_MONOTONIC, as ours)."""

    pressed_at: float
    answer: float | None  # seconds from the press to the bot's answerCallbackQuery
    edit: float | None  # seconds to the bot's edit of the pressed message

    @property
    def answered(self) -> bool:
        return self.answer is not None

    @property
    def reply(self) -> float:
        """Seconds until the reader has both the answer and the redrawn message (inf when
        either is missing)."""
        if self.answer is None or self.edit is None:
            return math.inf
        return max(self.answer, self.edit)


class WaveFake(FakeApiProcess):
    """`python -m bot.sandbox.fakeapi` as bench/_support.py runs it; flood control only with
    `limits`, and an HTTP client without a connection cap."""

    def __init__(
        self, *, latency: float, log: Path, limits: bool = False, rate: int = 30,
        paid_rate: int = 1000,
    ) -> None:
        super().__init__(latency=latency, rate=rate, paid_rate=paid_rate, log=log)
        if not limits:
            self.args.remove("--limits")

    async def start(self) -> None:
        await super().start()
        # The base session holds 200 connections; a wave of 1000 presses needs one each.
        await self.session.close()
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=30),
        )

    async def press_reply(self, user_id: int, data: str, timeout: float) -> Press:  # noqa: ASYNC109
        """Press and wait for the answer and the edit (each within `timeout` of the press)."""
        return await self._press(user_id, data, timeout, edit=True)

    async def press_answer(self, user_id: int, data: str, timeout: float) -> Press:  # noqa: ASYNC109
        """Press and wait for the answer only (`Press.edit` stays None)."""
        return await self._press(user_id, data, timeout, edit=False)

    async def _press(self, user_id: int, data: str, timeout: float, *, edit: bool) -> Press:  # noqa: ASYNC109
        body = {"user_id": user_id, "data": data, "timeout": timeout, "edit": edit}
        async with self.session.post(f"{self.url}/_fake/press", json=body) as response:
            response.raise_for_status()
            answer = await response.json()
        return Press(answer["pressed_at"], answer["seconds"], answer.get("edit_seconds"))

    async def wait_ready(self, data: str, bot: BotProcess) -> float:
        """Press with the probe reader until the bot answers; seconds it took."""
        await self.users([PROBE_ID], [])
        started = time.monotonic()
        while time.monotonic() - started < STARTUP_TIMEOUT:
            if not bot.alive():
                raise RuntimeError(f"the bot exited during start-up; see {bot.log}")
            if (await self.press_reply(PROBE_ID, data, 2.0)).answered:
                return time.monotonic() - started
        raise RuntimeError(f"the bot did not answer within {STARTUP_TIMEOUT:.0f} s; see {bot.log}")


# --- the bots -------------------------------------------------------------------------------


def kopir_process(fake: FakeApiProcess, database_url: str, workdir: Path, *,
                  rate: int = 30, extra: dict[str, str] | None = None) -> BotProcess:
    """`python -m bot.cli run` on `database_url`, talking to `fake`."""
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_API_BASE_FILE_URL": fake.base_file_url,
        "KOPIR_DATABASE_URL": database_url,
        "KOPIR_SEND_RATE": str(rate),
        "KOPIR_ADMIN_IDS": str(ORGANIZER_ID),
        **(extra or {}),
    }
    return BotProcess(env, workdir, workdir / "bot.log")


class BareBotProcess(BotProcess):
    """The bare bot of `run_bare_bot` in a child process, started and stopped like Kopir."""

    def __init__(self, fake: FakeApiProcess, workdir: Path, *, fast: bool = False) -> None:
        env = {"BARE_BASE_URL": fake.base_url, "BARE_BASE_FILE_URL": fake.base_file_url,
               "BARE_FAST": "1" if fast else ""}
        super().__init__(env, workdir, workdir / "bare.log")

    def start(self) -> None:
        import subprocess

        self.starts += 1
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bench._wave", "bare-bot"], cwd=self.workdir,
                env=self.env, stdout=log, stderr=log,
            )


def run_bare_bot() -> None:
    """A bare python-telegram-bot bot as its documentation shows one: PTB's defaults (httpx,
    256 connections, the standard event loop), `concurrent_updates(256)`, one
    CallbackQueryHandler that answers the query and edits the message; no database.
    With BARE_FAST=1 it talks through Kopir's aiohttp client (`bot.delivery.http`, 32
    connections as Kopir's replies) on uvloop, as `kopir run` does: the same transport, so
    the difference is Kopir's own work."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.error import BadRequest
    from telegram.ext import ApplicationBuilder, CallbackQueryHandler, ContextTypes

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Refresh", callback_data=query.data)]])
        try:
            await query.edit_message_text(BARE_CARD, reply_markup=markup)
        except BadRequest as error:
            # The same card again: Telegram refuses the edit, as it does Kopir's.
            if "not modified" not in error.message.lower():
                raise

    builder = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(os.environ["BARE_BASE_URL"])
        .base_file_url(os.environ["BARE_BASE_FILE_URL"])
        .concurrent_updates(256)
    )
    if os.environ.get("BARE_FAST"):
        import uvloop

        from bot.app import REPLY_CONNECTIONS
        from bot.delivery.http import AiohttpRequest

        builder.request(AiohttpRequest(REPLY_CONNECTIONS)).get_updates_request(AiohttpRequest(1))
        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    application = builder.build()
    application.add_handler(CallbackQueryHandler(pressed))
    application.run_polling()


# --- the database ---------------------------------------------------------------------------


def open_database(database_url: str, *, migrate: bool = False) -> Any:
    from storage.db import make_engine
    from storage.migrate import upgrade
    from storage.uow import Database

    if migrate:
        upgrade(database_url)
    return Database(make_engine(database_url))


def reader_ids(count: int) -> list[int]:
    return list(range(FIRST_READER, FIRST_READER + count))


def seed_event(
    database_url: str, readers: list[int], *, capacity: int | None, starts_at: datetime,
    reminder_offsets: list[int], profiles: bool = True,
) -> int:
    """Migrate; write the readers (Russian, with a complete profile and consent unless
    `profiles` is false) and one upcoming video-bridge; returns the event's id."""
    from storage.models import Event, EventKind, User

    database = open_database(database_url, migrate=True)
    now = datetime.now(UTC)
    profile = {
        "full_name": "Aru Reader", "birth_date": date(2010, 4, 25), "country": "Kazakhstan",
        "city": "Karaganda", "library": "Regional library", "consent_at": now,
    } if profiles else {}
    rows = [
        {"id": user_id, "first_name": f"Reader {user_id}", "language": "ru",
         "created_at": now, **profile}
        for user_id in readers
    ]
    try:
        with database.uow() as uow:
            if rows:
                uow.session.execute(insert(User), rows)
            event = uow.events.add(Event(
                kind=EventKind.VIDEO_BRIDGE,
                titles={"ru": "Модель будущего", "en": "A model of the future"},
                descriptions={"ru": "Видеомост Караганда — Киев", "en": "Karaganda — Kyiv"},
                language="ru", starts_at=starts_at, duration_minutes=90,
                timezone="Asia/Almaty", link="https://zoom.us/j/123456789", capacity=capacity,
                reminder_offsets=reminder_offsets, created_at=now, updated_at=now,
            ))
            uow.flush()
            event_id = event.id
            uow.commit()
    finally:
        database.dispose()
    return event_id


def register_through_service(database_url: str, event_id: int, readers: list[int]) -> None:
    """Register every reader with `bot.services.registration.register`, as the Register
    button does: the reminder rows are the service's own."""
    from bot.services.registration import register

    database = open_database(database_url)
    try:
        for start in range(0, len(readers), 500):
            with database.uow() as uow:
                now = datetime.now(UTC)
                for user_id in readers[start:start + 500]:
                    register(uow, event_id, user_id, now)
                uow.commit()
    finally:
        database.dispose()


def move_event(database_url: str, event_id: int, starts_at: datetime) -> None:
    """Move the event's start as an organizer's edit does (the reminders follow it)."""
    from bot.services.notifications import replan_event_reminders

    database = open_database(database_url)
    try:
        with database.uow() as uow:
            event = uow.events.get(event_id)
            event.starts_at = starts_at
            event.updated_at = datetime.now(UTC)
            replan_event_reminders(uow, event, datetime.now(UTC))
            uow.commit()
    finally:
        database.dispose()


def query(database_url: str, sql: str, **params: Any) -> list[tuple]:
    """Rows of one SELECT, on a short connection of our own."""
    from storage.db import make_engine

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql), params).all()]
    finally:
        engine.dispose()


def registration_counts(database_url: str, event_id: int) -> dict[str, int]:
    rows = query(database_url, "SELECT status, count(*) FROM registrations "
                 "WHERE event_id = :id GROUP BY status", id=event_id)
    return {status: count for status, count in rows}


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    count: int
    p50: float
    p95: float
    max: float

    @classmethod
    def of(cls, values: list[float]) -> Stats | None:
        if not values:
            return None
        return cls(len(values), percentile(values, 0.5), percentile(values, 0.95), max(values))


def ms(seconds: float) -> str:
    return "-" if seconds is None else ("none" if math.isinf(seconds) else f"{seconds * 1000:.0f}")


@dataclass(frozen=True)
class Row:
    """One printed line: columns two or more spaces apart (name, value, goal, verdict, note),
    as bench/broadcast.py prints them."""

    name: str
    value: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def line(self) -> str:
        verdict = "" if self.met is None else ("ok" if self.met else "MISSED")
        goal = f"goal {self.goal}" if self.goal else ""
        cells = [f"{self.name}:".ljust(28), self.value.ljust(12), goal.ljust(26), verdict.ljust(6)]
        return "  ".join([*cells, self.note]).rstrip()


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A compact text table, columns padded to the widest cell."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).rjust(w) if i else str(cell).ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def utc_in(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


def monotonic_of(moment: datetime) -> float:
    """A wall-clock moment as `time.monotonic()` (one clock for every process on Linux)."""
    return time.monotonic() + (moment.timestamp() - time.time())


if __name__ == "__main__":
    if sys.argv[1:] != ["bare-bot"]:
        sys.exit("usage: python -m bench._wave bare-bot")
    run_bare_bot()


def run_main(main_async: Any, args: Any, prefix: str) -> int:
    """Run a bench in a work folder (a temporary one unless --workdir is given, removed
    afterwards unless the run broke off, so its logs can be read); returns its status."""
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix=prefix))
    workdir.mkdir(parents=True, exist_ok=True)
    status = 2
    try:
        status = asyncio.run(main_async(args, workdir))
    except Exception:
        traceback.print_exc()
    finally:
        if args.workdir is None and status != 2:
            shutil.rmtree(workdir, ignore_errors=True)
    return status
