"""The fake Bot API's /_fake/ endpoints and flood control, as a benchmark in another
process uses them: over HTTP, with PTB's Bot on the other side."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
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


async def test_chat_shows_the_bots_messages_and_every_event_in_order(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": [2001], "blocked": []})
        card = await bot.send_message(2001, "The card", reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("Register", callback_data="ev:reg:3")]]))
        await bot.edit_message_text("The card, edited", chat_id=2001, message_id=card.message_id)
        waiting = asyncio.create_task(
            http.get(f"{api.url}/_fake/chat?user_id=2001&events=3&timeout=5"))
        await bot.send_message(2001, "Thank you")
        async with await waiting as response:
            chat = await response.json()

    assert [(e["kind"], e["message_id"], e["text"]) for e in chat["events"]] == [
        ("sent", card.message_id, "The card"), ("edited", card.message_id, "The card, edited"),
        ("sent", card.message_id + 1, "Thank you"),
    ]
    assert chat["events"][0]["buttons"] == [[{"text": "Register", "data": "ev:reg:3"}]]
    assert ([m["text"] for m in chat["messages"]], chat["timed_out"]) == (
        ["The card, edited", "Thank you"], False)


async def test_chat_says_when_the_events_waited_for_did_not_come(http):
    async with FakeBotApi() as api:
        await post(http, api, "users", {"ids": [2001], "blocked": []})
        async with http.get(f"{api.url}/_fake/chat?user_id=2001&events=1&timeout=0.05") as got:
            chat = await got.json()

    assert (chat["events"], chat["timed_out"]) == ([], True)


async def test_press_and_send_without_waiting_name_the_update(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": [2001], "blocked": []})
        first = await bot.send_message(2001, "First")
        await bot.send_message(2001, "Second")
        pressed = await post(http, api, "press", {"user_id": 2001, "data": "pick:1",
                                                 "message_id": first.message_id, "wait": False})
        sent = await post(http, api, "send", {"user_id": 2001, "text": "hi", "wait": False})
        updates = await bot.get_updates(timeout=0)

    assert (updates[0].callback_query.id, updates[0].callback_query.message.message_id) == (
        pressed["query_id"], first.message_id)
    assert (updates[1].update_id, updates[1].message.text) == (sent["update_id"], "hi")


async def test_wait_delivered_returns_once_enough_chats_are_reached(http):
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot:
        await post(http, api, "users", {"ids": READERS, "blocked": []})
        waiting = asyncio.create_task(post(http, api, "wait_delivered",
                                           {"chat_ids": READERS, "count": 2, "timeout": 5}))
        await bot.send_message(2001, "one")
        await bot.send_message(2003, "two")
        reached = await waiting
        missed = await post(http, api, "wait_delivered", {"chat_ids": READERS, "timeout": 0.05})

    assert (reached, missed) == ({"reached": 2, "missing": [2002]},
                                 {"reached": 2, "missing": [2002]})


async def test_sends_are_told_apart_by_the_callers_via_name(http):
    async with FakeBotApi() as api:
        await post(http, api, "users", {"ids": READERS, "blocked": []})
        for via, reader in (("kopir-0", 2001), ("kopir-1", 2002), ("kopir-1", 2003)):
            async with Bot(api.token, base_url=f"{api.url}/via/{via}/bot") as bot:
                await bot.send_message(reader, "Hello")
        counted = await stats(http, api, "?sends=1&senders=1")
        plain = await stats(http, api, "?sends=1")

    assert counted["sent_by"] == {"kopir-0": 1, "kopir-1": 2}
    assert [send[2:4] for send in counted["sends"]] == [
        [2001, "kopir-0"], [2002, "kopir-1"], [2003, "kopir-1"]]
    assert all(taken <= answered for answered, *_, taken in counted["sends"])
    assert [len(send) for send in plain["sends"]] == [3, 3, 3]


async def test_webhook_endpoint_waits_until_every_update_is_taken(http):
    async def take(request: web.Request) -> web.Response:
        return web.Response()

    server = web.Application()
    server.router.add_post("/hook", take)
    runner = web.AppRunner(server)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        api = FakeBotApi(webhook_routes={"kopir.test": f"http://127.0.0.1:{runner.addresses[0][1]}"})
        async with api, Bot(api.token, base_url=api.base_url) as bot:
            await bot.set_webhook("https://kopir.test/hook", max_connections=3)
            await post(http, api, "users", {"ids": READERS, "blocked": []})
            for reader in READERS:
                await post(http, api, "send", {"user_id": reader, "text": "/start", "wait": False})
            async with http.get(f"{api.url}/_fake/webhook?wait=5") as response:
                webhook = await response.json()
    finally:
        await runner.cleanup()

    assert {key: webhook[key] for key in ("url", "max_connections", "pending", "delivered",
                                          "all_delivered")} == {
        "url": "https://kopir.test/hook", "max_connections": 3, "pending": 0, "delivered": 3,
        "all_delivered": True}


async def test_wait_call_returns_once_the_named_caller_has_set_its_webhook(http):
    async with FakeBotApi() as api:
        waiting = asyncio.create_task(post(http, api, "wait_call", {
            "method": "setwebhook", "via": "kopir-1", "count": 1, "timeout": 5}))
        async with Bot(api.token, base_url=f"{api.url}/via/kopir-0/bot") as other:
            await other.set_webhook("https://kopir.test/hook")
        async with Bot(api.token, base_url=f"{api.url}/via/kopir-1/bot") as bot:
            await bot.set_webhook("https://kopir.test/hook")
        answered = await waiting
        timed_out = await post(http, api, "wait_call", {
            "method": "setWebhook", "via": "kopir-1", "count": 2, "timeout": 0.05})

    assert (answered, timed_out) == ({"count": 1}, {"count": 1})
