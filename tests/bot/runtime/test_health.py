"""/healthz and /metrics on their own port, with the real Application running."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import make_url

from bot.app import HEALTH_KEY
from bot.cli import main
from bot.core.context import app_context
from bot.core.settings import Settings, SettingsError
from bot.delivery.engine import send_due
from storage.broadcast_models import BroadcastStatus
from storage.db import make_engine, normalize_url
from storage.uow import Database
from tests.bot.delivery.test_engine import READER, STARTS, plan
from tests.conftest import _reset_postgres, onboard, postgres_url, running
from tests.factories import NOW, make_event
from tests.services.engine_factories import add_broadcast, add_readers


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # No scheduled sender runs during a test: the one it starts itself counts.
    return replace(settings, health_port=0, sender_interval_seconds=3600)


async def get(bot_app, path: str) -> tuple[int, str, str]:  # noqa: ANN001
    port = bot_app.bot_data[HEALTH_KEY].port
    async with aiohttp.ClientSession() as session, session.get(
        f"http://127.0.0.1:{port}{path}"
    ) as response:
        return response.status, response.content_type, await response.text()


def sample(text: str, name: str) -> float | None:
    """The value of one sample (`name` with its labels) in Prometheus's text format."""
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


async def test_healthz_answers_ok_with_what_it_checked(bot_app):
    status, kind, body = await get(bot_app, "/healthz")

    assert (status, kind) == (200, "application/json")
    assert body == ('{"status": "ok", "database": "ok", "sender": "ok", "outbox": {}, '
                    '"last_send": null}')


async def test_healthz_turns_503_while_the_database_is_gone_and_200_when_it_is_back(bot_app):
    ctx = app_context(bot_app.bot_data)
    working = ctx.database
    gone = Database(make_engine("sqlite:////nonexistent-directory/kopir.db"))
    ctx.database = gone
    try:
        while_gone = await get(bot_app, "/healthz")
    finally:
        ctx.database = working
        gone.dispose()
    back = await get(bot_app, "/healthz")

    assert (while_gone[0], back[0]) == (503, 200)
    assert '"database": "unreachable"' in while_gone[2]


class PostgresLine:
    """A TCP line between Kopir and PostgreSQL that the test can cut (the server stops
    answering: connections close, new ones are refused) and restore, on the same port."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def open(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                target.close()
                self._writers.discard(target)

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


async def test_healthz_turns_503_when_postgresql_stops_answering_and_200_when_it_is_back(
    settings, clock, catalogs, fake_api
):
    url = postgres_url()
    if not url:
        pytest.skip("KOPIR_TEST_DATABASE_URL is not set")
    _reset_postgres(url)
    direct = make_url(normalize_url(url))
    line = PostgresLine(direct.port or 5432)
    await line.open()
    database = Database(make_engine(direct.set(port=line.port).render_as_string(
        hide_password=False)))
    try:
        async with running(settings, clock, database, catalogs, fake_api) as bot_app:
            before = await get(bot_app, "/healthz")
            await line.cut()
            stopped = await get(bot_app, "/healthz")
            await line.open()
            back = await get(bot_app, "/healthz")
    finally:
        await line.cut()
        database.dispose()

    assert (before[0], stopped[0], back[0]) == (200, 503, 200)
    assert '"database": "unreachable"' in stopped[2]


async def test_metrics_count_updates_replies_and_the_outbox(bot_app, fake_api, database, clock):
    user = await onboard(fake_api, READER, "en")
    event = make_event(database, starts_at=STARTS)
    plan(database, event)
    clock.set(STARTS - timedelta(hours=24))
    # A run of the sender of its own: it returns once the reminder's row is settled.
    report = await send_due(bot_app, app_context(bot_app.bot_data))

    status, _kind, text = await get(bot_app, "/metrics")
    health = (await get(bot_app, "/healthz"))[2]

    assert status == 200
    assert (
        sample(text, 'kopir_updates_total{kind="message"}'),
        sample(text, 'kopir_updates_total{kind="callback_query"}'),
        sample(text, 'kopir_sends_total{lane="reply"}'),
        sample(text, 'kopir_sends_total{lane="bulk"}'),
        sample(text, 'kopir_flood_control_total'),
    ) == (1.0, 1.0, 2.0, 1.0, 0.0)
    assert sample(text, 'kopir_update_handling_seconds_count{kind="message"}') == 1.0
    assert (report.sent, sample(text, 'kopir_outbox_rows{status="sent"}')) == (1, 1.0)
    assert len(user.messages) == 3  # the picker, the welcome, the reminder
    assert '"last_send": null' not in health


async def test_metrics_show_each_running_or_paused_broadcasts_rows_by_status(
    bot_app, database
):
    add_readers(database, [11, 12, 13, 14, 15])
    running = add_broadcast(database, [11, 12, 13], due_at=NOW + timedelta(days=1))
    paused = add_broadcast(database, [14], status=BroadcastStatus.PAUSED)
    done = add_broadcast(database, [15], status=BroadcastStatus.DONE)

    text = (await get(bot_app, "/metrics"))[2]

    assert (
        sample(text, f'kopir_broadcast_rows{{broadcast="{running.id}",status="pending"}}'),
        sample(text, f'kopir_broadcast_rows{{broadcast="{paused.id}",status="pending"}}'),
        sample(text, f'kopir_broadcast_rows{{broadcast="{done.id}",status="pending"}}'),
    ) == (3.0, 1.0, None)


@pytest.mark.parametrize("raw", ["abc", "70000", "-1"])
def test_health_port_setting_refuses_what_is_not_a_port(raw):
    with pytest.raises(SettingsError, match="KOPIR_HEALTH_PORT"):
        Settings.from_env({"KOPIR_HEALTH_PORT": raw})


async def test_kopir_health_exits_0_while_healthy_and_1_when_nothing_answers(
    bot_app, monkeypatch, capsys
):
    port = bot_app.bot_data[HEALTH_KEY].port
    monkeypatch.setenv("KOPIR_HEALTH_PORT", str(port))
    monkeypatch.delenv("KOPIR_WEBHOOK_URL", raising=False)
    healthy = await asyncio.to_thread(main, ["health"])
    await bot_app.bot_data[HEALTH_KEY].stop()
    gone = await asyncio.to_thread(main, ["health"])
    monkeypatch.delenv("KOPIR_HEALTH_PORT")
    unset = await asyncio.to_thread(main, ["health"])

    out, err = capsys.readouterr()
    assert (healthy, gone, unset) == (0, 1, 2)
    assert out.startswith('{"status": "ok"')
    assert err.splitlines()[-1] == (
        "kopir health: set KOPIR_HEALTH_PORT (or webhook mode) first")
