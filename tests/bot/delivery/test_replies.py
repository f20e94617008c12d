"""Replies to readers while the engine sends: they take their slot before announcements, keep
to a message a second in their chat, are sent again after a 429's retry_after (the reader
never sees an error for it), and the sender starts at once when the bot does."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from telegram.error import BadRequest, RetryAfter

from bot.delivery.engine import ReplyMeter, send_due
from bot.delivery.ratelimit import RateLimiter
from bot.sandbox.fakeapi.users import text_of
from storage.models import NotificationStatus
from tests.bot.delivery.test_broadcasts import readers_with_chats
from tests.bot.delivery.test_engine import ctx_of, running
from tests.bot.delivery.test_order import until_sent
from tests.bot.delivery.test_ratelimit import SteppedTime, stepped_limiter
from tests.factories import NOW, make_event
from tests.services.engine_factories import add_broadcast, broadcast_rows

AUDIENCE = list(range(601, 661))
ASKING = [501, 502, 503, 504, 505]
WENT_WRONG = "Sorry, something went wrong"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns while building RetryAfter unless opted in; tests turn warnings into errors.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    """No repeating tick to speak of: runs come from start-up, wakes and the tests."""
    return replace(settings, sender_interval_seconds=3600)


def listed(message: dict) -> bool:
    """The reply to /events, listing the event (in whichever language the reader has)."""
    return "2026" in text_of(message) and WENT_WRONG not in text_of(message)


def flood(seconds: int) -> RetryAfter:
    return RetryAfter(timedelta(seconds=seconds))


# --- ReplyMeter on a stepped clock ------------------------------------------------------------


class Telegram:
    """A callback standing for the HTTP call: answers with the given errors, then "ok"."""

    def __init__(self, clock: SteppedTime, *errors: Exception) -> None:
        self.clock = clock
        self.errors = list(errors)
        self.calls: list[float] = []

    async def __call__(self) -> str:
        self.calls.append(self.clock.now)
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def meter_on(limiter: RateLimiter, **options) -> ReplyMeter:
    meter = ReplyMeter(**options)
    meter.limiter = limiter
    return meter


def reply(meter: ReplyMeter, telegram: Telegram, chat_id: int = 501,
          endpoint: str = "sendMessage") -> asyncio.Task:
    return asyncio.create_task(meter.process_request(
        telegram, (), {}, endpoint, {"chat_id": chat_id, "text": "hi"}, None))


async def test_reply_refused_with_429_is_sent_again_after_retry_after():
    clock = SteppedTime()
    limiter = stepped_limiter(clock)
    telegram = Telegram(clock, flood(3))

    task = reply(meter_on(limiter), telegram)
    await clock.run(task)

    assert task.result() == "ok"
    assert telegram.calls == [0.0, 3.0]


async def test_reply_refused_with_429_pauses_bulk_sends_too():
    clock = SteppedTime()
    limiter = stepped_limiter(clock)
    telegram = Telegram(clock, flood(2))
    bulk_sent: list[float] = []

    async def bulk() -> None:
        await clock.sleep(0.5)  # a bulk send comes while the reply waits out its 429
        await limiter.acquire(777)
        bulk_sent.append(clock.now)

    await clock.run(reply(meter_on(limiter), telegram), asyncio.create_task(bulk()))

    # The reply goes again when the pause ends, before the bulk send that waited too.
    assert telegram.calls == [0.0, 2.0]
    assert [round(t, 6) for t in bulk_sent] == [round(2 + 1 / 30, 6)]


async def test_reply_retries_are_bounded():
    clock = SteppedTime()
    telegram = Telegram(clock, *(flood(1) for _ in range(5)))

    task = reply(meter_on(stepped_limiter(clock), max_retries=2), telegram)
    with pytest.raises(RetryAfter):
        await clock.run(task)

    assert len(telegram.calls) == 3


async def test_reply_is_not_retried_when_telegram_asks_for_a_long_wait():
    clock = SteppedTime()
    telegram = Telegram(clock, flood(600))

    task = reply(meter_on(stepped_limiter(clock)), telegram)
    with pytest.raises(RetryAfter):
        await clock.run(task)

    assert telegram.calls == [0.0]


async def test_other_errors_are_not_retried():
    clock = SteppedTime()
    telegram = Telegram(clock, BadRequest("Message is too long"))

    task = reply(meter_on(stepped_limiter(clock)), telegram)
    with pytest.raises(BadRequest):
        await clock.run(task)

    assert telegram.calls == [0.0]


async def test_replies_into_one_chat_wait_their_second_and_others_go_at_once():
    clock = SteppedTime()
    meter = meter_on(stepped_limiter(clock))
    telegram = Telegram(clock)

    await clock.run(reply(meter, telegram, 501), reply(meter, telegram, 501),
                    reply(meter, telegram, 502))

    assert [round(t, 6) for t in telegram.calls] == [0.0, round(1 / 30, 6), 1.0]


async def test_answers_and_edits_take_no_slot_and_never_wait():
    clock = SteppedTime()
    limiter = stepped_limiter(clock)
    limiter.pause(5)
    meter = meter_on(limiter)
    telegram = Telegram(clock)

    await clock.run(reply(meter, telegram, 501, "answerCallbackQuery"),
                    reply(meter, telegram, 501, "editMessageText"))

    assert telegram.calls == [0.0, 0.0]


# --- end to end: the real Application, the fake Bot API enforcing Telegram's limits -----------


@pytest.mark.http
async def test_readers_commands_during_a_broadcast_are_answered_under_telegrams_limits(
    settings, clock, database, catalogs, fake_api
):
    fake_api.enforce_limits = True  # 30/s for the bot, 1/s per chat, 429 beyond
    make_event(database, starts_at=NOW + timedelta(days=3))
    readers_with_chats(fake_api, database, AUDIENCE)
    asking = {user_id: fake_api.user(user_id, language_code="en") for user_id in ASKING}
    broadcast = add_broadcast(database, AUDIENCE)

    async with running(settings, clock, database, catalogs,
            delivery=True, fake_api=fake_api, http=True) as application:
        # The start-up run is sending the broadcast (60 messages, two seconds at 30/s).
        await until_sent(fake_api, 15)
        for user in asking.values():
            await user.send("/events")
        replies = [await user.next_message(timeout=10) for user in asking.values()]
        await send_due(application, ctx_of(application))  # waits for the run going on

    assert all(listed(message) for message in replies)
    for user_id in ASKING:
        calls = fake_api.calls("sendMessage", chat_id=user_id)
        assert [call.status for call in calls] == [200], user_id
        assert not any(WENT_WRONG in call.params.get("text", "") for call in calls)
    assert [call for call in fake_api.calls("sendMessage") if call.status == 429] == []
    rows = broadcast_rows(database, broadcast.id)
    assert {row.status for row in rows.values()} == {NotificationStatus.SENT}


@pytest.mark.http
async def test_reply_refused_once_by_flood_control_reaches_the_reader(
    settings, clock, database, catalogs, fake_api
):
    make_event(database, starts_at=NOW + timedelta(days=3))
    user = fake_api.user(501, language_code="en")
    fake_api.fail_next("sendMessage", chat_id=501, retry_after=1)

    async with running(settings, clock, database, catalogs,
            delivery=True, fake_api=fake_api, http=True):
        await user.send("/events")
        message = await user.next_message(timeout=5)

    assert listed(message)
    refused, sent = fake_api.calls("sendMessage", chat_id=501)
    assert (refused.status, sent.status) == (429, 200)
    assert sent.at - refused.at >= 1.0
    assert len(user.messages) == 1  # the events list, and no "something went wrong"


@pytest.mark.http
async def test_replies_into_one_chat_keep_to_one_a_second_under_a_strict_limit(
    settings, clock, database, catalogs, fake_api
):
    fake_api.enforce_limits = True
    make_event(database, starts_at=NOW + timedelta(days=3))
    user = fake_api.user(501, language_code="en")

    async with running(settings, clock, database, catalogs,
            delivery=True, fake_api=fake_api, http=True):
        for _ in range(3):
            await user.send("/events")
        messages = [await user.next_message(timeout=5) for _ in range(3)]

    assert all(listed(message) for message in messages)
    calls = fake_api.calls("sendMessage", chat_id=501)
    assert [call.status for call in calls] == [200, 200, 200]
    gaps = [later.at - earlier.at for earlier, later in zip(calls, calls[1:], strict=False)]
    assert min(gaps) >= 0.99


@pytest.mark.http
async def test_sender_starts_at_once_after_start_up(settings, clock, database, catalogs, fake_api):
    users = readers_with_chats(fake_api, database, [501, 502, 503])
    broadcast = add_broadcast(database, [501, 502, 503])  # rows the last process left pending

    async with running(settings, clock, database, catalogs,
            delivery=True, fake_api=fake_api, http=True):
        # The repeating tick is an hour away: only the run at start-up can send these.
        messages = [await user.next_message(timeout=3) for user in users.values()]

    assert [text_of(message) for message in messages] == ["Registration is open!"] * 3
    rows = broadcast_rows(database, broadcast.id)
    assert {row.status for row in rows.values()} == {NotificationStatus.SENT}
