"""The coordination tables' statements (PostgreSQL only: SQLite is one process)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.uow import Database
from tests.factories import NOW

HOLD = timedelta(seconds=30)
OVER = timedelta(seconds=-1)  # a lease that ended a second ago


@pytest.fixture
def database(postgres_database: Database) -> Database:
    return postgres_database


def step(database: Database, work):  # noqa: ANN001, ANN201
    """`work(coordination)` in a unit of work of its own, committed."""
    with database.uow() as uow:
        result = work(uow.coordination)
        uow.commit()
    return result


def test_reader_lease_held_by_one_process_refuses_another_until_let_go(database):
    first = step(database, lambda c: c.take_reader(7, "a", HOLD))
    again = step(database, lambda c: c.take_reader(7, "a", HOLD))
    other = step(database, lambda c: c.take_reader(7, "b", HOLD))
    held_for = step(database, lambda c: c.reader_held_for(7))
    step(database, lambda c: c.release_reader(7, "a"))
    after = step(database, lambda c: c.take_reader(7, "b", HOLD))

    assert (first, again, other, after) == (True, True, False, True)
    assert timedelta(seconds=29) < held_for <= HOLD


def test_reader_lease_of_a_process_that_died_is_taken_once_over(database):
    step(database, lambda c: c.take_reader(8, "dead", OVER))

    assert step(database, lambda c: c.take_reader(8, "b", HOLD)) is True
    assert step(database, lambda c: c.take_reader(8, "dead", HOLD)) is False


def test_reader_lease_renewed_outlasts_its_first_hold(database):
    step(database, lambda c: c.take_reader(9, "a", OVER))

    renewed = step(database, lambda c: c.renew_readers([9], "a", HOLD))

    assert renewed == 1
    assert step(database, lambda c: c.take_reader(9, "b", HOLD)) is False


def test_handled_update_recorded_once_and_later_ones_of_the_reader_seen(database):
    step(database, lambda c: c.mark_handled(100, 7, NOW))
    step(database, lambda c: c.mark_handled(100, 7, NOW))  # a second process: no error
    step(database, lambda c: c.mark_handled(105, 7, NOW))

    assert step(database, lambda c: (c.was_handled(100), c.was_handled(101))) == (True, False)
    assert step(database, lambda c: (c.handled_later(7, 100), c.handled_later(7, 105),
                                     c.handled_later(8, 1))) == (True, False, False)
    assert step(database, lambda c: c.forget_handled_before(NOW + timedelta(seconds=1))) == 2


def test_send_slot_reserved_twice_is_one_interval_apart_and_not_free_for_bulk(database):
    interval = timedelta(seconds=10)

    first, _now = step(database, lambda c: c.reserve_slot("free", interval))
    second, now = step(database, lambda c: c.reserve_slot("free", interval))
    free = step(database, lambda c: c.take_free_slot("free", interval))
    wait = step(database, lambda c: c.slot_wait("free"))

    assert second - first == interval
    assert free is False
    assert timedelta(seconds=19) < wait <= 2 * interval
    assert first <= now


def test_send_slot_free_taken_by_one_bulk_sender_only(database):
    interval = timedelta(seconds=10)

    takes = [step(database, lambda c: c.take_free_slot("chat:5", interval)) for _ in range(2)]

    assert takes == [True, False]


def test_send_slot_not_before_a_later_chat_slot(database):
    chat, _ = step(database, lambda c: c.reserve_slot("chat:5", timedelta(seconds=5)))
    step(database, lambda c: c.reserve_slot("chat:5", timedelta(seconds=5)))
    later, _ = step(database, lambda c: c.reserve_slot("chat:5", timedelta(seconds=5)))

    lane, _ = step(database, lambda c: c.reserve_slot("free", timedelta(seconds=1), later))

    assert (later - chat, lane) == (timedelta(seconds=10), later)


def test_send_slots_paused_wait_for_the_pause(database):
    step(database, lambda c: c.pause_slots(["free", "paid"], timedelta(seconds=20)))

    waits = step(database, lambda c: [c.slot_wait("free"), c.slot_wait("paid")])

    assert all(timedelta(seconds=19) < wait <= timedelta(seconds=20) for wait in waits)


def test_job_lease_runs_in_one_process_until_it_is_over(database):
    first = step(database, lambda c: c.take_job("retention", "a", HOLD))
    other = step(database, lambda c: c.take_job("retention", "b", HOLD))
    step(database, lambda c: c.take_job("retention", "a", OVER))
    after = step(database, lambda c: c.take_job("retention", "b", HOLD))

    assert (first, other, after) == (True, False, True)
    assert step(database, lambda c: c.job_holder("retention")) == "b"


@pytest.mark.parametrize(("catch_up", "expected"), [(1, 9), (10, 5)])
def test_send_slot_taken_late_keeps_the_schedule_within_its_catch_up(database, catch_up, expected):
    # The slot fell due five seconds ago (an interval of -5 s puts it there).
    step(database, lambda c: c.reserve_slot("free", timedelta(seconds=-5)))

    taken = step(database, lambda c: c.take_free_slot(
        "free", timedelta(seconds=10), timedelta(seconds=catch_up)))
    wait = step(database, lambda c: c.slot_wait("free"))

    assert taken is True
    assert timedelta(seconds=expected - 1) < wait <= timedelta(seconds=expected)
