"""The fake Bot API's webhook delivery: updates posted to the bot as Telegram posts them."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, Update
from telegram.error import BadRequest, Conflict
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.sandbox.fakeapi import FakeBotApi
from bot.sandbox.fakeapi.webhook import SECRET_HEADER

URL = "https://kopir.test/telegram/kopir"
SECRET = "kopir-webhook-secret-0123456789"
READERS = [3001, 3002, 3003, 3004, 3005]


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


class Receiver:
    """The bot's side of a webhook: records each post and answers with the next of
    `statuses` (200 once they run out); while `held` is clear, posts wait for it."""

    def __init__(self) -> None:
        self.posts: list[tuple[int, int, str | None]] = []  # (update_id, chat, secret)
        self.statuses: list[int] = []
        self.held = asyncio.Event()
        self.held.set()
        self.at_once = 0
        self.most_at_once = 0
        self.arrived = asyncio.Condition()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        kind = next(key for key in update if key != "update_id")
        chat = (update[kind].get("message") or update[kind])["chat"]["id"]
        self.at_once += 1
        self.most_at_once = max(self.most_at_once, self.at_once)
        async with self.arrived:
            self.posts.append((update["update_id"], chat, request.headers.get(SECRET_HEADER)))
            self.arrived.notify_all()
        try:
            await self.held.wait()
        finally:
            self.at_once -= 1
        return web.Response(status=self.statuses.pop(0) if self.statuses else 200)

    async def wait_posts(self, count: int) -> None:
        async with self.arrived:
            await asyncio.wait_for(self.arrived.wait_for(lambda: len(self.posts) >= count), 5)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/telegram/kopir", receiver.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield receiver
    receiver.held.set()
    await runner.cleanup()


@pytest.fixture
async def api(receiver: Receiver) -> AsyncIterator[FakeBotApi]:
    server = FakeBotApi(webhook_routes={"kopir.test": receiver.url}, webhook_retry=(0.01, 0.05))
    async with server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as client:
        yield client


def ids(posts: list[tuple[int, int, str | None]], chat: int | None = None) -> list[int]:
    return [update_id for update_id, at, _ in posts if chat is None or at == chat]


async def test_webhook_posts_each_queued_update_with_the_secret(api, bot, receiver):
    await bot.set_webhook(URL, secret_token=SECRET)
    sent = [await api.user(reader).send("/start") for reader in READERS[:2]]

    await api.delivered()

    update_ids = [api.updates.last_pushed["update_id"] - 1, api.updates.last_pushed["update_id"]]
    assert sorted(receiver.posts) == [(update_ids[0], READERS[0], SECRET),
                                      (update_ids[1], READERS[1], SECRET)]
    assert [message["chat"]["id"] for message in sent] == READERS[:2]
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_webhook_refuses_get_updates_while_set(api, bot):
    await bot.set_webhook(URL, secret_token=SECRET)

    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates(timeout=0)


async def test_webhook_sends_one_chats_updates_one_at_a_time_in_order(api, bot, receiver):
    await bot.set_webhook(URL, secret_token=SECRET)
    receiver.held.clear()
    reader = api.user(READERS[0])
    for text in ("one", "two", "three"):
        await reader.send(text)
    other = api.user(READERS[1])
    await other.send("elsewhere")

    # The reader's first update and the other chat's are on their way; the reader's
    # second waits until the first is answered.
    await receiver.wait_posts(2)
    waiting_behind = api.webhook.snapshot()["pending"]
    receiver.held.set()
    await api.delivered()

    assert waiting_behind == 4  # nothing is confirmed before its answer
    assert ids(receiver.posts, READERS[0]) == sorted(ids(receiver.posts, READERS[0]))
    assert (len(ids(receiver.posts, READERS[0])), receiver.most_at_once) == (3, 2)


async def test_webhook_keeps_within_max_connections(api, bot, receiver):
    await bot.set_webhook(URL, secret_token=SECRET, max_connections=2)
    receiver.held.clear()
    for reader in READERS:
        await api.user(reader).send("/events")

    await receiver.wait_posts(2)
    at_once = receiver.at_once
    receiver.held.set()
    await api.delivered()

    assert (at_once, receiver.most_at_once, len(receiver.posts)) == (2, 2, len(READERS))


async def test_webhook_retries_a_refused_post_before_the_chats_next_update(api, bot, receiver):
    await bot.set_webhook(URL, secret_token=SECRET)
    receiver.statuses = [502, 500]
    reader = api.user(READERS[0])
    await reader.send("first")
    await reader.send("second")

    await api.delivered()

    first = api.updates.last_pushed["update_id"] - 1
    assert ids(receiver.posts) == [first, first, first, first + 1]
    assert [attempt.status for attempt in api.webhook.attempts] == [502, 500, 200, 200]
    assert (await bot.get_webhook_info()).last_error_message == (
        "Wrong response from the webhook: 500 Internal Server Error"
    )


async def test_webhook_retries_after_a_connection_error(api, bot, receiver):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    api.route_webhook("kopir.test", f"http://127.0.0.1:{closed_port}")
    await bot.set_webhook(URL, secret_token=SECRET)
    await api.user(READERS[0]).send("/start")
    assert await api.webhook.wait_attempts(1, timeout=5)

    api.route_webhook("kopir.test", receiver.url)  # the bot is back
    await api.delivered()

    assert [attempt.status for attempt in api.webhook.attempts][-1] == 200
    assert api.webhook.attempts[0].status == 0
    assert len(receiver.posts) == 1


async def test_webhook_to_an_unrouted_host_is_unreachable(api, bot, receiver):
    await bot.set_webhook("https://elsewhere.example/hook", secret_token=SECRET)
    await api.user(READERS[0]).send("/start")
    assert await api.webhook.wait_attempts(1, timeout=5)

    info = await bot.get_webhook_info()

    assert (info.pending_update_count, receiver.posts) == (1, [])
    assert "no route to elsewhere.example" in info.last_error_message


@pytest.mark.parametrize(("url", "secret", "error"), [
    ("http://kopir.test/hook", None, "An HTTPS URL must be provided"),
    ("https://kopir.test:8080/hook", None, "only on ports 80, 88, 443 or 8443"),
    (URL, "not a secret!", "secret token contains unallowed characters"),
])
async def test_set_webhook_refuses_what_telegram_refuses(api, bot, url, secret, error):
    with pytest.raises(BadRequest, match=f"(?i){error}"):
        await bot.set_webhook(url, secret_token=secret)

    assert api.webhook_url == ""


async def test_delete_webhook_leaves_undelivered_updates_to_get_updates(api, bot, receiver):
    await bot.set_webhook("https://elsewhere.example/hook")
    await api.user(READERS[0]).send("/start")

    await bot.delete_webhook()
    updates = await bot.get_updates(timeout=0)

    assert ([u.message.text for u in updates], receiver.posts) == (["/start"], [])


async def test_webhook_updates_can_be_dropped_when_set(api, bot, receiver):
    await api.user(READERS[0]).send("/start")

    await bot.set_webhook(URL, drop_pending_updates=True)
    await api.user(READERS[0]).send("/help")
    await api.delivered()

    assert len(receiver.posts) == 1


async def test_handled_waits_for_a_bot_fed_by_its_webhook(api):
    """`FakeBotApi.handled` with a webhook set: the updates are posted and answered, and
    the bot has handled them (its replies sent)."""

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await asyncio.sleep(0.05)  # a handler that takes a moment after the 200
        await update.effective_chat.send_message("Hello!")

    application = Application.builder().token(api.token).base_url(api.base_url).build()
    application.add_handler(CommandHandler("start", start))

    async def take(request: web.Request) -> web.Response:
        # As a bot's webhook server does: queue the update, answer at once.
        update = Update.de_json(json.loads(await request.read()), application.bot)
        await application.update_queue.put(update)
        return web.Response()

    server = web.Application()
    server.router.add_post("/telegram/kopir", take)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    api.route_webhook("kopir.test", f"http://127.0.0.1:{runner.addresses[0][1]}")
    api.attach(application)
    try:
        async with application:
            await application.start()
            await application.bot.set_webhook(URL)
            reader = api.user(READERS[0])
            await reader.send("/start")

            await api.handled()

            assert [m["text"] for m in reader.messages] == ["Hello!"]
            await application.stop()
    finally:
        await runner.cleanup()
