"""Programmatic Alembic: `kopir db upgrade` and start-up call `upgrade(url)`."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from storage.db import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The advisory lock key processes starting at once on one PostgreSQL database migrate under
# (any number: Kopir takes no other advisory lock).
MIGRATION_LOCK = 0x6B6F706972  # "kopir"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url)
    return config


def upgrade(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Several processes start at once: one migrates, the others wait for it and
                # then find the database at the newest revision.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        engine.dispose()


def autogenerate(database_url: str, message: str) -> None:
    """Developer helper: write a new revision from the models' differences."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
