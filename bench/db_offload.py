"""Database work off the event loop (issue 8, item 2): worker threads or the async engine?

    .venv/bin/python bench/db_offload.py                       # SQLite, reads, 10 s a variant
    .venv/bin/python bench/db_offload.py --writes              # + register/cancel each press
    .venv/bin/python bench/db_offload.py --postgres            # postgresql://postgres@127.0.0.1/test
    .venv/bin/python bench/db_offload.py --postgres URL --writes

One database is seeded (an event with two partner libraries, --readers readers with profiles;
SQLite in a temporary directory, or PostgreSQL with its `public` schema dropped and migrated
again, as tests/conftest.py does). Then, for each variant, the same workload: --concurrency
asyncio tasks ("readers") for --seconds each press an event card again and again, that is in
the database: look the reader up (`bot.services.users.meet`), read the card
(`bot.services.catalog.event_card`) and, with --writes, register or cancel (alternately per
reader: `register_reader` / `cancel_reader`). An "operation" is one such press.

Variants, one after the other in the same process:
  sync        the services called straight on the event loop (the old way: the baseline);
  threads-k   the same services through `loop.run_in_executor(ThreadPoolExecutor(k))`, as
              `bot.core.context.AppContext.call` / `read` do (one call per unit of work), with the
              engine's pool sized k as `bot.app` does; k from --threads (4, 8, 16);
  async       SQLAlchemy's async engine (sqlite+aiosqlite / postgresql+asyncpg) and an
              AsyncSession running the same statements as the services and repositories
              (ported below; checked against the sync services before the run). On SQLite an
              asyncio.Lock plays the part of `storage.uow.Database`'s per-process lock and the
              same connect/BEGIN IMMEDIATE hooks as `storage.db` are installed. Skipped, with a
              line saying so, when aiosqlite/asyncpg or greenlet are not installed (they are
              not dependencies of the project).

Figures per variant: operations/s, p50/p95 latency of an operation (from the moment the
reader is ready to press, its previous press answered, to the answer: waiting for a blocked
loop counts, as a reader waits for it), the event loop's lag (a ticker sleeps 10 ms
again and again and records how late it wakes: p95, max) and CPU time of the whole process
(all its threads; `time.process_time`) per operation. A PostgreSQL server's own CPU is not
counted. Each variant starts from the same state (registrations and
outbox emptied) and runs --warmup seconds before it is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import importlib.util
import math
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy  # noqa: E402
from sqlalchemy import delete, event, func, insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from bot.services.catalog import (  # noqa: E402
    CityTime,
    EventCard,
    PartnerView,
    event_card,
    event_title,
    localized,
    zone_of,
)
from bot.services.registration import (  # noqa: E402
    EventUnavailable,
    NotRegistered,
    ProfileRequired,
    cancel_reader,
    register_reader,
)
from bot.services.users import SeenUser, meet  # noqa: E402
from storage.db import BUSY_SECONDS, _begin_immediate, _tune_sqlite, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import (  # noqa: E402
    Event,
    EventKind,
    Notification,
    NotificationKind,
    NotificationStatus,
    Partner,
    Registration,
    RegistrationStatus,
    User,
)
from storage.uow import Database, DatabaseBusy, UnitOfWork  # noqa: E402

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
FIRST_READER = 1_500_001
TICK = 0.010  # the loop-lag ticker's sleep
ZONE = ZoneInfo("Asia/Almaty")


# --------------------------------------------------------------------------- arguments


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", nargs="?", const=POSTGRES_URL, default=None, metavar="URL",
                        help=f"PostgreSQL instead of SQLite (default URL {POSTGRES_URL}); "
                             "its public schema is DROPPED and migrated again")
    parser.add_argument("--readers", type=int, default=1000, help="readers seeded (1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="concurrent readers (50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="measured per variant (10)")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured per variant (1)")
    parser.add_argument("--writes", action="store_true",
                        help="each press also registers or cancels (alternately per reader)")
    parser.add_argument("--capacity", type=int, default=100,
                        help="seats of the event (100): the rest wait, cancels promote")
    parser.add_argument("--threads", type=_ints, default=(4, 8, 16),
                        help="worker-thread pool sizes, comma-separated (4,8,16)")
    parser.add_argument("--async-pool", type=int, default=8,
                        help="the async engine's pool_size (8, as KOPIR_DATABASE_THREADS)")
    parser.add_argument("--variants", type=_names, default=("sync", "threads", "async"),
                        help="which of sync,threads,async to run (all)")
    args = parser.parse_args(argv)
    if args.readers < args.concurrency or args.concurrency < 1:
        parser.error("--readers must be at least --concurrency, which must be at least 1")
    return args


def _ints(value: str) -> tuple[int, ...]:
    numbers = tuple(int(part) for part in value.split(",") if part.strip())
    if not numbers or min(numbers) < 1:
        raise argparse.ArgumentTypeError("positive integers, comma-separated")
    return numbers


def _names(value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = set(names) - {"sync", "threads", "async"}
    if not names or unknown:
        raise argparse.ArgumentTypeError(f"unknown variants {sorted(unknown)}")
    return names


# --------------------------------------------------------------------------- figures


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q <= 100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Result:
    name: str
    ops: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    lags: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.ops / self.elapsed if self.elapsed else 0.0

    @property
    def lag_p95(self) -> float:
        return percentile(self.lags, 95)

    @property
    def lag_max(self) -> float:
        return max(self.lags, default=math.nan)

    def row(self) -> list[str]:
        cpu_per_op = self.cpu / self.ops if self.ops else math.nan
        errors = ", ".join(f"{name} {count}" for name, count in self.errors.most_common()) or "0"
        return [
            self.name, f"{self.rate:.0f}", _ms(percentile(self.latencies, 50)),
            _ms(percentile(self.latencies, 95)), _ms(self.lag_p95), _ms(self.lag_max),
            _ms(cpu_per_op, 2), errors,
        ]


HEADER = ["variant", "ops/s", "p50 ms", "p95 ms", "lag p95 ms", "lag max ms", "CPU ms/op",
          "errors"]


def _ms(seconds: float, digits: int = 1) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.{digits}f}"


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def summary(results: Sequence[Result]) -> list[str]:
    """Which variant wins on loop lag and on throughput, and threads against async."""
    measured = [result for result in results if result.ops]
    if not measured:
        return ["no variant completed an operation"]
    by_lag = min(measured, key=lambda r: (r.lag_p95, r.lag_max))
    by_rate = max(measured, key=lambda r: r.rate)
    lines = [
        f"loop lag: {by_lag.name} wins (p95 {_ms(by_lag.lag_p95)} ms, max "
        f"{_ms(by_lag.lag_max)} ms)",
        f"throughput: {by_rate.name} wins ({by_rate.rate:.0f} ops/s)",
    ]
    sync = next((r for r in measured if r.name == "sync"), None)
    threads = [r for r in measured if r.name.startswith("threads")]
    best_threads = max(threads, key=lambda r: r.rate) if threads else None
    async_ = next((r for r in measured if r.name == "async"), None)
    if sync is not None and best_threads is not None:
        lines.append(
            f"{best_threads.name} against sync: {best_threads.rate / sync.rate:.2f}x the "
            f"ops/s, loop lag p95 {_ms(best_threads.lag_p95)} ms instead of "
            f"{_ms(sync.lag_p95)} ms"
        )
    if async_ is not None and best_threads is not None:
        lines.append(
            f"async against {best_threads.name}: {async_.rate / best_threads.rate:.2f}x the "
            f"ops/s, CPU/op {_ms(async_.cpu / async_.ops, 2)} ms against "
            f"{_ms(best_threads.cpu / best_threads.ops, 2)} ms, loop lag p95 "
            f"{_ms(async_.lag_p95)} ms against {_ms(best_threads.lag_p95)} ms"
        )
    return lines


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- seeding


@dataclass(frozen=True)
class Workload:
    url: str
    event_id: int
    readers: list[int]
    concurrency: int
    writes: bool
    now: datetime


def prepare_postgres(url: str) -> None:
    """A clean, migrated schema, as tests/conftest.py `_reset_postgres` makes it."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)


def seed(url: str, readers: int, capacity: int, now: datetime) -> tuple[int, list[int]]:
    """An event readers can register for and `readers` readers with profiles."""
    event_id = add_event(url, capacity, now)
    database = Database(make_engine(url))
    try:
        with database.uow() as uow:
            ids = [FIRST_READER + index for index in range(readers)]
            uow.session.execute(insert(User.__table__), [
                {
                    "id": user_id, "first_name": f"Reader {user_id}",
                    "language": ("ru", "en", "kk", "uk")[user_id % 4],
                    "timezone": "Asia/Almaty", "full_name": "Aru Sadykova",
                    "birth_date": date(2009, 3, 14), "country": "Kazakhstan",
                    "city": "Karaganda", "library": "Youth library", "consent_at": now,
                    "created_at": now,
                }
                for user_id in ids
            ])
            uow.commit()
            return event_id, ids
    finally:
        database.dispose()


def add_event(url: str, capacity: int, now: datetime) -> int:
    """An event as tests/factories.py `make_event` makes it, with two partner libraries."""
    database = Database(make_engine(url))
    try:
        with database.uow() as uow:
            event_row = uow.events.add(Event(
                kind=EventKind.VIDEO_BRIDGE,
                titles={"ru": "Модель будущего", "en": "A model of the future"},
                descriptions={"ru": "Видеомост Караганда — Киев",
                              "en": "Karaganda — Kyiv video-bridge"},
                language="ru", starts_at=now + timedelta(days=3), duration_minutes=90,
                timezone="Asia/Almaty", link="https://zoom.us/j/123456789", capacity=capacity,
                reminder_offsets=[24 * 60, 60, 0], created_at=now, updated_at=now,
            ))
            uow.flush()
            uow.events.replace_partners(event_row.id, [
                Partner(name="State Library of Ukraine for Youth", city="Kyiv",
                        timezone="Europe/Kyiv"),
                Partner(name="Karaganda Regional Library", city="Karaganda",
                        timezone="Asia/Almaty"),
            ])
            uow.commit()
            return event_row.id
    finally:
        database.dispose()


def reset_state(url: str) -> None:
    """No registrations, an empty outbox: every variant starts from here."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(delete(Notification))
            connection.execute(delete(Registration))
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- variants


class Backend:
    """One way of running the units of work of a press; `name` labels its row."""

    name = ""

    def __init__(self, workload: Workload) -> None:
        self.workload = workload

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def meet(self, seen: SeenUser) -> User:
        raise NotImplementedError

    async def card(self, user: User) -> EventCard:
        raise NotImplementedError

    async def register(self, user_id: int) -> Any:
        raise NotImplementedError

    async def cancel(self, user_id: int) -> Any:
        raise NotImplementedError


def _read(database: Database, query: Callable[..., Any], *args: Any) -> Any:
    """`bot.core.context._read`: a read-only unit of work."""
    with database.uow() as uow:
        return query(uow, *args)


def _zone(user: User) -> tzinfo:
    return zone_of(user.timezone, ZONE)


class SyncBackend(Backend):
    """The services called straight on the event loop: each blocks it while it runs."""

    name = "sync"

    def __init__(self, workload: Workload) -> None:
        super().__init__(workload)
        self.database = Database(make_engine(workload.url))

    async def close(self) -> None:
        self.database.dispose()

    async def meet(self, seen: SeenUser) -> User:
        return meet(self.database, seen, self.workload.now)

    async def card(self, user: User) -> EventCard:
        w = self.workload
        return _read(self.database, event_card, w.event_id, user.id, user.language,
                     _zone(user), w.now)

    async def register(self, user_id: int) -> Any:
        w = self.workload
        return register_reader(self.database, w.event_id, user_id, w.now, waitlist=True)

    async def cancel(self, user_id: int) -> Any:
        w = self.workload
        return cancel_reader(self.database, w.event_id, user_id, w.now)


class ThreadBackend(Backend):
    """`AppContext.call` / `read`: each unit of work in a bounded pool of k threads."""

    def __init__(self, workload: Workload, threads: int) -> None:
        super().__init__(workload)
        self.name = f"threads-{threads}"
        # As bot.app builds it: the engine's pool sized to the threads.
        self.database = Database(make_engine(workload.url, pool_size=threads))
        self.executor = ThreadPoolExecutor(threads, thread_name_prefix="bench-db")

    async def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.database.dispose()

    def _call(self, work: Callable[..., Any], *args: Any, **kwargs: Any) -> Awaitable[Any]:
        loop = asyncio.get_running_loop()
        return loop.run_in_executor(self.executor, partial(work, self.database, *args, **kwargs))

    async def meet(self, seen: SeenUser) -> User:
        return await self._call(meet, seen, self.workload.now)

    async def card(self, user: User) -> EventCard:
        w = self.workload
        return await self._call(_read, event_card, w.event_id, user.id, user.language,
                                _zone(user), w.now)

    async def register(self, user_id: int) -> Any:
        w = self.workload
        return await self._call(register_reader, w.event_id, user_id, w.now, waitlist=True)

    async def cancel(self, user_id: int) -> Any:
        w = self.workload
        return await self._call(cancel_reader, w.event_id, user_id, w.now)


def async_drivers_missing(url: str) -> list[str]:
    """The modules variant (c) needs that are not installed."""
    driver = "aiosqlite" if make_url(url).get_backend_name() == "sqlite" else "asyncpg"
    return [name for name in ("greenlet", driver) if importlib.util.find_spec(name) is None]


def async_url(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


class AsyncBackend(Backend):
    """SQLAlchemy's async engine; the statements of the sync services, one by one."""

    name = "async"

    def __init__(self, workload: Workload, pool_size: int = 8) -> None:
        super().__init__(workload)
        from sqlalchemy.ext.asyncio import create_async_engine

        self.sqlite = make_url(workload.url).get_backend_name() == "sqlite"
        if self.sqlite:
            self.engine = create_async_engine(
                async_url(workload.url), hide_parameters=True, pool_size=pool_size,
                max_overflow=pool_size, connect_args={"timeout": BUSY_SECONDS},
            )
            # storage.db's own hooks: WAL, busy timeout, foreign keys, BEGIN IMMEDIATE.
            event.listen(self.engine.sync_engine, "connect", _tune_sqlite(BUSY_SECONDS))
            event.listen(self.engine.sync_engine, "begin", _begin_immediate)
            # storage.uow.Database: one unit of work at a time per process on SQLite.
            self.lock: asyncio.Lock | None = asyncio.Lock()
        else:
            self.engine = create_async_engine(
                async_url(workload.url), hide_parameters=True, pool_pre_ping=True,
                pool_size=pool_size, max_overflow=pool_size,
                connect_args={
                    "timeout": max(1, round(BUSY_SECONDS)),
                    "server_settings": {"lock_timeout": str(int(BUSY_SECONDS * 1000))},
                },
            )
            self.lock = None

    async def close(self) -> None:
        await self.engine.dispose()

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[Any]:
        from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
        from sqlmodel.ext.asyncio.session import AsyncSession

        if self.lock is not None:
            try:
                await asyncio.wait_for(self.lock.acquire(), BUSY_SECONDS)
            except TimeoutError:
                raise DatabaseBusy("another unit of work holds the database") from None
        try:
            async with AsyncSession(self.engine, expire_on_commit=False) as session:
                yield session
        except (OperationalError, InterfaceError) as error:
            raise DatabaseBusy(type(error.orig).__name__) from None
        except DBAPIError as error:
            if error.connection_invalidated:
                raise DatabaseBusy(type(error.orig).__name__) from None
            raise
        finally:
            if self.lock is not None:
                self.lock.release()

    # -- bot.services.users.meet

    async def meet(self, seen: SeenUser) -> User:
        async with self.uow() as session:
            user = await session.get(User, seen.id)
            if user is not None and user.blocked_at is None:
                return user
            if user is not None:
                user.blocked_at = None
            else:
                user = User(id=seen.id, first_name=seen.first_name[:255],
                            created_at=self.workload.now)
                session.add(user)
            await session.commit()
        return user

    # -- repositories

    @staticmethod
    async def _registration(session: Any, event_id: int, user_id: int) -> Registration | None:
        query = select(Registration).where(
            Registration.event_id == event_id, Registration.user_id == user_id
        )
        return (await session.exec(query)).first()

    @staticmethod
    async def _count(session: Any, event_id: int, status: RegistrationStatus) -> int:
        query = select(func.count()).where(
            Registration.event_id == event_id, Registration.status == status
        )
        return (await session.exec(query)).one()

    @staticmethod
    async def _for_event(session: Any, event_id: int, status: RegistrationStatus) -> list:
        query = (
            select(Registration)
            .where(Registration.event_id == event_id, Registration.status == status)
            .order_by(col(Registration.queued_at), col(Registration.id))
        )
        return list((await session.exec(query)).all())

    @staticmethod
    async def _notification(session: Any, key: str) -> Notification | None:
        query = select(Notification).where(Notification.dedupe_key == key)
        return (await session.exec(query)).first()

    # -- bot.services.registration's reads

    async def _available(self, session: Any, event_id: int) -> Event:
        row = await session.get(Event, event_id)
        if row is None or row.cancelled_at is not None or row.starts_at <= self.workload.now:
            raise EventUnavailable(event_id)
        return row

    async def _seats_left(self, session: Any, row: Event) -> int | None:
        if row.capacity is None:
            return None
        taken = await self._count(session, row.id, RegistrationStatus.REGISTERED)
        return max(0, row.capacity - taken)

    async def _waitlist_position(self, session: Any, event_id: int, user_id: int) -> int | None:
        waitlist = await self._for_event(session, event_id, RegistrationStatus.WAITLISTED)
        for position, registration in enumerate(waitlist, start=1):
            if registration.user_id == user_id:
                return position
        return None

    async def _status_of(self, session: Any, event_id: int, user_id: int) -> Any:
        registration = await self._registration(session, event_id, user_id)
        if registration is None or registration.status == RegistrationStatus.CANCELLED:
            return None
        return RegistrationStatus(registration.status)

    # -- bot.services.catalog.event_card

    async def card(self, user: User) -> EventCard:
        w = self.workload
        language, zone = user.language, _zone(user)
        async with self.uow() as session:
            row = await self._available(session, w.event_id)
            query = (select(Partner).where(Partner.event_id == row.id)
                     .order_by(col(Partner.position)))
            partners = list((await session.exec(query)).all())
            city_times: list[CityTime] = []
            for partner in partners:
                if any(shown.city == partner.city for shown in city_times):
                    continue
                partner_zone = zone_of(partner.timezone, zone)
                city_times.append(CityTime(partner.city, row.starts_at.astimezone(partner_zone)))
            status = await self._status_of(session, row.id, user.id)
            position = (
                await self._waitlist_position(session, row.id, user.id)
                if status == RegistrationStatus.WAITLISTED
                else None
            )
            return EventCard(
                id=row.id,
                kind=EventKind(row.kind),
                title=event_title(row, language),
                description=localized(row.descriptions, language, row.language),
                starts_at=row.starts_at.astimezone(zone),
                duration_minutes=row.duration_minutes,
                city_times=city_times,
                partners=[PartnerView(partner.name, partner.city) for partner in partners],
                capacity=row.capacity,
                seats_left=await self._seats_left(session, row),
                status=status,
                waitlist_position=position,
            )

    # -- bot.services.notifications

    async def _plan_reminders(self, session: Any, row: Event, user_id: int) -> None:
        now = self.workload.now
        for offset in row.reminder_offsets:
            due_at = row.starts_at - timedelta(minutes=offset)
            key = f"reminder:{row.id}:{user_id}:{offset}"
            existing = await self._notification(session, key)
            if existing is not None:
                if existing.status == NotificationStatus.PENDING:
                    existing.due_at = existing.next_attempt_at = due_at
                continue
            if due_at < now:
                continue
            session.add(Notification(
                dedupe_key=key, kind=NotificationKind.REMINDER, user_id=user_id,
                event_id=row.id, offset_minutes=offset, due_at=due_at, next_attempt_at=due_at,
                created_at=now,
            ))

    async def _enqueue_promoted(self, session: Any, row: Event, user_id: int,
                                occasion: str) -> None:
        now = self.workload.now
        key = f"{NotificationKind.PROMOTED}:{row.id}:{user_id}:{occasion}"
        if await self._notification(session, key) is not None:
            return
        session.add(Notification(
            dedupe_key=key, kind=NotificationKind.PROMOTED, user_id=user_id, event_id=row.id,
            payload={}, due_at=now, next_attempt_at=now, created_at=now,
        ))

    # -- bot.services.registration.register_reader

    async def register(self, user_id: int) -> Any:
        w = self.workload
        async with self.uow() as session:
            await session.get(Event, w.event_id, with_for_update=True)
            row = await self._available(session, w.event_id)
            user = await session.get(User, user_id)
            if user is None or not user.has_profile:
                raise ProfileRequired(user_id)
            existing = await self._registration(session, w.event_id, user_id)
            if existing is not None and existing.status == RegistrationStatus.REGISTERED:
                return "already_registered"
            if existing is not None and existing.status == RegistrationStatus.WAITLISTED:
                await self._waitlist_position(session, w.event_id, user_id)
                return "already_waitlisted"
            free = await self._seats_left(session, row)
            has_seat = free is None or free > 0
            status = RegistrationStatus.REGISTERED if has_seat else RegistrationStatus.WAITLISTED
            if existing is None:
                session.add(Registration(
                    event_id=w.event_id, user_id=user_id, status=status, queued_at=w.now,
                    created_at=w.now, updated_at=w.now,
                ))
            else:
                existing.status = status
                existing.queued_at = w.now
                existing.updated_at = w.now
            await session.flush()
            if has_seat:
                await self._plan_reminders(session, row, user_id)
                outcome = "registered"
            else:
                await self._waitlist_position(session, w.event_id, user_id)
                outcome = "waitlisted"
            await session.commit()
        return outcome

    # -- bot.services.registration.cancel_reader

    async def cancel(self, user_id: int) -> Any:
        w = self.workload
        async with self.uow() as session:
            await session.get(Event, w.event_id, with_for_update=True)
            previous = await self._status_of(session, w.event_id, user_id)
            row = await self._available(session, w.event_id)
            registration = await self._registration(session, w.event_id, user_id)
            if registration is None or registration.status == RegistrationStatus.CANCELLED:
                raise NotRegistered(w.event_id)
            held_seat = registration.status == RegistrationStatus.REGISTERED
            registration.status = RegistrationStatus.CANCELLED
            registration.updated_at = w.now
            await session.exec(delete(Notification).where(
                col(Notification.event_id) == w.event_id,
                col(Notification.kind) == "reminder",
                col(Notification.status) == NotificationStatus.PENDING,
                col(Notification.user_id) == user_id,
            ))
            await session.flush()
            promoted = await self._fill_free_seats(session, row) if held_seat else []
            await self._available(session, w.event_id)
            await session.commit()
        return previous, promoted

    async def _fill_free_seats(self, session: Any, row: Event) -> list[int]:
        if row.cancelled_at is not None or row.starts_at <= self.workload.now:
            return []
        promoted: list[int] = []
        while True:
            free = await self._seats_left(session, row)
            if free is not None and free <= 0:
                break
            waitlist = await self._for_event(session, row.id, RegistrationStatus.WAITLISTED)
            first = waitlist[0] if waitlist else None
            if first is None:
                break
            first.status = RegistrationStatus.REGISTERED
            first.updated_at = self.workload.now
            await session.flush()
            await self._plan_reminders(session, row, first.user_id)
            await self._enqueue_promoted(session, row, first.user_id, first.queued_at.isoformat())
            promoted.append(first.user_id)
        return promoted


# --------------------------------------------------------------------------- the run


def sync_card(workload: Workload, user_id: int) -> EventCard:
    database = Database(make_engine(workload.url))
    try:
        with database.uow() as uow:
            user = uow.users.get(user_id)
            return event_card(uow, workload.event_id, user_id, user.language, _zone(user),
                              workload.now)
    finally:
        database.dispose()


def outbox_and_seats(workload: Workload) -> tuple[list[tuple], list[tuple]]:
    database = Database(make_engine(workload.url))
    try:
        with database.uow() as uow:
            return _state(uow, workload.event_id)
    finally:
        database.dispose()


def _state(uow: UnitOfWork, event_id: int) -> tuple[list[tuple], list[tuple]]:
    registrations = sorted(
        (registration.user_id, registration.status)
        for status in RegistrationStatus
        for registration in uow.registrations.for_event(event_id, status)
    )
    outbox = sorted((row.dedupe_key, row.status) for row in uow.notifications.in_state(
        NotificationStatus.PENDING))
    return registrations, outbox


async def check_async_port(workload: Workload, capacity: int = 3) -> None:
    """The async variant's statements give what the services give: cards, seats, waiting
    list, promotion and outbox, on an event of its own with `capacity` seats."""
    workload = replace(workload, event_id=add_event(workload.url, capacity, workload.now))
    backend = AsyncBackend(workload)
    try:
        few = workload.readers[: capacity + 2]
        for user_id in few:
            user = await backend.meet(SeenUser(user_id, f"Reader {user_id}", "ru"))
            assert await backend.card(user) == sync_card(workload, user_id), "card differs"
            await backend.register(user_id)
            assert await backend.card(user) == sync_card(workload, user_id), "card differs"
        await backend.cancel(few[0])
        async_state = outbox_and_seats(workload)
    finally:
        await backend.close()
    reset_state(workload.url)
    sync = SyncBackend(workload)
    try:
        for user_id in few:
            await sync.register(user_id)
        await sync.cancel(few[0])
    finally:
        await sync.close()
    assert outbox_and_seats(workload) == async_state, "registrations or outbox differ"
    reset_state(workload.url)


async def run_variant(backend: Backend, workload: Workload, seconds: float,
                      warmup: float) -> Result:
    result = Result(backend.name)
    registered: dict[int, bool] = dict.fromkeys(workload.readers, False)
    measuring = False

    async def operation(user_id: int) -> None:
        user = await backend.meet(SeenUser(user_id, f"Reader {user_id}", "ru"))
        await backend.card(user)
        if workload.writes:
            if registered[user_id]:
                await backend.cancel(user_id)
            else:
                await backend.register(user_id)
            registered[user_id] = not registered[user_id]

    async def reader(index: int, deadline: float) -> None:
        mine = workload.readers[index::workload.concurrency]
        turn = 0
        # A press's latency runs from when the reader is ready to press (its previous press
        # answered) to its answer: with the services on the loop most of it is spent waiting
        # for the loop (others' presses), not in the press's own statements.
        ready = time.perf_counter()
        while ready < deadline:
            user_id = mine[turn % len(mine)]
            turn += 1
            try:
                await operation(user_id)
            except Exception as error:  # counted, not fatal: a busy database is a figure too
                if measuring:
                    result.errors[type(error).__name__] += 1
                ready = time.perf_counter()
            else:
                answered = time.perf_counter()
                if measuring:
                    result.latencies.append(answered - ready)
                    result.ops += 1
                ready = answered
            # The handler awaits the Bot API next: the loop gets a turn for others.
            await asyncio.sleep(0)

    async def ticker(deadline: float) -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await asyncio.sleep(TICK)
            result.lags.append(max(0.0, time.perf_counter() - started - TICK))

    await backend.start()
    try:
        if warmup > 0:
            deadline = time.perf_counter() + warmup
            await asyncio.gather(*(reader(i, deadline) for i in range(workload.concurrency)))
        gc.collect()
        measuring = True
        cpu = time.process_time()
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(ticker(deadline),
                             *(reader(i, deadline) for i in range(workload.concurrency)))
        result.elapsed = time.perf_counter() - started
        result.cpu = time.process_time() - cpu
    finally:
        await backend.close()
    return result


def backends(args: argparse.Namespace, workload: Workload) -> list[Callable[[], Backend] | str]:
    """Factories of the variants to run, in order; a string says why one is skipped."""
    chosen: list[Callable[[], Backend] | str] = []
    if "sync" in args.variants:
        chosen.append(partial(SyncBackend, workload))
    if "threads" in args.variants:
        chosen.extend(partial(ThreadBackend, workload, k) for k in args.threads)
    if "async" in args.variants:
        missing = async_drivers_missing(workload.url)
        if missing:
            chosen.append(
                f"variant (c) async SKIPPED: {', '.join(missing)} not installed "
                f"(.venv/bin/pip install {' '.join(missing)}; not project dependencies)"
            )
        else:
            chosen.append(partial(AsyncBackend, workload, args.async_pool))
    return chosen


def _versions(url: str) -> str:
    names = ["aiosqlite", "greenlet"] if url.startswith("sqlite") else [
        "psycopg2", "asyncpg", "greenlet"]
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
            found.append(f"{name} {getattr(module, '__version__', '?').split(' ')[0]}")
        except ImportError:
            found.append(f"{name} -")
    return ", ".join([f"SQLAlchemy {sqlalchemy.__version__}", *found])


async def main_async(args: argparse.Namespace) -> int:
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="kopir-db-offload-") as scratch:
        if args.postgres:
            url = args.postgres
            prepare_postgres(url)
        else:
            url = f"sqlite:///{Path(scratch) / 'kopir.db'}"
            upgrade(url)
        event_id, readers = seed(url, args.readers, args.capacity, now)
        workload = Workload(url, event_id, readers, args.concurrency, args.writes, now)
        shown = make_url(url).render_as_string(hide_password=True)
        say(f"database: {shown}")
        say(f"workload: {args.concurrency} concurrent readers of {args.readers}, "
            f"{args.seconds:g} s a variant after {args.warmup:g} s warm-up; a press = meet + "
            f"event_card" + (" + register/cancel (alternately)" if args.writes else "")
            + f"; event capacity {args.capacity}")
        say(f"machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{_versions(url)}")
        factories = backends(args, workload)
        if any(not isinstance(f, str) and f.func is AsyncBackend for f in factories):
            await check_async_port(workload)
            say("async port checked: same cards, registrations and outbox as the services")
        results: list[Result] = []
        for factory in factories:
            if isinstance(factory, str):
                say(factory)
                continue
            reset_state(url)
            backend = factory()
            say(f"running {backend.name} ...")
            results.append(await run_variant(backend, workload, args.seconds, args.warmup))
        say()
        for line in table(HEADER, [result.row() for result in results]):
            say(line)
        say()
        for line in summary(results):
            say(line)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return asyncio.run(main_async(parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
