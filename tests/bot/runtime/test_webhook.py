"""Webhook mode: the real Application fed by Kopir's own server, as Telegram posts to it."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest
from telegram import Update
from telegram.ext import Application

from bot.app import HEALTH_KEY, build_application
from bot.core.context import app_context
from bot.core.settings import Settings, SettingsError
from bot.runtime.updates import ReaderOrderProcessor
from bot.runtime.webhook import SECRET_HEADER
from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.fakeapi.users import text_of
from storage.db import make_engine
from storage.uow import Database
from tests.conftest import _reset_postgres, in_process, postgres_url

SECRET = "kopir-webhook-secret-0123456789"
READER = 5001
HELP = "/help"
PICKER = "Hello! Choose your language:"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhook_url="https://bot.library.example/telegram/kopir",
                   webhook_secret=SECRET, webhook_host="127.0.0.1", webhook_port=0)


@asynccontextmanager
async def webhook_served(  # noqa: ANN001
    settings, clock, database, catalogs, fake_api
) -> AsyncIterator[Application]:
    """The Application as `kopir run` starts it in webhook mode (no polling)."""
    application = build_application(settings, clock=clock, database=database, catalogs=catalogs)
    in_process(application, fake_api)
    async with application:
        await application.post_init(application)
        await application.start()
        yield application
        await application.stop()
    await application.post_shutdown(application)


@pytest.fixture
async def webhook_app(settings, clock, database, catalogs, fake_api) -> AsyncIterator[Application]:  # noqa: ANN001
    async with webhook_served(settings, clock, database, catalogs, fake_api) as application:
        yield application


def opened(fake_api: FakeBotApi):  # noqa: ANN201
    """The reader, as the fake Bot API knows them: their chat with the bot is open (the
    updates below come from Telegram's side, not through the fake)."""
    reader = fake_api.user(READER, first_name="Aru")
    reader.started = True
    return reader


def update(update_id: int, text: str) -> dict:
    entities = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    person = {"id": READER, "is_bot": False, "first_name": "Aru", "language_code": "en"}
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_790_000_000, "text": text, "entities": entities,
        "from": person, "chat": {"id": READER, "type": "private", "first_name": "Aru"}}}


async def post(application: Application, body: bytes, headers: dict[str, str]) -> int:
    port = application.bot_data[HEALTH_KEY].port
    async with aiohttp.ClientSession() as session, session.post(
        f"http://127.0.0.1:{port}/telegram/kopir", data=io.BytesIO(body),
        headers={"Content-Type": "application/json", **headers},
    ) as response:
        return response.status


def refused(application: Application) -> dict[str, float]:
    counter = app_context(application.bot_data).metrics.webhook_refused
    return {sample.labels["reason"]: sample.value
            for metric in counter.collect() for sample in metric.samples
            if sample.name.endswith("_total")}


async def test_webhook_is_set_with_its_secret_and_keeps_pending_updates(webhook_app, fake_api):
    [call] = fake_api.calls("setWebhook")

    assert (call.params["url"], call.params["secret_token"], call.params["max_connections"],
            call.params.get("drop_pending_updates")) == (
        "https://bot.library.example/telegram/kopir", SECRET, 40, False)


async def test_update_with_the_right_secret_is_handled(webhook_app, fake_api: FakeBotApi):
    reader = opened(fake_api)

    status = await post(webhook_app, json.dumps(update(1, "/start")).encode(),
                        {SECRET_HEADER: SECRET})
    picker = await reader.next_message()

    assert (status, text_of(picker)) == (200, PICKER)


async def test_webhook_answers_a_post_once_its_update_has_the_readers_turn(
    settings, clock, catalogs, fake_api
):
    url = postgres_url()
    if not url:
        pytest.skip("KOPIR_TEST_DATABASE_URL is not set")
    _reset_postgres(url)
    database = Database(make_engine(url))
    reader = opened(fake_api)
    with database.uow() as uow:  # another process is working on this reader's update
        uow.coordination.take_reader(READER, "another process", timedelta(seconds=30))
        uow.commit()
    try:
        async with webhook_served(settings, clock, database, catalogs, fake_api) as app:
            posting = asyncio.create_task(
                post(app, json.dumps(update(1, "/start")).encode(), {SECRET_HEADER: SECRET}))
            arrived = Update.de_json(update(1, "/start"), app.bot)
            processor = app.update_processor
            assert isinstance(processor, ReaderOrderProcessor)
            for _ in range(500):  # until the update is in the processor, waiting its turn
                if processor.arrival(arrived) is not None:
                    break
                await asyncio.sleep(0.01)
            answered_meanwhile = posting.done()
            with database.uow() as uow:
                uow.coordination.release_reader(READER, "another process")
                uow.commit()
            status = await posting
            picker = await reader.next_message()
    finally:
        database.dispose()

    assert (answered_meanwhile, status, text_of(picker)) == (False, 200, PICKER)


@pytest.mark.parametrize(("body", "headers", "reason", "status"), [
    (json.dumps(update(1, "/start")).encode(), {SECRET_HEADER: "wrong-secret"}, "secret", 403),
    (json.dumps(update(1, "/start")).encode(), {}, "secret", 403),
    (b"{not json", {SECRET_HEADER: SECRET}, "malformed", 400),
    (b'{"update_id": "x"}', {SECRET_HEADER: SECRET}, "malformed", 400),
    (b" " * (10 * 1024 * 1024), {SECRET_HEADER: SECRET}, "too_large", 413),
])
async def test_refused_requests_are_counted_and_nothing_is_handled(
    webhook_app, fake_api, body, headers, reason, status
):
    reader = opened(fake_api)

    answered = await post(webhook_app, body, headers)
    # Then a genuine update: its answer is the first thing the reader gets.
    await post(webhook_app, json.dumps(update(2, "/start")).encode(), {SECRET_HEADER: SECRET})
    first = await reader.next_message()

    assert (answered, refused(webhook_app)) == (status, {reason: 1.0})
    assert text_of(first) == PICKER


async def test_the_same_update_delivered_twice_is_handled_once(webhook_app, fake_api):
    reader = opened(fake_api)
    start = json.dumps(update(1, "/start")).encode()

    statuses = [await post(webhook_app, start, {SECRET_HEADER: SECRET}) for _ in range(2)]
    await post(webhook_app, json.dumps(update(2, HELP)).encode(), {SECRET_HEADER: SECRET})
    picker, after = await reader.next_message(), await reader.next_message()

    assert statuses == [200, 200]
    # One reader's updates are handled in order: a second picker would come before /help's
    # answer (in Russian, the default, as no language was chosen yet).
    assert (text_of(picker), text_of(after).split("!")[0]) == (PICKER, "Добро пожаловать, Aru")


@pytest.mark.parametrize(("env", "named"), [
    ({"KOPIR_WEBHOOK_URL": "http://bot.example/hook", "KOPIR_WEBHOOK_SECRET": SECRET},
     "KOPIR_WEBHOOK_URL"),
    ({"KOPIR_WEBHOOK_URL": "https://bot.example/hook"}, "KOPIR_WEBHOOK_SECRET"),
    ({"KOPIR_WEBHOOK_URL": "https://bot.example/hook", "KOPIR_WEBHOOK_SECRET": "short"},
     "KOPIR_WEBHOOK_SECRET"),
    ({"KOPIR_WEBHOOK_URL": "https://bot.example/hook", "KOPIR_WEBHOOK_SECRET": SECRET,
      "KOPIR_WEBHOOK_MAX_CONNECTIONS": "500"}, "KOPIR_WEBHOOK_MAX_CONNECTIONS"),
])
def test_webhook_settings_refuse_what_telegram_would(env, named):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)
