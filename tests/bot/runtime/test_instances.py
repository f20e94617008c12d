"""Two `kopir run` processes on one PostgreSQL database behind a load balancer, fed by the
fake Bot API's webhook (bench/_instances.py): readers' updates land on either instance,
and what they get is what one instance gives them.

Skipped without KOPIR_TEST_DATABASE_URL: the module makes a database of its own on that
server (`kopir_instances_<worker>`) and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text

from bench._instances import (
    Instances,
    delivered_per_chat,
    drop_database,
    duplicates,
    max_in_window,
    own_database,
    send_times,
)
from bot.core.settings import Settings
from bot.delivery.engine import in_flight_bound
from storage.db import make_engine
from storage.uow import Database
from tests.factories import make_event
from tests.handlers.test_profile import ANSWERS
from tests.services.engine_factories import add_broadcast, add_readers

SERVER = os.environ.get("KOPIR_TEST_DATABASE_URL")
RATE = 30
LEASE_SECONDS = 3
# Readers of the form test: the same flow through one instance and through both.
ONE_INSTANCE = list(range(4_000_001, 4_000_007))
BOTH_INSTANCES = list(range(4_000_101, 4_000_107))
BROADCAST_READERS = list(range(4_100_001, 4_100_121))
KILL_READERS = list(range(4_200_001, 4_200_121))
STEP_TIMEOUT = 20.0

pytestmark = [
    pytest.mark.http,
    pytest.mark.skipif(not SERVER, reason="KOPIR_TEST_DATABASE_URL is not set"),
    pytest.mark.asyncio(loop_scope="module"),
]


@pytest.fixture(scope="module")
def instances_database() -> Iterator[str]:
    name = f"kopir_instances_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    url = own_database(SERVER, name)
    yield url
    drop_database(SERVER, name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def group(instances_database: str, tmp_path_factory: pytest.TempPathFactory
                ) -> AsyncIterator[Instances]:
    """Two instances (a claim of a dead one's outbox rows lapses after 3 s) behind the
    balancer; the fake Bot API enforces Telegram's limits (429 beyond them)."""
    group = Instances(instances_database, tmp_path_factory.mktemp("instances"), count=2,
                      rate=RATE, env={"KOPIR_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS)})
    try:
        await group.start()
        yield group
    finally:
        await group.stop()


@pytest.fixture
def database(instances_database: str) -> Iterator[Database]:
    database = Database(make_engine(instances_database))
    yield database
    database.dispose()


# --- (a) a form filled in across instances ----------------------------------------------------


def flow(event_id: int) -> list[tuple[str, str, int]]:
    """A new reader follows an event's link, picks English, presses Register, answers the
    five profile questions and agrees: (action, what, the bot's events it brings)."""
    return [
        ("send", f"/start event_{event_id}", 1),  # the language picker
        ("press", "English", 2),  # the picker edited, then the card the link asked for
        ("press", "Register", 1),  # the profile's introduction with the first question
        *[("send", answer, 1) for answer in ANSWERS],  # the next question, then consent
        ("press", "Yes, I agree", 4),  # buttons gone, saved, confirmation, calendar file
    ]


async def follow(group: Instances, reader: int, steps: list[tuple[str, str, int]]) -> str | None:
    """One reader through the steps, each after the bot's answer to the one before, as a
    person does; returns where it broke off (None when every answer came)."""
    expected = 0
    for action, what, brings in steps:
        if action == "send":
            await group.fake.send_text(reader, what)
        else:
            chat = await group.fake.chat(reader)
            label = next((b["text"] for m in chat["messages"] for row in m["buttons"]
                          for b in row if b["text"].removeprefix("✓ ") == what), what)
            try:
                await group.fake.press_button(reader, label)
            except AssertionError as missing:
                return f"before press {what!r}: {missing}"
        expected += brings
        chat = await group.fake.chat(reader, events=expected, timeout=STEP_TIMEOUT)
        if chat["timed_out"]:
            return f"after {action} {what!r}: {len(chat['events'])} of {expected} events"
    return None


def as_seen(chat: dict[str, Any]) -> list[tuple]:
    """The reader's chat without its times: every message, edit and deletion, in order."""
    return [(e["kind"], e["message_id"], e.get("text"), str(e.get("buttons")), e.get("document"))
            for e in chat["events"]]


def rows_of(database: Database, reader: int) -> dict[str, Any]:
    """What the database keeps of the reader, without ids and times that differ between
    readers (a time is only "set")."""
    with database.engine.connect() as connection:
        def rows(sql: str) -> list[tuple]:
            return [tuple(row) for row in connection.execute(text(sql), {"id": reader})]

        return {
            "user": rows("SELECT language, full_name, birth_date, country, city, library, "
                         "consent_at IS NOT NULL, erased_at IS NOT NULL FROM users "
                         "WHERE id = :id"),
            "registrations": rows("SELECT event_id, status FROM registrations "
                                  "WHERE user_id = :id"),
            "outbox": rows("SELECT kind, status, due_at FROM notifications WHERE user_id = :id "
                           "ORDER BY kind, due_at"),
        }


async def test_form_filled_in_across_instances_ends_as_on_one_instance(group, database):
    event = make_event(database, capacity=None, titles={"en": "A model of the future"},
                       starts_at=datetime.now(UTC) + timedelta(days=7))
    await group.fake.users(ONE_INSTANCE + BOTH_INSTANCES, [], language_code="ru")
    # The same flow at the same time: one group's updates all on instance 0, the other's
    # taking turns, so each of a reader's answers lands on the other instance.
    group.balancer.mode = "alternate"
    group.balancer.pins.update(dict.fromkeys(ONE_INSTANCE, 0))
    steps = flow(event.id)

    broke_off = await asyncio.gather(*(follow(group, r, steps)
                                       for r in ONE_INSTANCE + BOTH_INSTANCES))
    await group.fake.webhook(wait=STEP_TIMEOUT)
    chats = {r: as_seen(await group.fake.chat(r)) for r in ONE_INSTANCE + BOTH_INSTANCES}
    rows = {r: rows_of(database, r) for r in ONE_INSTANCE + BOTH_INSTANCES}

    taken = {(routed.reader, routed.instance) for routed in group.balancer.routed
             if routed.reader in BOTH_INSTANCES}
    assert taken >= {(r, i) for r in BOTH_INSTANCES for i in (0, 1)}
    assert dict(zip(ONE_INSTANCE, broke_off[:len(ONE_INSTANCE)], strict=True)) == dict.fromkeys(
        ONE_INSTANCE), group.logs()
    reference = chats[ONE_INSTANCE[0]]
    assert [chats[r] for r in ONE_INSTANCE] == [reference] * len(ONE_INSTANCE)
    assert len(reference) == sum(brings for _, _, brings in steps)
    assert dict(zip(BOTH_INSTANCES, broke_off[len(ONE_INSTANCE):], strict=True)) == dict.fromkeys(
        BOTH_INSTANCES), group.logs()
    for reader in BOTH_INSTANCES:
        assert chats[reader] == reference, f"reader {reader}"
    assert [rows[r] for r in BOTH_INSTANCES] == [rows[ONE_INSTANCE[0]]] * len(BOTH_INSTANCES)
    assert rows[ONE_INSTANCE[0]]["registrations"] == [(event.id, "registered")]


# --- (b) one broadcast, two senders, one limit --------------------------------------------------


async def test_broadcast_from_two_instances_keeps_one_rate_and_reaches_each_once(
    group, database
):
    add_readers(database, BROADCAST_READERS)
    await group.fake.users(BROADCAST_READERS, [], language_code="en")

    add_broadcast(database, BROADCAST_READERS, due_at=datetime.now(UTC))
    missing = await group.fake.wait_delivered(BROADCAST_READERS, timeout=60)
    records = await group.fake.records()

    per_chat = delivered_per_chat(records)
    readers = set(BROADCAST_READERS)
    announced = send_times(records, chats=readers)
    span = [at for at in send_times(records) if min(announced) <= at <= max(announced)]
    assert missing == []
    assert {r: per_chat.get(r) for r in BROADCAST_READERS} == dict.fromkeys(BROADCAST_READERS, 1)
    # Both sent (or the limit below would hold trivially)...
    assert set(records["sent_by"]) >= {"kopir-0", "kopir-1"}, records["sent_by"]
    # ... and every request the fake took while the broadcast went out, refused ones too,
    # counts: Telegram's 30 a second is the bot's, not each process's.
    assert max_in_window(span) <= RATE, (records["sent_by"], records["rejected_429"])


# --- (c) an instance killed mid-broadcast ---------------------------------------------------------


async def test_instance_killed_mid_broadcast_the_other_finishes_it(group, database):
    add_readers(database, KILL_READERS)
    await group.fake.users(KILL_READERS, [], language_code="en")
    add_broadcast(database, KILL_READERS, due_at=datetime.now(UTC))

    try:
        before = await group.fake.wait_delivered(KILL_READERS, count=30, timeout=60)
        assert len(before) <= len(KILL_READERS) - 30, "the broadcast did not start"
        group.kill(1)
        killed = await group.fake.records()
        # The dead instance's claimed rows come back after their lease (3 s here).
        missing = await group.fake.wait_delivered(KILL_READERS, timeout=LEASE_SECONDS + 60)
        records = await group.fake.records()
    finally:
        await group.restart(1)

    readers = set(KILL_READERS)
    by_dead = [s for s in killed["sends"] if s[2] in readers and s[3] == "kopir-1"]
    bound = in_flight_bound(Settings(send_rate=RATE))
    assert by_dead, "the killed instance had not sent any of the broadcast"
    assert missing == [], group.logs()
    assert duplicates(records, KILL_READERS) <= bound

