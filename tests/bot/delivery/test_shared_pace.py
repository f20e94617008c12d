"""One pace for processes sharing PostgreSQL (`bot.delivery.shared_pace`): the send log's
window, lateness, replies before bulk."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery.shared_pace import FREE, WINDOW, DatabasePace
from storage.coordination_models import SendLog
from storage.uow import Database


@pytest.fixture
def database(postgres_database: Database) -> Database:
    return postgres_database


def pace_on(database: Database, stale: float = float("inf")) -> DatabasePace:
    """The pace of one process; no slot is stale unless a test says so (a busy machine
    would make one now and then)."""
    async def call(work, *args):  # noqa: ANN001, ANN202  (as AppContext.call, without threads)
        return work(database, *args)

    return DatabasePace(call, rate=30, chat_interval=1.0, stale=stale)


def log_sends(database: Database, count: int, ago: timedelta) -> None:
    """`count` messages another process let go `ago`."""
    with database.uow() as uow:
        at = uow.coordination.now() - ago
        for _ in range(count):
            uow.coordination.log_send(FREE, at)
        uow.commit()


def logged_times(database: Database) -> list:
    with database.uow() as uow:
        return uow.coordination.sends_since(FREE, uow.coordination.now() - timedelta(hours=1))


@pytest.mark.parametrize("reply", [False, True])
async def test_shared_pace_waits_until_the_rate_before_it_span_a_second(database, reply):
    log_sends(database, 30, ago=timedelta(seconds=0.9))
    first = logged_times(database)[0]

    logged = await pace_on(database).take(7, paid=False, reply=reply)

    times = logged_times(database)
    assert (len(logged), len(times)) == (1, 31)
    assert times[-1] >= first + WINDOW


async def test_shared_pace_goes_at_once_while_the_window_has_room(database):
    log_sends(database, 29, ago=timedelta(0))

    logged = await pace_on(database).take(7, paid=False, reply=False)

    assert len(logged) == 1
    assert len(logged_times(database)) == 30


def logged_at(database: Database, logged: list[int]) -> list:
    with database.uow() as uow:
        return [uow.session.get(SendLog, log_id).at for log_id in logged]


async def test_shared_pace_late_answer_moves_the_message_later_for_every_process(database):
    pace = pace_on(database)
    logged = await pace.take(7, paid=False, reply=False)
    before = logged_at(database, logged)

    pace.arrived(logged, 0.2)
    await pace.settled()

    assert [later - earlier for later, earlier in zip(logged_at(database, logged), before,
                                                     strict=True)] == [timedelta(seconds=0.2)]


@pytest.mark.parametrize("reply", [False, True])
async def test_shared_pace_slot_back_late_is_given_up_for_another(database, reply):
    logged = await pace_on(database, stale=0.0).take(7, paid=False, reply=reply)

    times = logged_times(database)
    # Both count for Telegram's second; the message goes in the second one.
    assert (len(times), logged_at(database, logged)) == (2, [times[1]])
