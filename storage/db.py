"""Engine creation: SQLite tuned for a bot (WAL, busy timeout, foreign keys) or PostgreSQL.

Every transaction on SQLite starts with `BEGIN IMMEDIATE` (SQLAlchemy's documented
pysqlite recipe): pysqlite would otherwise begin only at the first write, so two
transactions could both read "one seat left" and both take it. On PostgreSQL row
locks (`with_for_update`) and constraints do that work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from sqlite3 import Connection as SQLiteConnection
from typing import Any

from sqlalchemy import (
    Connection,
    CursorResult,
    Engine,
    Result,
    Table,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import SQLModel

# How long a unit of work waits for a database held by someone else (another
# process's import, a backup, a restarting server) before the reader is told
# "busy, try again in a moment": long enough for ordinary contention, short
# enough that nobody stares at a spinner.
BUSY_SECONDS = 3.0
# Session.info flag: this transaction added or moved outbox rows (see storage.uow).
OUTBOX_WRITTEN = "kopir.outbox_written"


def normalize_url(url: str) -> str:
    """Accept `postgresql://` (as people write it) and use the installed driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg2://" + url.removeprefix("postgresql://")
    return url


def make_engine(
    url: str, *, busy_seconds: float = BUSY_SECONDS, pool_size: int = 5, reading: bool = False
) -> Engine:
    """The engine for `url`. With `reading` (SQLite only), transactions begin deferred:
    for units of work that only read, which WAL lets run beside a writer."""
    url = normalize_url(url)
    parsed = make_url(url)
    # SQL parameters carry readers' names, birth dates and schools: never into a
    # log line or an exception message.
    if parsed.get_backend_name() != "sqlite":
        wait_ms = int(busy_seconds * 1000)
        return create_engine(
            url, pool_pre_ping=True, hide_parameters=True,
            pool_size=pool_size, max_overflow=pool_size,
            connect_args={
                "connect_timeout": max(1, round(busy_seconds)),
                "options": f"-c lock_timeout={wait_ms}",
            },
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url, hide_parameters=True, pool_size=pool_size, max_overflow=pool_size,
        connect_args={"timeout": busy_seconds},
    )
    event.listen(engine, "connect", _tune_sqlite(busy_seconds))
    event.listen(engine, "begin", _begin_deferred if reading else _begin_immediate)
    return engine


def reading_engine(engine: Engine, busy_seconds: float, pool_size: int) -> Engine:
    """An engine for read-only units of work beside `engine`: on SQLite one whose
    transactions begin deferred; elsewhere `engine` itself."""
    if not is_sqlite(engine):
        return engine
    url = engine.url.render_as_string(hide_password=False)
    return make_engine(url, busy_seconds=busy_seconds, pool_size=pool_size, reading=True)


def pool_size(engine: Engine) -> int:
    """How many connections `engine` keeps (its pool is a `QueuePool`: see `make_engine`)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        raise TypeError(f"a {type(pool).__name__} has no fixed size")
    return pool.size()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _tune_sqlite(busy_seconds: float) -> Callable[[SQLiteConnection, object], None]:
    def tune(dbapi_connection: SQLiteConnection, _record: object) -> None:
        # pysqlite's own transaction handling off: SQLAlchemy's "begin" event
        # emits BEGIN IMMEDIATE instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # WAL lets the reminder sender read while a handler writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return tune


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


# --- typed views of what SQLModel leaves untyped ----------------------------------------


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched. SQLModel's `Session.execute` is typed
    as returning a plain `Result`; for those statements it is a `CursorResult`."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"a {type(result).__name__} has no row count")
    return result.rowcount


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table (its `__table__`, which SQLModel does not declare)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table
