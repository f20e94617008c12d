"""The fake Bot API's /_fake/ endpoints and flood control, as a benchmark in another
process uses them: over HTTP, with PTB's Bot on the other side."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Forbidden, RetryAfter

from bot.sandbox.fakeapi import FakeBotApi

READERS = [2001, 2002, 2003]


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def http():
    async with aiohttp.ClientSession() as session:
        yield session


async def post(http: aiohttp.ClientSession, api: FakeBotApi, path: str, body: dict) -> dict:
    async with http.post(f"{api.url}/_fake/{path}", json=body) as response:
        assert response.status == 200
        return await response.json()


async def stats(http: aiohttp.ClientSession, api: FakeBotApi, query: str = "") -> dict:
    async with http.get(f"{api.url}/_fake/stats{query}") as response:
        return await response.json()


async def test_users_endpoint_opens_chats_and_blocks_some(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        answer = await post(http, api, "users", {"ids": READERS, "blocked": [2002]})
        await bot.send_message(2001, "Hello")

        with pytest.raises(Forbidden):
            await bot.send_message(2002, "Hello")

    assert (answer, api.users[2001].started, api.users[2002].blocked) == (
        {"users": 3}, True, True
    )


async def test_stats_count_sends_by_outcome_and_chat(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": READERS, "blocked": [2003]})
        await bot.send_message(2001, "one")
        await bot.send_message(2001, "again")
        await bot.send_message(2002, "two", allow_paid_broadcast=True)
        with pytest.raises(Forbidden):
            await bot.send_message(2003, "three")

        counted = await stats(http, api, "?chats=1&timeline=1")

    picked = {key: counted[key] for key in (
        "delivered", "blocked", "accepted", "paid", "chats_reached", "duplicates", "in_flight",
        "max_in_flight", "chats",
    )}
    assert picked == {
        "delivered": 3, "blocked": 1, "accepted": 4, "paid": 1, "chats_reached": 2,
        "duplicates": 1, "in_flight": 0, "max_in_flight": 1, "chats": {"2001": 2, "2002": 1},
    }
    assert [outcome for _, outcome in counted["timeline"]] == [
        "delivered", "delivered", "delivered", "blocked"
    ]
    assert counted["first_accepted"] < counted["last_accepted"] <= counted["now"]


async def test_stats_leave_out_chats_unless_asked(http):
    async with FakeBotApi() as api:
        counted = await stats(http, api)

    assert ("chats" in counted, "timeline" in counted, counted["first_accepted"]) == (
        False, False, None
    )


async def test_press_times_the_bots_answer(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": [2001], "blocked": []})
        press = asyncio.create_task(
            post(http, api, "press", {"user_id": 2001, "data": "ev:card:3"})
        )
        updates = []
        while not updates:
            updates = await bot.get_updates(timeout=1)
        query = updates[0].callback_query
        await asyncio.sleep(0.1)
        await query.answer()
        answer = await press

    assert (query.data, query.message.text, answer["query_id"]) == ("ev:card:3", "Kopir", query.id)
    assert 0.1 <= answer["seconds"] < 1.0


async def test_press_presses_on_the_bots_newest_text_message(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": [2001], "blocked": []})
        sent = await bot.send_message(2001, "The card")
        answer = await post(
            http, api, "press", {"user_id": 2001, "data": "ev:card:3", "timeout": 0.2}
        )
        updates = await bot.get_updates(timeout=0)

    assert (updates[0].callback_query.message.message_id, answer["seconds"]) == (
        sent.message_id, None
    )


async def test_limits_let_paid_sends_past_the_free_rate(http):
    api = FakeBotApi(enforce_limits=True, global_rate=2, paid_rate=4)
    async with api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": list(range(2001, 2008)), "blocked": []})
        await bot.send_message(2001, "free")
        await bot.send_message(2002, "free")
        with pytest.raises(RetryAfter):
            await bot.send_message(2003, "free")
        await bot.send_message(2004, "paid", allow_paid_broadcast=True)
        await bot.send_message(2005, "paid", allow_paid_broadcast=True)
        with pytest.raises(RetryAfter) as raised:
            await bot.send_message(2006, "paid", allow_paid_broadcast=True)
        counted = await stats(http, api)

    assert (counted["delivered"], counted["rejected_429"], raised.value.retry_after) == (
        4, 2, dt.timedelta(seconds=1)
    )


async def test_limits_count_a_send_to_a_blocked_chat(http):
    api = FakeBotApi(enforce_limits=True, global_rate=1)
    async with api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": [2001, 2002], "blocked": [2001]})
        with pytest.raises(Forbidden):
            await bot.send_message(2001, "to a reader who blocked the bot")

        with pytest.raises(RetryAfter):
            await bot.send_message(2002, "over the limit")
