"""Many readers at once through the real Application: seats, order, duplicates, a busy database."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.core.clock import ManualClock
from storage.db import make_engine
from storage.models import RegistrationStatus
from storage.uow import Database
from tests.conftest import onboard, running
from tests.factories import NOW, make_event, make_readers

READERS = 200
SEATS = 50
FIRST_READER = 50_001


class TickingClock(ManualClock):
    """Moves a millisecond every time it is read, as a real clock would between presses."""

    def now(self):  # noqa: ANN201
        self.advance(timedelta(milliseconds=1))
        return super().now()


@pytest.fixture
def clock() -> ManualClock:
    return TickingClock(NOW)


@pytest.fixture
def settings(settings):  # noqa: ANN001, ANN201
    """Confirmations of hundreds of readers go out without Telegram's 30 a second: the
    engine's pacing is tests/bot/delivery's, here only seats and order are."""
    return replace(settings, send_rate=1000.0)


@pytest.fixture
def database(storage: Database) -> Database:
    """The Application's database: SQLite, and PostgreSQL when the tests have one."""
    return storage


async def replies_until(user, prefix: str) -> list[str]:  # noqa: ANN001
    """The bot's messages in this chat up to the first starting with `prefix`."""
    texts = []
    while not (texts and texts[-1].startswith(prefix)):
        texts.append((await user.next_message(timeout=30)).get("text", ""))
    return texts


def registrations(database: Database, event_id: int, status: RegistrationStatus) -> list[int]:
    with database.uow() as uow:
        return [r.user_id for r in uow.registrations.for_event(event_id, status)]


async def press_all(users, data: str) -> list:  # noqa: ANN001
    """Every reader presses at once (in list order); returns the answers to the presses."""
    queries = [await user.press_data(1, data) for user in users]
    return await asyncio.gather(*(
        user.wait_callback_answer(query, timeout=60)
        for user, query in zip(users, queries, strict=True)
    ))


async def test_register_two_hundred_readers_at_once_fills_fifty_seats_in_press_order(
    bot_app, fake_api, database
):
    event = make_event(database, capacity=SEATS)
    ids = range(FIRST_READER, FIRST_READER + READERS)
    make_readers(database, ids)
    users = [fake_api.user(user_id) for user_id in ids]
    for user in users:
        user.started = True

    first_wave = await press_all(users, f"ev:reg:{event.id}")
    seated = set(registrations(database, event.id, RegistrationStatus.REGISTERED))
    # Those who found it full were offered the waiting list; they all accept at once.
    offered = [user for user in users if user.id not in seated]
    second_wave = await press_all(offered, f"ev:wait:{event.id}")

    assert (len(first_wave), len(seated), len(second_wave)) == (READERS, SEATS, READERS - SEATS)
    assert registrations(database, event.id, RegistrationStatus.WAITLISTED) == [
        user.id for user in offered
    ]


async def test_register_pressed_ten_times_in_a_second_registers_once(bot_app, fake_api, database):
    event = make_event(database, capacity=SEATS)
    make_readers(database, range(FIRST_READER, FIRST_READER + 1))
    user = fake_api.user(FIRST_READER)
    user.started = True

    for _ in range(10):
        await user.press_data(1, f"ev:reg:{event.id}")
    await user.send("/help")
    # One reader's updates are handled in order: the help comes after all ten presses.
    replies = await replies_until(user, "Welcome")

    confirmations = [text for text in replies if text.startswith("✅")]
    already = [text for text in replies if text.startswith("You are already registered")]
    assert registrations(database, event.id, RegistrationStatus.REGISTERED) == [FIRST_READER]
    assert (len(confirmations), len(already)) == (1, 9)


@pytest.mark.http
async def test_reader_order_each_readers_updates_answered_in_the_order_sent(bot_app_http, fake_api):
    users = [await onboard(fake_api, FIRST_READER + n) for n in range(5)]

    for user in users:
        for command in ("/my", "/help", "/events"):
            await user.send(command)
    for user in users:
        replies = [await user.next_message() for _ in range(3)]
        texts = [reply["text"] for reply in replies]
        assert (
            texts[0].startswith("You have no registrations"),
            "/events" in texts[1],
            texts[2].startswith("There are no upcoming events"),
        ) == (True, True, True)


async def test_reader_is_not_held_up_by_another_readers_slow_reply(bot_app, fake_api):
    slow, quick = await onboard(fake_api, FIRST_READER), await onboard(fake_api, FIRST_READER + 1)
    fake_api.delay_next("sendMessage", 3.0, chat_id=slow.id)

    await slow.send("/help")
    await quick.send("/help")
    started = time.monotonic()
    await quick.next_message()
    quick_wait = time.monotonic() - started
    # The slow reader's next update waits for the slow reply, then is answered too.
    await slow.send("/help")
    await slow.next_message()
    await slow.next_message(timeout=10)

    assert quick_wait < 2.0


@pytest.mark.http
async def test_update_delivered_twice_is_handled_once(bot_app_http, fake_api):
    user = await onboard(fake_api, FIRST_READER)
    await user.send("/my")
    update = fake_api.updates.last_pushed
    await user.next_message()

    fake_api.updates.redeliver(update)
    await user.send("/events")
    await user.next_message()

    replies = [m["text"] for m in user.messages if m["from"]["is_bot"]]
    assert [r.startswith("You have no registrations") for r in replies[-2:]] == [True, False]


# --- a database held by someone else ---------------------------------------------------------


@pytest.fixture
def locked_database(database_url: str):  # noqa: ANN201
    """Another process's write transaction on the SQLite file (an import, a backup)."""
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)

    class Lock:
        def take(self) -> None:
            holder.execute("BEGIN IMMEDIATE")

        def release(self) -> None:
            holder.execute("ROLLBACK")

    yield Lock()
    holder.close()


@pytest.fixture
async def quick_busy_app(settings, clock, database_url, catalogs, fake_api):  # noqa: ANN001, ANN201
    """The Application on SQLite with a one-second busy wait (the default is three)."""
    database = Database(make_engine(database_url, busy_seconds=1.0), busy_seconds=1.0)
    async with running(settings, clock, database, catalogs, fake_api) as application:
        yield application, database
    database.dispose()


async def test_busy_database_reads_go_on_writes_told_to_try_again_then_served(
    quick_busy_app, fake_api, locked_database
):
    _application, database = quick_busy_app
    event = make_event(database, capacity=SEATS)
    make_readers(database, range(FIRST_READER, FIRST_READER + 3))
    users = [fake_api.user(FIRST_READER + n) for n in range(3)]
    for user in users:
        user.started = True
    locked_database.take()

    browsing = await users[0].send("/events") and await users[0].next_message(timeout=10)
    refused = await press_all(users[1:], f"ev:reg:{event.id}")
    locked_database.release()
    served = await press_all(users[1:], f"ev:reg:{event.id}")

    assert browsing["text"].startswith("Upcoming events")
    assert [a.text.startswith("Kopir is very busy right now") for a in refused] == [True, True]
    assert [a.text for a in served] == [None, None]
    assert registrations(database, event.id, RegistrationStatus.REGISTERED) == [
        user.id for user in users[1:]
    ]


async def test_busy_database_profile_answers_kept_until_consent_goes_through(
    quick_busy_app, fake_api, locked_database
):
    _application, database = quick_busy_app
    event = make_event(database, capacity=SEATS)
    user = await onboard(fake_api, FIRST_READER)
    await user.press_data(1, f"ev:reg:{event.id}")
    await user.next_message()  # the first profile question
    for answer in ("Aru Sadykova", "14.03.2009", "Kazakhstan", "Karaganda", "Youth library"):
        await user.send(answer)
        await user.next_message()

    locked_database.take()
    query = await user.press("Yes, I agree")
    refused = await user.wait_callback_answer(query, timeout=10)
    locked_database.release()
    query = await user.press("Yes, I agree")
    await user.wait_callback_answer(query)
    await user.handled()

    with database.uow() as uow:
        stored = uow.users.get(FIRST_READER)
    assert refused.text.startswith("Kopir is very busy right now")
    assert (stored.full_name, stored.city) == ("Aru Sadykova", "Karaganda")
    assert registrations(database, event.id, RegistrationStatus.REGISTERED) == [FIRST_READER]


async def test_postgres_connections_cut_mid_wave_every_press_answered_nothing_oversold(
    bot_app, fake_api, database
):
    if database.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL restart is a PostgreSQL fault")
    event = make_event(database, capacity=SEATS)
    ids = range(FIRST_READER, FIRST_READER + 100)
    make_readers(database, ids)
    users = [fake_api.user(user_id) for user_id in ids]
    for user in users:
        user.started = True

    queries = [await user.press_data(1, f"ev:wait:{event.id}") for user in users[:50]]
    with database.engine.connect() as connection:
        # What a server restart does to every open session of the bot.
        connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ))
    queries += [await user.press_data(1, f"ev:wait:{event.id}") for user in users[50:]]
    answers = await asyncio.gather(*(
        user.wait_callback_answer(query, timeout=60)
        for user, query in zip(users, queries, strict=True)
    ))

    registered = registrations(database, event.id, RegistrationStatus.REGISTERED)
    waiting = registrations(database, event.id, RegistrationStatus.WAITLISTED)
    refused = [a for a in answers if (a.text or "").startswith("Kopir is very busy")]
    assert len(answers) == 100
    assert len(registered) == SEATS
    assert len(registered) + len(waiting) + len(refused) == 100
