"""The outbox's order: readers' rows before broadcasts, reminders claimed early enough,
broadcast rows left alone while paused and cancelled with their broadcast."""

from __future__ import annotations

from datetime import timedelta

from bot.services import outbox
from bot.services.notifications import enqueue_notice, plan_reminders
from storage.broadcast_models import BroadcastStatus
from storage.models import NotificationKind, NotificationStatus
from tests.factories import NOW, make_event
from tests.services.engine_factories import (
    add_broadcast,
    add_readers,
    broadcast_rows,
    set_broadcast_status,
)
from tests.services.test_outbox import claimed_keys

READERS = [501, 502, 503]


def claim(database, now, limit=50, **options) -> outbox.ClaimBatch:
    with database.uow() as uow:
        batch = outbox.claim_due(uow, now, limit, **options)
        uow.commit()
    return batch


def test_claim_takes_readers_rows_before_an_earlier_broadcast(storage):
    add_readers(storage, READERS)
    broadcast = add_broadcast(storage, READERS, due_at=NOW - timedelta(minutes=5))
    event = make_event(storage, starts_at=NOW + timedelta(days=1))
    with storage.uow() as uow:
        enqueue_notice(uow, NotificationKind.PROMOTED, uow.events.get(event.id), 502, NOW,
                       occasion="1")
        uow.commit()

    batch = claim(storage, NOW, limit=2)

    assert claimed_keys(batch) == [
        f"promoted:{event.id}:502:1", f"broadcast:{broadcast.id}:501"]


def test_claim_takes_broadcast_rows_with_the_broadcast_loaded(storage):
    add_readers(storage, READERS)
    broadcast = add_broadcast(storage, READERS)

    batch = claim(storage, NOW)

    assert [(c.notification.user_id, c.broadcast.id, c.broadcast.texts, c.user.language)
            for c in batch.claims] == [
        (user_id, broadcast.id, broadcast.texts, "en") for user_id in READERS]
    assert {row.status for row in broadcast_rows(storage, broadcast.id).values()} == {
        NotificationStatus.SENDING}


def test_claim_leaves_rows_of_a_paused_broadcast_pending(storage):
    add_readers(storage, READERS)
    broadcast = add_broadcast(storage, READERS, status=BroadcastStatus.PAUSED)

    batch = claim(storage, NOW)

    assert (claimed_keys(batch), batch.examined) == ([], 0)
    assert [(row.status, row.attempts) for row in broadcast_rows(storage, broadcast.id).values()
            ] == [(NotificationStatus.PENDING, 0)] * 3


def test_claim_cancels_rows_of_a_cancelled_broadcast(storage):
    add_readers(storage, READERS)
    broadcast = add_broadcast(storage, READERS)
    set_broadcast_status(storage, broadcast.id, BroadcastStatus.CANCELLED)

    batch = claim(storage, NOW)

    assert (claimed_keys(batch), batch.cancelled, batch.broadcast_ids) == (
        [], 3, {broadcast.id})
    assert {row.status for row in broadcast_rows(storage, broadcast.id).values()} == {
        NotificationStatus.CANCELLED}


def test_claim_marks_broadcast_rows_of_a_blocked_reader_blocked(storage):
    add_readers(storage, [501])
    add_readers(storage, [502], blocked_at=NOW)
    broadcast = add_broadcast(storage, [501, 502])

    batch = claim(storage, NOW)

    assert (claimed_keys(batch), batch.blocked) == ([f"broadcast:{broadcast.id}:501"], 1)
    assert broadcast_rows(storage, broadcast.id)[502].status == NotificationStatus.BLOCKED


def plan_for_many(storage, count: int):
    """`count` readers registered for an event starting in a day, with a 60-minute
    reminder each (due at STARTS - 1 h)."""
    ids = list(range(1000, 1000 + count))
    add_readers(storage, ids)
    event = make_event(storage, starts_at=NOW + timedelta(days=1), reminder_offsets=[60])
    with storage.uow() as uow:
        for user_id in ids:
            plan_reminders(uow, uow.events.get(event.id), user_id, NOW)
        uow.commit()
    return event, event.starts_at - timedelta(hours=1)


def test_early_window_is_the_time_the_coming_rows_take_at_the_rate(storage):
    _event, due = plan_for_many(storage, 90)

    with storage.uow() as uow:
        far = outbox.early_window(uow, due - outbox.EARLY_HORIZON - timedelta(seconds=1), 30)
        near = outbox.early_window(uow, due - timedelta(minutes=1), 30)

    # 90 reminders at 30/s take 3 s: they are claimed from 3 s before they are due.
    assert (far, near) == (None, due - timedelta(minutes=1) + timedelta(seconds=3))


def test_claim_starts_a_large_reminder_batch_early_enough(storage):
    _event, due = plan_for_many(storage, 90)

    def claim_at(now):
        with storage.uow() as uow:
            early = outbox.early_window(uow, now, 30)
            batch = outbox.claim_due(uow, now, 100, early_until=early)
            uow.commit()
        return batch

    too_soon = claim_at(due - timedelta(seconds=4))
    in_time = claim_at(due - timedelta(seconds=3))

    assert (len(too_soon.claims), len(in_time.claims)) == (0, 90)


def test_early_window_does_not_start_broadcasts_early(storage):
    add_readers(storage, READERS)
    broadcast = add_broadcast(storage, READERS, due_at=NOW + timedelta(seconds=2))

    with storage.uow() as uow:
        early = outbox.early_window(uow, NOW, 1)
    batch = claim(storage, NOW, early_until=NOW + timedelta(minutes=5))

    assert (early, claimed_keys(batch)) == (None, [])
    assert len(broadcast_rows(storage, broadcast.id)) == 3
