"""The engine's order and its safety: readers' rows overtake a running broadcast, a busy
chat waits aside, big reminder batches start early, a restart goes on where the last run
stopped, and two senders on PostgreSQL share the work without sending a row twice."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.delivery.engine import send_due
from bot.sandbox.fakeapi.users import text_of
from bot.services import outbox
from bot.services.notifications import enqueue_notice, plan_reminders
from storage.db import make_engine
from storage.models import NotificationKind, NotificationStatus
from storage.uow import Database
from tests.bot.delivery.test_broadcasts import bare_bot, ctx_for, readers_with_chats
from tests.bot.delivery.test_engine import ctx_of, running
from tests.conftest import _reset_postgres, onboard
from tests.conftest import postgres_url as worker_postgres_url
from tests.factories import NOW, make_event
from tests.services.engine_factories import add_broadcast, broadcast_rows

BROADCAST_READERS = list(range(601, 641))


def notice(database, event, user_id: int, occasion: str) -> str:
    """A reader's notice in plain text (sendMessage): a new join link. (A promotion's
    comes as a document, with the .ics.)"""
    with database.uow() as uow:
        enqueue_notice(uow, NotificationKind.EVENT_CHANGED, uow.events.get(event.id), user_id,
                       NOW, occasion=occasion, payload={"changes": ["link"]})
        uow.commit()
    return f"event_changed:{event.id}:{user_id}:{occasion}"


def sent_chats(fake_api) -> list[int]:
    return [call.chat_id for call in fake_api.calls("sendMessage") if call.status == 200]


async def until_sent(fake_api, count: int) -> None:
    for _ in range(200):
        if len(sent_chats(fake_api)) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} messages went out")


async def test_readers_notice_overtakes_a_running_broadcast(
    settings, clock, database, catalogs, fake_api
):
    readers_with_chats(fake_api, database, BROADCAST_READERS + [900])
    add_broadcast(database, BROADCAST_READERS)
    event = make_event(database, starts_at=NOW + timedelta(days=1))
    slow = replace(settings, send_rate=10)  # claims of 10, about a second's worth

    async with running(slow, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        run = asyncio.create_task(send_due(application, ctx_of(application)))
        await until_sent(fake_api, 5)
        notice(database, event, 900, "1")
        report = await run

    order = sent_chats(fake_api)
    # Claimed at the next claim (one is always a second's worth ahead, so at most two
    # behind) and put before the broadcast rows queued then: not behind all 40.
    assert 5 <= order.index(900) <= 18
    assert (len(order), report.sent) == (41, 41)


async def test_busy_chat_waits_aside_while_other_chats_go_on(app, fake_api, database, clock):
    readers_with_chats(fake_api, database, [501] + BROADCAST_READERS[:9])
    event = make_event(database, starts_at=NOW + timedelta(days=1))
    notice(database, event, 501, "1")
    notice(database, event, 501, "2")
    add_broadcast(database, BROADCAST_READERS[:9])

    await send_due(app, ctx_of(app))

    calls = [call for call in fake_api.calls("sendMessage") if call.status == 200]
    to_501 = [index for index, call in enumerate(calls) if call.chat_id == 501]
    assert to_501 == [0, 10]
    assert calls[10].at - calls[0].at >= 1.0


@pytest.fixture
async def app(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        yield application


async def test_large_reminder_batch_starts_early_enough_to_end_on_time(
    settings, clock, database, catalogs, fake_api
):
    readers = list(range(701, 709))
    users = readers_with_chats(fake_api, database, readers)
    event = make_event(database, starts_at=NOW + timedelta(days=1), reminder_offsets=[60])
    with database.uow() as uow:
        for user_id in readers:
            plan_reminders(uow, uow.events.get(event.id), user_id, NOW)
        uow.commit()
    due = event.starts_at - timedelta(hours=1)
    # 8 reminders at 4/s take 2 s, and the sender looks every second.
    four_a_second = replace(settings, send_rate=4, sender_interval_seconds=1)

    async with running(four_a_second, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as app:
        clock.set(due - timedelta(seconds=4))
        too_soon = await send_due(app, ctx_of(app))
        clock.set(due - timedelta(seconds=3))
        in_time = await send_due(app, ctx_of(app))

    assert (too_soon.sent, in_time.sent) == (0, 8)
    # Rendered as of their due time: "in 1 hour" is true when they arrive.
    assert {text_of(user.messages[0]).split("\n")[0] for user in users.values()} == {
        "⏰ «A model of the future» starts in 1 hour."}


async def test_restart_mid_broadcast_goes_on_without_sending_a_row_twice(
    settings, clock, database, catalogs, fake_api
):
    users = readers_with_chats(fake_api, database, BROADCAST_READERS[:30])
    broadcast = add_broadcast(database, BROADCAST_READERS[:30])
    slow = replace(settings, send_rate=10)

    async with running(slow, clock, database, catalogs, delivery=False, fake_api=fake_api) as first:
        run = asyncio.create_task(send_due(first, ctx_of(first)))
        await until_sent(fake_api, 10)
        run.cancel()  # the bot is stopped mid-broadcast
        with pytest.raises(asyncio.CancelledError):
            await run
    confirmed = {user_id: row.telegram_message_id
                 for user_id, row in broadcast_rows(database, broadcast.id).items()
                 if row.status == NotificationStatus.SENT}
    with database.uow() as uow:  # and a crashed process had claimed five more, unsent
        crashed = outbox.claim_due(uow, clock.now(), 5, owner="dead-process")
        uow.commit()

    async with running(slow, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as second:
        report = await send_due(second, ctx_of(second))

    assert len(confirmed) >= 10
    assert (len(crashed.claims), report.recovered) == (5, 5)
    assert report.sent == 30 - len(confirmed)
    assert Counter(len(user.messages) for user in users.values()) == {1: 30}
    rows = broadcast_rows(database, broadcast.id)
    assert {user_id: rows[user_id].telegram_message_id for user_id in confirmed} == confirmed
    assert {row.status for row in rows.values()} == {NotificationStatus.SENT}


@pytest.fixture
def postgres_url() -> str:
    url = worker_postgres_url()
    if not url:
        pytest.skip("KOPIR_TEST_DATABASE_URL is not set")
    _reset_postgres(url)
    return url


async def test_two_senders_on_postgresql_never_send_the_same_row(
    postgres_url, settings, clock, catalogs, fake_api
):
    databases = [Database(make_engine(postgres_url)) for _ in range(2)]
    recipients = list(range(801, 861))
    try:
        users = readers_with_chats(fake_api, databases[0], recipients)
        broadcast = add_broadcast(databases[0], recipients)
        contexts = [ctx_for(settings, database, catalogs, clock) for database in databases]

        async with bare_bot(fake_api) as first, bare_bot(fake_api) as second:
            reports = await asyncio.gather(
                send_due(first, contexts[0]), send_due(second, contexts[1]))
        rows = broadcast_rows(databases[0], broadcast.id)
    finally:
        for database in databases:
            database.dispose()

    assert Counter(len(user.messages) for user in users.values()) == {1: 60}
    assert sorted(report.sent for report in reports) == sorted(
        Counter(row.claimed_by for row in rows.values()).values())
    assert min(report.sent for report in reports) > 0
    assert sum(report.sent for report in reports) == 60
    # Telegram's 30 a second are the bot's: the two keep one pace through the database.
    assert most_in_a_second(fake_api) <= settings.send_rate
    assert [call for call in fake_api.calls("sendMessage") if call.status == 429] == []


def most_in_a_second(fake_api) -> int:
    """The most messages the fake Bot API took within any one second."""
    times = sorted(call.at for call in fake_api.calls("sendMessage") if call.status == 200)
    return max((sum(1 for later in times[i:] if later - start < 1.0)
                for i, start in enumerate(times)), default=0)


async def test_rows_of_a_sender_that_died_go_out_with_the_next_run_of_another(
    postgres_url, settings, clock, catalogs, fake_api
):
    database = Database(make_engine(postgres_url))
    recipients = list(range(861, 866))
    try:
        users = readers_with_chats(fake_api, database, recipients)
        async with running(settings, clock, database, catalogs,
                           delivery=False, fake_api=fake_api) as application:
            ctx = ctx_of(application)
            await send_due(application, ctx)  # the first run after start-up: nothing due
            broadcast = add_broadcast(database, recipients)
            with database.uow() as uow:
                # Claimed by a process that died at once: its lease is over already.
                outbox.claim_due(uow, clock.now(), 10, owner="dead",
                                 lease=timedelta(seconds=-1))
                uow.commit()
            report = await send_due(application, ctx)
        rows = broadcast_rows(database, broadcast.id)
    finally:
        database.dispose()

    assert (report.recovered, report.sent) == (5, 5)
    assert Counter(len(user.messages) for user in users.values()) == {1: 5}
    assert {row.status for row in rows.values()} == {NotificationStatus.SENT}


async def test_a_reply_to_a_reader_counts_so_the_engine_waits_its_second(
    settings, clock, database, catalogs, fake_api
):
    idle_job = replace(settings, sender_interval_seconds=3600)
    async with running(idle_job, clock, database, catalogs,
            delivery=True, fake_api=fake_api) as application:
        await onboard(fake_api, 501, "en")  # the bot answered: a picker, then a welcome
        event = make_event(database, starts_at=NOW + timedelta(days=1))
        notice(database, event, 501, "1")
        await send_due(application, ctx_of(application))

    sends = [call for call in fake_api.calls("sendMessage", chat_id=501) if call.status == 200]
    reply, from_outbox = sends[-2], sends[-1]
    assert text_of_call(from_outbox).startswith("✏️ «A model of the future» has changed.")
    assert from_outbox.at - reply.at >= 1.0


def text_of_call(call) -> str:
    return call.params.get("text", "")
