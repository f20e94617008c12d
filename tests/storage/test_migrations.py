"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables)
from storage.migrate import upgrade


def test_migrations_match_models(storage):
    with storage.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)

    assert differences == []


def test_migrations_upgrade_twice_changes_nothing(storage):
    url = storage.engine.url.render_as_string(hide_password=False)

    upgrade(url)

    with storage.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert len(versions) == 1


def test_sqlite_connection_uses_wal_foreign_keys_and_busy_timeout(database):
    with database.engine.connect() as connection:
        settings = [
            connection.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        ]

    assert settings == ["wal", 1, 3000]


def test_migrations_started_at_once_by_two_processes_on_postgresql_both_succeed(storage):
    if storage.engine.dialect.name != "postgresql":
        pytest.skip("SQLite is one process")
    url = storage.engine.url.render_as_string(hide_password=False)
    with storage.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))

    with ThreadPoolExecutor(2) as starting:
        results = list(starting.map(upgrade, [url, url]))

    with storage.engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert (results, len(versions)) == ([None, None], 1)
