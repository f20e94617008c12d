"""Shared fixtures: a migrated database, the fake Bot API, the real Application polling it."""

from __future__ import annotations

import functools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, make_url, text
from sqlmodel import SQLModel
from telegram.ext import Application

from bot.app import build_application
from bot.core.clock import ManualClock
from bot.core.i18n import Catalogs
from bot.core.settings import Settings
from bot.delivery.engine import send_through
from bot.runtime.ptb import job_queue_of
from bot.sandbox.fakeapi.inprocess import FakeApiRequest
from bot.sandbox.fakeapi.server import FakeBotApi
from storage.db import make_engine, normalize_url
from storage.migrate import MIGRATIONS_DIR, upgrade
from storage.uow import Database
from tests.factories import NOW

ORGANIZER_ID = 7001

# python-telegram-bot 22 warns (an error here) unless durations are timedeltas.
os.environ.setdefault("PTB_TIMEDELTA", "true")


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    return Catalogs.load()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrations run once; each test gets a copy of the result."""
    path = tmp_path_factory.mktemp("template") / "kopir.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def database_url(migrated_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "kopir.db"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(make_engine(database_url))
    yield database
    database.dispose()


@functools.cache
def postgres_url() -> str | None:
    """KOPIR_TEST_DATABASE_URL, or None. Under pytest-xdist each worker gets a database of
    its own next to it (`test_gw0`, ...), created on first use: the PostgreSQL tests drop
    and recreate the schema and would trip over each other in one database."""
    url = os.environ.get("KOPIR_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    shared = make_url(normalize_url(url))
    own = shared.set(database=f"{shared.database}_{worker}")
    engine = create_engine(shared, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": own.database}
        ).first()
        if exists is None:
            connection.execute(text(f'CREATE DATABASE "{own.database}"'))
    engine.dispose()
    return own.render_as_string(hide_password=False)


# Databases this process has migrated: later tests only empty their tables.
_migrated: set[str] = set()


def _reset_postgres(url: str) -> None:
    """An empty database at the newest migration. The schema is built once per database
    and process; after that emptying the tables is enough, unless a test left the schema
    at another revision."""
    engine = make_engine(url)
    with engine.begin() as connection:
        if url in _migrated and _at_head(connection):
            # DELETE, children first, and sequences back to 1: on a few rows a tenth of what
            # TRUNCATE takes (which replaces every table's files).
            for table in reversed(SQLModel.metadata.sorted_tables):
                connection.execute(table.delete())
            sequences = connection.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
            ).scalars().all()
            for sequence in sequences:
                connection.execute(text("SELECT setval(:name, 1, false)"),
                                   {"name": f'"{sequence}"'})
            engine.dispose()
            return
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    _migrated.add(url)


def _at_head(connection: Connection) -> bool:
    if connection.execute(text("SELECT to_regclass('public.alembic_version')")).scalar() is None:
        return False
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return set(versions) == _heads()


@functools.cache
def _heads() -> set[str]:
    """The newest migrations, read from the scripts once (not at every test's reset)."""
    return set(ScriptDirectory(str(MIGRATIONS_DIR)).get_heads())


@pytest.fixture(params=["sqlite", "postgresql"])
def storage(request: pytest.FixtureRequest, database_url: str) -> Iterator[Database]:
    """Storage and domain tests: SQLite, and PostgreSQL when KOPIR_TEST_DATABASE_URL is set."""
    if request.param == "postgresql":
        url = postgres_url()
        if not url:
            pytest.skip("KOPIR_TEST_DATABASE_URL is not set")
        _reset_postgres(url)
    else:
        url = database_url
    database = Database(make_engine(url))
    yield database
    database.dispose()


@pytest.fixture
def empty_url(storage: Database, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as `storage`, to restore into."""
    if storage.engine.dialect.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored' / 'kopir.db'}"
        return
    own = make_url(storage.engine.url.render_as_string(hide_password=False))
    restored = own.set(database=f"{own.database}_restore")
    admin = create_engine(normalize_url(own.render_as_string(hide_password=False)),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}"'))
        connection.execute(text(f'CREATE DATABASE "{restored.database}"'))
    yield restored.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{restored.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def postgres_database() -> Iterator[Database]:
    """The worker's PostgreSQL database, empty and migrated (tests of what only PostgreSQL
    does: several processes agreeing through it); skipped without KOPIR_TEST_DATABASE_URL."""
    url = postgres_url()
    if not url:
        pytest.skip("KOPIR_TEST_DATABASE_URL is not set")
    _reset_postgres(url)
    database = Database(make_engine(url))
    yield database
    database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    api = FakeBotApi()
    await api.start()
    yield api
    await api.stop()


@pytest.fixture
def settings(fake_api: FakeBotApi, database_url: str) -> Settings:
    return Settings(
        token=fake_api.token,
        api_base_url=fake_api.base_url,
        api_base_file_url=fake_api.base_file_url,
        database_url=database_url,
        admin_ids=frozenset({ORGANIZER_ID}),
    )


def in_process(application: Application, fake_api: FakeBotApi) -> Application:
    """The Application talks to the fake Bot API without sockets (see
    bot.sandbox.fakeapi.inprocess): its replies, its long polls and the outbox's sends go
    straight to the fake's method handlers. `build_application` gives the Bot its aiohttp
    clients and no way to pass others, so they are swapped before the Application is
    initialized."""
    application.bot._request = (FakeApiRequest(fake_api), FakeApiRequest(fake_api))  # noqa: SLF001
    send_through(application, lambda _pool: FakeApiRequest(fake_api))
    fake_api.attach(application)
    return application


@asynccontextmanager
async def running(
    settings, clock, database, catalogs, fake_api: FakeBotApi | None = None  # noqa: ANN001
) -> AsyncIterator[Application]:
    """One life of the bot, as `kopir run` lives it: started polling the fake Bot API,
    then stopped and shut down (run_polling() would call post_init itself; tests start the
    parts by hand). Given `fake_api`, in process (see `in_process`); without, over HTTP."""
    application = build_application(settings, clock=clock, database=database, catalogs=catalogs)
    if fake_api is not None:
        in_process(application, fake_api)
    async with application:
        await application.post_init(application)
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


@pytest.fixture
async def bot_app(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    """The real Application, talking to the fake Bot API in process."""
    async with running(settings, clock, database, catalogs, fake_api) as application:
        yield application


@pytest.fixture
async def bot_app_http(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    """The real Application polling the fake Bot API over HTTP, as it polls Telegram: the
    end-to-end tests marked `http` keep that path proven."""
    async with running(settings, clock, database, catalogs) as application:
        fake_api.attach(application)
        yield application


async def onboard(fake_api: FakeBotApi, user_id: int, language: str = "en", **user_fields):
    """A reader opens the bot and picks a language; returns the FakeUser with a clean inbox."""
    from bot.core.i18n import LANGUAGE_NAMES

    user = fake_api.user(user_id, **user_fields)
    await user.send("/start")
    picker = await user.next_message()
    name = LANGUAGE_NAMES[language]
    label = next(text for row in _buttons(picker) for text in row if text.endswith(name))
    await user.press(label)
    # Waiting for both answers, not for a quiet spell: under load a quiet spell comes too early.
    await user.next_message()  # the picker becomes "Language: …"
    await user.next_message()  # the welcome
    await fake_api.handled()
    user.drain()
    return user


async def time_out_conversations(application: Application, fake_api: FakeBotApi) -> None:
    """Time passes for the conversations: once the bot has handled every update so far,
    PTB's time-out jobs (`conversation_timeout`) fall due now instead of after the hour, and
    the scheduler runs them as it would then."""
    await fake_api.handled()
    due = [job for job in job_queue_of(application).jobs()
           if job.callback.__name__ == "_trigger_timeout"]
    if not due:
        raise AssertionError("no conversation is waiting for an answer")
    for job in due:
        job.job.modify(next_run_time=datetime.now(UTC))


def _buttons(message: dict) -> list[list[str]]:
    markup = message.get("reply_markup") or {}
    return [[button["text"] for button in row] for row in markup.get("inline_keyboard", [])]
