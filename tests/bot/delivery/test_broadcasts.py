"""The engine with broadcast rows, end to end over HTTP: each of Telegram's answers, the
time-outs that may or may not have delivered, paid sending, pause and cancel."""

from __future__ import annotations

import asyncio
import socket
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import timedelta

import pytest
from telegram import Bot

from bot.core.context import AppContext
from bot.delivery.engine import send_due
from bot.delivery.http import AiohttpRequest
from bot.sandbox.fakeapi.users import text_of
from bot.services import outbox_settle
from bot.services.notifications import enqueue_notice
from storage.backup import backup, restore
from storage.broadcast_models import Broadcast, BroadcastStatus
from storage.models import NotificationKind, NotificationStatus
from tests.bot.delivery.test_engine import ctx_of, running
from tests.factories import NOW, make_event
from tests.services.engine_factories import (
    add_broadcast,
    add_readers,
    broadcast_rows,
    set_broadcast_status,
)

READERS = [501, 502, 503]


@pytest.fixture
async def app(settings, clock, database, catalogs, fake_api):  # noqa: ANN001, ANN201
    """The real Application without its scheduled sender: tests call `send_due` themselves."""
    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        yield application


def open_chats(fake_api, ids: list[int], language: str = "en") -> dict:
    """Readers who have opened the bot (the fake API lets the bot write to them)."""
    users = {}
    for user_id in ids:
        users[user_id] = fake_api.user(user_id, language_code=language)
        users[user_id].started = True
    return users


def readers_with_chats(fake_api, database, ids=READERS, language="en") -> dict:
    add_readers(database, ids, language)
    return open_chats(fake_api, ids, language)


def texts_in(user) -> list[str]:
    return [text_of(message) for message in user.messages]


def statuses(database, broadcast_id) -> dict[int, str]:
    return {user_id: row.status for user_id, row in sorted(broadcast_rows(database, broadcast_id)
                                                           .items())}


@asynccontextmanager
async def bare_bot(fake_api, *, base_url: str | None = None, read_timeout: float = 5.0):
    """A Bot of its own for `send_due` (as a tool would use it), on the engine's client."""
    request = AiohttpRequest(8, read_timeout=read_timeout)
    await request.initialize()
    try:
        yield Bot(fake_api.token, base_url=base_url or fake_api.base_url, request=request,
                  get_updates_request=request)
    finally:
        await request.shutdown()


async def test_broadcast_reaches_each_reader_once_in_their_language(
    app, fake_api, database, clock
):
    users = readers_with_chats(fake_api, database, [501, 502])
    users.update(readers_with_chats(fake_api, database, [503], language="ru"))
    broadcast = add_broadcast(database, READERS)

    report = await send_due(app, ctx_of(app))

    assert {user_id: texts_in(user) for user_id, user in users.items()} == {
        501: ["Registration is open!"], 502: ["Registration is open!"],
        503: ["Регистрация открыта!"]}
    rows = broadcast_rows(database, broadcast.id)
    assert {user_id: (row.status, row.telegram_message_id) for user_id, row in rows.items()} == {
        user_id: (NotificationStatus.SENT, users[user_id].messages[-1]["message_id"])
        for user_id in READERS}
    assert report.sent == 3


async def test_broadcast_is_marked_done_once_every_row_is_settled(app, fake_api, database, clock):
    readers_with_chats(fake_api, database)
    broadcast = add_broadcast(database, READERS)

    await send_due(app, ctx_of(app))

    with database.uow() as uow:
        stored = uow.session.get(Broadcast, broadcast.id)
        assert (stored.status, stored.finished_at) == (BroadcastStatus.DONE, clock.now())


async def test_flood_control_stops_every_send_for_retry_after_then_sends_once(
    app, fake_api, database, clock
):
    users = readers_with_chats(fake_api, database)
    broadcast = add_broadcast(database, READERS)
    fake_api.fail_next("sendMessage", chat_id=501, error_code=429, retry_after=1)

    report = await send_due(app, ctx_of(app))

    first, *then = fake_api.calls("sendMessage")
    # Nothing went out in the second after the 429; then each chat once (in whichever order
    # the chats' own one-a-second allows on a busy machine).
    assert ((first.chat_id, first.status), sorted((call.chat_id, call.status) for call in then)
            ) == ((501, 429), [(501, 200), (502, 200), (503, 200)])
    assert then[0].at - first.at >= 1.0
    assert [len(user.messages) for user in users.values()] == [1, 1, 1]
    assert statuses(database, broadcast.id) == dict.fromkeys(READERS, NotificationStatus.SENT)
    assert broadcast_rows(database, broadcast.id)[501].attempts == 1
    assert (report.sent, report.retried, report.failed) == (3, 0, 0)


async def test_reader_who_blocked_the_bot_is_marked_and_skipped_later(
    app, fake_api, database, clock
):
    users = readers_with_chats(fake_api, database)
    users[502].blocked = True
    first = add_broadcast(database, READERS)

    report = await send_due(app, ctx_of(app))
    second = add_broadcast(database, READERS)
    await send_due(app, ctx_of(app))

    assert report.blocked == 1
    assert [call.status for call in fake_api.calls("sendMessage", chat_id=502)] == [403]
    assert statuses(database, first.id)[502] == NotificationStatus.BLOCKED
    assert statuses(database, second.id)[502] == NotificationStatus.BLOCKED
    with database.uow() as uow:
        assert uow.users.get(502).blocked_at == clock.now()


async def test_deleted_account_chat_not_found_is_marked_blocked(app, fake_api, database, clock):
    readers_with_chats(fake_api, database, [501, 502])
    add_readers(database, [503])  # in our database, but the account is gone
    broadcast = add_broadcast(database, READERS)

    report = await send_due(app, ctx_of(app))

    assert [(call.status, call.description)
            for call in fake_api.calls("sendMessage", chat_id=503)] == [
        (400, "Bad Request: chat not found")]
    assert (report.sent, report.blocked) == (2, 1)
    assert statuses(database, broadcast.id)[503] == NotificationStatus.BLOCKED
    with database.uow() as uow:
        assert uow.users.get(503).blocked_at == clock.now()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_connection_refused_is_retried_with_backoff(fake_api, database, clock, settings,
                                                          catalogs):
    readers_with_chats(fake_api, database, [501])
    broadcast = add_broadcast(database, [501])
    ctx = ctx_for(settings, database, catalogs, clock)

    async with bare_bot(fake_api, base_url=f"http://127.0.0.1:{closed_port()}/bot") as bot:
        report = await send_due(bot, ctx)

    row = broadcast_rows(database, broadcast.id)[501]
    assert (row.status, row.attempts, row.next_attempt_at) == (
        NotificationStatus.PENDING, 1, clock.now() + outbox_settle.FIRST_RETRY_DELAY)
    assert row.last_error.startswith("NetworkError('aiohttp.ClientConnectorError")
    assert report.retried == 1

    clock.advance(outbox_settle.FIRST_RETRY_DELAY)
    async with bare_bot(fake_api) as bot:
        await send_due(bot, ctx)
    assert statuses(database, broadcast.id) == {501: NotificationStatus.SENT}


def ctx_for(settings, database, catalogs, clock) -> AppContext:
    return AppContext(settings=settings, database=database, catalogs=catalogs, clock=clock)


async def test_read_timeout_makes_an_announcement_uncertain_and_it_is_not_resent(
    fake_api, database, clock, settings, catalogs
):
    users = readers_with_chats(fake_api, database)
    broadcast = add_broadcast(database, READERS)
    fake_api.delay_next("sendMessage", 1.0, chat_id=502)
    ctx = ctx_for(settings, database, catalogs, clock)

    async with bare_bot(fake_api, read_timeout=0.3) as bot:
        report = await send_due(bot, ctx)
        clock.advance(timedelta(hours=1))
        later = await send_due(bot, ctx)

    # Telegram did take it: the reader has it once, and the row says we cannot know.
    assert [len(user.messages) for user in users.values()] == [1, 1, 1]
    assert statuses(database, broadcast.id) == {
        501: NotificationStatus.SENT, 502: NotificationStatus.UNCERTAIN,
        503: NotificationStatus.SENT}
    assert broadcast_rows(database, broadcast.id)[502].last_error.startswith("TimedOut(")
    assert (report.sent, report.uncertain, later.sent) == (2, 1, 0)


@pytest.mark.http
async def test_connection_cut_after_sending_makes_an_announcement_uncertain(
    settings, clock, database, catalogs, fake_api
):
    """Over HTTP: what the aiohttp client makes of a connection cut after the request."""
    users = readers_with_chats(fake_api, database)
    broadcast = add_broadcast(database, READERS)
    fake_api.drop_connection_next("sendMessage", chat_id=503, deliver=True)

    async with running(settings, clock, database, catalogs, delivery=False, fake_api=fake_api,
                       http=True) as app:
        report = await send_due(app, ctx_of(app))
        clock.advance(timedelta(hours=1))
        await send_due(app, ctx_of(app))

    assert [len(user.messages) for user in users.values()] == [1, 1, 1]
    assert statuses(database, broadcast.id)[503] == NotificationStatus.UNCERTAIN
    assert broadcast_rows(database, broadcast.id)[503].last_error.startswith(
        "NetworkError('aiohttp.ServerDisconnectedError")
    assert report.uncertain == 1


async def test_read_timeout_of_a_reminder_sends_it_again(
    fake_api, database, clock, settings, catalogs
):
    users = readers_with_chats(fake_api, database, [501])
    event = make_event(database, starts_at=NOW + timedelta(days=1), cancelled_at=NOW)
    with database.uow() as uow:
        enqueue_notice(uow, NotificationKind.EVENT_CANCELLED, uow.events.get(event.id), 501,
                       NOW, occasion="1")
        uow.commit()
    fake_api.delay_next("sendMessage", 1.0, chat_id=501)
    ctx = ctx_for(settings, database, catalogs, clock)

    async with bare_bot(fake_api, read_timeout=0.3) as bot:
        report = await send_due(bot, ctx)
        with database.uow() as uow:
            row = uow.notifications.by_key(f"event_cancelled:{event.id}:501:1")
        clock.advance(outbox_settle.FIRST_RETRY_DELAY)
        await send_due(bot, ctx)

    # Missing a cancellation costs more than reading it twice.
    assert (report.retried, row.status, row.next_attempt_at) == (
        1, NotificationStatus.PENDING, NOW + outbox_settle.FIRST_RETRY_DELAY)
    assert len(users[501].messages) == 2


async def test_paid_broadcast_asks_for_paid_sending_only_when_enabled(
    settings, clock, database, catalogs, fake_api
):
    readers_with_chats(fake_api, database, [501, 502])
    add_broadcast(database, [501], paid=True)
    paid_on = replace(settings, paid_broadcasts=True)
    async with running(paid_on, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        await send_due(application, ctx_of(application))
    add_broadcast(database, [502], paid=True)
    async with running(settings, clock, database, catalogs,
            delivery=False, fake_api=fake_api) as application:
        await send_due(application, ctx_of(application))

    assert [call.params.get("allow_paid_broadcast") for call in fake_api.calls("sendMessage")
            ] == [True, None]


async def test_paused_broadcast_waits_and_goes_on_when_resumed(app, fake_api, database, clock):
    users = readers_with_chats(fake_api, database)
    broadcast = add_broadcast(database, READERS, status=BroadcastStatus.PAUSED)

    paused = await send_due(app, ctx_of(app))
    held = statuses(database, broadcast.id)
    set_broadcast_status(database, broadcast.id, BroadcastStatus.RUNNING)
    resumed = await send_due(app, ctx_of(app))

    assert (paused.sent, held) == (0, dict.fromkeys(READERS, NotificationStatus.PENDING))
    assert resumed.sent == 3
    assert [len(user.messages) for user in users.values()] == [1, 1, 1]


async def test_cancelled_broadcast_rows_are_not_sent(app, fake_api, database, clock):
    users = readers_with_chats(fake_api, database)
    broadcast = add_broadcast(database, READERS)
    set_broadcast_status(database, broadcast.id, BroadcastStatus.CANCELLED)

    report = await send_due(app, ctx_of(app))

    assert (report.sent, report.cancelled) == (0, 3)
    assert [len(user.messages) for user in users.values()] == [0, 0, 0]
    assert statuses(database, broadcast.id) == dict.fromkeys(READERS, NotificationStatus.CANCELLED)


async def test_backup_taken_while_a_broadcast_goes_out_restores_what_it_held(
    settings, clock, storage, catalogs, fake_api, empty_url, tmp_path
):
    crowd = list(range(700, 740))
    users = readers_with_chats(fake_api, storage, crowd)
    add_broadcast(storage, crowd)
    url = storage.engine.url.render_as_string(hide_password=False)

    async with running(settings, clock, storage, catalogs,
                       delivery=False, fake_api=fake_api) as app:
        sending = asyncio.create_task(send_due(app, ctx_of(app)))
        await users[crowd[0]].next_message()  # the announcements are going out (30/s: 1.3 s)
        manifest = await asyncio.to_thread(backup, url, tmp_path / "kopir.backup")
        report = await sending
    restored = await asyncio.to_thread(restore, tmp_path / "kopir.backup", empty_url)

    assert (restored, report.sent) == (manifest.counts, len(crowd))
    assert manifest.counts["notifications"] == len(crowd)
