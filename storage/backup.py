"""Backups that restore: `kopir backup FILE` and `kopir restore FILE`.

SQLite is copied with its online backup API, page by page inside one read transaction,
so the copy is consistent while the bot goes on writing. PostgreSQL is dumped by
`pg_dump` in its custom format, from a snapshot exported by a repeatable-read
transaction that counts the rows of every table at the same moment.

Beside the backup a manifest (`FILE.manifest.json`) records the database kind, the
migration it was at and the rows per table. A restore goes into an empty database only;
then the database is opened, migrated to the newest revision, and its rows counted
against the manifest: a restore that does not hold what the backup held is an error.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, create_engine, inspect, make_url, text
from sqlmodel import SQLModel

from storage.db import make_engine, normalize_url
from storage.migrate import upgrade


class BackupError(Exception):
    """A backup or restore that cannot be done, in words an operator acts on."""


@dataclass(frozen=True)
class Manifest:
    kind: str  # "sqlite" or "postgresql"
    revision: str | None
    counts: dict[str, int]
    taken_at: str

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text())
            return cls(data["kind"], data["revision"], dict(data["counts"]), data["taken_at"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise BackupError(f"cannot read the manifest {path}: {error}") from error


def manifest_path(backup_file: Path) -> Path:
    return backup_file.with_name(backup_file.name + ".manifest.json")


def backup(database_url: str, target: Path, now: datetime | None = None) -> Manifest:
    """Write a backup of the database to `target` (which must not exist) and its manifest."""
    if target.exists() or manifest_path(target).exists():
        raise BackupError(f"{target} already exists: choose a new file name")
    taken_at = (now or datetime.now(UTC)).isoformat()
    url = normalize_url(database_url)
    if make_url(url).get_backend_name() == "sqlite":
        manifest = _backup_sqlite(url, target, taken_at)
    else:
        manifest = _backup_postgres(url, target, taken_at)
    manifest.write(manifest_path(target))
    return manifest


def restore(source: Path, database_url: str) -> dict[str, int]:
    """Restore `source` into the empty database at `database_url`, migrate it and check
    that it counts the rows the manifest says; returns the counts."""
    if not source.is_file():
        raise BackupError(f"no backup file at {source}")
    manifest = Manifest.read(manifest_path(source))
    url = normalize_url(database_url)
    kind = make_url(url).get_backend_name()
    if kind != manifest.kind:
        raise BackupError(f"{source} is a {manifest.kind} backup; the database is {kind}")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if inspect(connection).get_table_names():
                raise BackupError("the database is not empty: restore goes into an empty one")
    finally:
        engine.dispose()
    if kind == "sqlite":
        _restore_sqlite(source, url)
    else:
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname", _libpq(url),
              str(source)])
    upgrade(database_url)
    counts = table_counts(database_url)
    differing = {table: (rows, counts.get(table)) for table, rows in manifest.counts.items()
                 if counts.get(table) != rows}
    if differing:
        raise BackupError(f"the restored database differs from the backup: {differing}")
    return counts


def table_counts(database_url: str) -> dict[str, int]:
    """Rows per table of Kopir's schema, as the database holds them now."""
    engine = make_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            return _counts(connection)
    finally:
        engine.dispose()


def _counts(connection: Connection) -> dict[str, int]:
    present = set(inspect(connection).get_table_names())
    return {
        table.name: connection.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()
        for table in SQLModel.metadata.sorted_tables
        if table.name in present
    }


def _revision(connection: Connection) -> str | None:
    if "alembic_version" not in inspect(connection).get_table_names():
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _backup_sqlite(url: str, target: Path, taken_at: str) -> Manifest:
    database = make_url(url).database
    if not database or not Path(database).is_file():
        raise BackupError(f"no SQLite database at {database}")
    partial = target.with_name(target.name + ".partial")
    with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(partial)) as copy:
        source.backup(copy)
    partial.rename(target)
    # A plain engine: Kopir's own would switch the copy to WAL mode.
    engine = create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return Manifest("sqlite", _revision(connection), _counts(connection), taken_at)
    finally:
        engine.dispose()


def _restore_sqlite(source: Path, url: str) -> None:
    database = make_url(url).database
    if not database:
        raise BackupError("restore needs a SQLite file, not an in-memory database")
    Path(database).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(source)) as backup_file, closing(
        sqlite3.connect(database)
    ) as restored:
        backup_file.backup(restored)


def _backup_postgres(url: str, target: Path, taken_at: str) -> Manifest:
    engine = make_engine(url)
    partial = target.with_name(target.name + ".partial")
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            # One snapshot for the counts and the dump: they agree to the row while the
            # bot goes on writing.
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            manifest = Manifest("postgresql", _revision(connection), _counts(connection),
                                taken_at)
            _run(["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}",
                  "--file", str(partial), "--dbname", _libpq(url)])
            connection.rollback()
    finally:
        engine.dispose()
    partial.rename(target)
    return manifest


def _libpq(url: str) -> str:
    """The URL as libpq (pg_dump, pg_restore) reads it: no SQLAlchemy driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except FileNotFoundError as error:
        raise BackupError(f"{command[0]} is not installed (PostgreSQL's client tools)") from error
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()}")
