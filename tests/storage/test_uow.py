"""Units of work under concurrency: immediate transactions, a busy database, outbox wake-ups."""

from __future__ import annotations

import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.services.registration import EventFull, register_reader
from storage.db import make_engine
from storage.models import RegistrationStatus, User
from storage.uow import Database, DatabaseBusy
from tests.factories import NOW, make_event, make_readers


def test_register_threads_racing_for_the_last_seats_never_oversell(storage):
    event = make_event(storage, capacity=5)
    ids = range(1, 41)
    make_readers(storage, ids)

    def press(user_id: int) -> str:
        try:
            return register_reader(storage, event.id, user_id, NOW, waitlist=False).status
        except EventFull:
            return "full"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(press, ids))

    with storage.uow() as uow:
        registered = uow.registrations.count(event.id, RegistrationStatus.REGISTERED)
    assert (outcomes.count("registered"), outcomes.count("full"), registered) == (5, 35, 5)


def test_sqlite_transactions_begin_immediate_so_a_read_then_write_cannot_interleave(database):
    """Two units of work that read a counter and write it back never lose an update."""
    event = make_event(database, capacity=0)
    # Separate Database objects, as separate processes would be: no per-process lock,
    # only SQLite's. A deferred transaction would fail or lose updates here.
    others = [Database(make_engine(str(database.engine.url))) for _ in range(4)]
    try:
        def bump_with(db: Database) -> None:
            for _ in range(10):
                with db.uow() as uow:
                    stored = uow.events.get(event.id)
                    seen = stored.capacity
                    stored.capacity = seen + 1
                    uow.commit()

        threads = [threading.Thread(target=bump_with, args=(db,)) for db in others]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for db in others:
            db.dispose()

    with database.uow() as uow:
        assert uow.events.get(event.id).capacity == 40


def test_busy_database_held_by_another_process_raises_database_busy_quickly(database_url):
    database = Database(make_engine(database_url, busy_seconds=0.3), busy_seconds=0.3)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseBusy) as raised, database.uow() as uow:
            uow.users.get(1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    waited = time.monotonic() - started

    with database.uow() as uow:
        recovered = uow.users.get(1)
    database.dispose()
    assert (str(raised.value), waited < 2.0, recovered) == ("OperationalError", True, None)


def test_busy_error_carries_no_sql_parameters(database_url):
    database = Database(make_engine(database_url, busy_seconds=0.2), busy_seconds=0.2)
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(DatabaseBusy) as raised, database.uow() as uow:
            uow.users.add(User(id=5, first_name="Aru Sadykova", created_at=NOW))
            uow.commit()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        database.dispose()

    error = raised.value
    assert ("Aru" in str(error), error.__cause__, error.__suppress_context__) == (False, None, True)


def test_commit_that_wrote_outbox_rows_wakes_the_sender_once(database):
    event = make_event(database, capacity=5)
    make_readers(database, range(1, 3))
    wakes = []
    database.on_outbox_commit = lambda: wakes.append(1)

    register_reader(database, event.id, 1, NOW, waitlist=False)
    with database.uow() as uow:
        uow.users.get(2).city = "Almaty"
        uow.commit()

    assert wakes == [1]
