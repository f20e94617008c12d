"""/healthz and /metrics on their own port, with the real Application running."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest

from bot.app import HEALTH_KEY
from bot.cli import main
from bot.core.context import app_context
from bot.core.settings import Settings, SettingsError
from bot.delivery.engine import send_due
from storage.broadcast_models import BroadcastStatus
from storage.db import make_engine
from storage.uow import Database
from tests.bot.delivery.test_engine import READER, STARTS, plan
from tests.conftest import onboard
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
