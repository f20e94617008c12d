"""The engine's HTTP client: PTB's error shapes, and whether a failed request can have
reached Telegram at all."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.delivery.http import AiohttpRequest, request_not_sent
from tests.bot.delivery.test_broadcasts import bare_bot, closed_port, open_chats

READER = 501


def caused_by(error: NetworkError, cause: BaseException) -> NetworkError:
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "not_sent"),
    [
        (caused_by(NetworkError("httpx.ConnectError: refused"), httpx.ConnectError("x")), True),
        (caused_by(TimedOut(), httpx.ConnectTimeout("x")), True),
        (caused_by(TimedOut("Pool timeout: ... *not* sent"), httpx.PoolTimeout("x")), True),
        (caused_by(TimedOut(), httpx.ReadTimeout("x")), False),
        (caused_by(TimedOut(), httpx.WriteTimeout("x")), False),
        (caused_by(NetworkError("httpx.RemoteProtocolError"), httpx.RemoteProtocolError("x")),
         False),
        (NetworkError("Unknown error in HTTP implementation"), False),
    ],
)
def test_errors_of_ptbs_own_client_say_whether_the_request_went_out(error, not_sent):
    assert request_not_sent(error) is not_sent


async def test_refused_connection_is_a_network_error_before_sending(fake_api):
    async with bare_bot(fake_api, base_url=f"http://127.0.0.1:{closed_port()}/bot") as bot:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(READER, "Hello")

    assert raised.value.message.startswith("aiohttp.ClientConnectorError")
    assert request_not_sent(raised.value) is True


async def test_read_timeout_is_timed_out_and_may_have_arrived(fake_api):
    user = open_chats(fake_api, [READER])[READER]
    fake_api.delay_next("sendMessage", 1.0)

    async with bare_bot(fake_api, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(READER, "Hello")

    assert request_not_sent(raised.value) is False
    assert len(user.messages) == 1


async def test_waiting_for_a_free_connection_times_out_before_sending(fake_api):
    user = open_chats(fake_api, [READER])[READER]
    fake_api.delay_next("sendMessage", 1.0)
    request = AiohttpRequest(1, connect_timeout=0.2)
    await request.initialize()
    try:
        bot = Bot(fake_api.token, base_url=fake_api.base_url, request=request,
                  get_updates_request=request)
        slow = asyncio.create_task(bot.send_message(READER, "first"))
        await asyncio.sleep(0.05)
        with pytest.raises(TimedOut) as raised:
            await bot.send_message(READER, "second")
        await slow
    finally:
        await request.shutdown()

    assert request_not_sent(raised.value) is True
    assert [message["text"] for message in user.messages] == ["first"]


async def test_slim_answers_keep_the_message_id_only(fake_api):
    open_chats(fake_api, [READER])
    full, slim = AiohttpRequest(2), AiohttpRequest(2, slim=True)
    for request in (full, slim):
        await request.initialize()
    try:
        messages = [
            await Bot(fake_api.token, base_url=fake_api.base_url, request=request,
                      get_updates_request=request).send_message(READER, "Hello")
            for request in (full, slim)
        ]
    finally:
        for request in (full, slim):
            await request.shutdown()

    assert [(m.message_id, m.chat.id, m.text) for m in messages] == [
        (messages[0].message_id, READER, "Hello"), (messages[1].message_id, READER, None)]
    assert messages[1].message_id == messages[0].message_id + 1
