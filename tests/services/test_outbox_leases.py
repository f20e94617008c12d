"""Claims with leases, taking back what a dead sender left, and recording answers in
batches only for rows the sender still holds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.services import outbox, outbox_settle
from bot.services.outbox_settle import Outcome, Result
from storage.models import NotificationStatus
from tests.factories import NOW
from tests.services.engine_factories import add_broadcast, add_readers, broadcast_rows

READERS = [501, 502, 503]


def claim(database, now, owner, limit=50):
    with database.uow() as uow:
        batch = outbox.claim_due(uow, now, limit, owner=owner)
        uow.commit()
    return batch


def states(database, broadcast_id) -> dict[int, tuple]:
    """user id -> (status, attempts, claimed_by, claimed_until)"""
    return {
        user_id: (row.status, row.attempts, row.claimed_by, row.claimed_until)
        for user_id, row in sorted(broadcast_rows(database, broadcast_id).items())
    }


def settle(database, outcomes, owner, now=NOW):
    with database.uow() as uow:
        outbox_settle.settle(uow, outcomes, now, owner)
        uow.commit()


def row_ids(database, broadcast_id) -> dict[int, int]:
    return {user_id: row.id for user_id, row in broadcast_rows(database, broadcast_id).items()}


def test_claim_records_its_sender_and_lease(storage):
    add_readers(storage, READERS[:1])
    broadcast = add_broadcast(storage, READERS[:1])

    claim(storage, NOW, "bot-a")

    assert states(storage, broadcast.id) == {
        501: (NotificationStatus.SENDING, 1, "bot-a", NOW + outbox.LEASE)}


def test_recovery_of_lapsed_claims_leaves_live_ones_alone(storage):
    add_readers(storage, READERS)
    broadcast = add_broadcast(storage, READERS)
    claim(storage, NOW, "bot-a", limit=1)  # 501, lease to NOW + LEASE
    claim(storage, NOW + timedelta(seconds=30), "bot-b", limit=1)  # 502
    claim(storage, NOW + timedelta(seconds=30), "bot-c", limit=1)  # 503
    later = NOW + outbox.LEASE + timedelta(seconds=1)

    with storage.uow() as uow:
        recovered = outbox.recover_interrupted(uow, later, lapsed_only=True, owner="bot-c")
        uow.commit()

    # bot-a's lease lapsed, bot-c is the sender starting again; bot-b may still be sending.
    assert recovered == 2
    assert states(storage, broadcast.id) == {
        501: (NotificationStatus.PENDING, 1, None, None),
        502: (NotificationStatus.SENDING, 1, "bot-b", NOW + timedelta(seconds=30) + outbox.LEASE),
        503: (NotificationStatus.PENDING, 1, None, None),
    }


def test_renewing_extends_only_the_senders_own_claims(storage):
    add_readers(storage, READERS[:2])
    broadcast = add_broadcast(storage, READERS[:2])
    claim(storage, NOW, "bot-a", limit=1)
    claim(storage, NOW, "bot-b", limit=1)

    with storage.uow() as uow:
        renewed = outbox.renew(uow, "bot-a", NOW + timedelta(seconds=20))
        uow.commit()

    assert renewed == 1
    assert [until for *_rest, until in states(storage, broadcast.id).values()] == [
        NOW + timedelta(seconds=20) + outbox.LEASE, NOW + outbox.LEASE]


def test_settle_records_a_batch_of_answers(storage):
    add_readers(storage, [501, 502, 503, 504, 505])
    broadcast = add_broadcast(storage, [501, 502, 503, 504, 505])
    claim(storage, NOW, "bot-a")
    ids = row_ids(storage, broadcast.id)
    retry_at = NOW + timedelta(seconds=3)

    settle(storage, [
        Outcome(ids[501], Result.SENT, message_id=71),
        Outcome(ids[502], Result.UNCERTAIN, error="TimedOut()"),
        Outcome(ids[503], Result.RELEASE, error="flood control", retry_at=retry_at),
        Outcome(ids[504], Result.RETRY, error="NetworkError()"),
        Outcome(ids[505], Result.BLOCKED, error="Forbidden: bot was blocked by the user"),
    ], "bot-a")

    rows = broadcast_rows(storage, broadcast.id)
    assert {user_id: (row.status, row.attempts, row.next_attempt_at, row.telegram_message_id)
            for user_id, row in sorted(rows.items())} == {
        501: (NotificationStatus.SENT, 1, NOW, 71),
        502: (NotificationStatus.UNCERTAIN, 1, NOW, None),
        503: (NotificationStatus.PENDING, 0, retry_at, None),
        504: (NotificationStatus.PENDING, 1, NOW + outbox_settle.FIRST_RETRY_DELAY, None),
        505: (NotificationStatus.BLOCKED, 1, NOW, None),
    }
    assert rows[501].sent_at == NOW
    with storage.uow() as uow:
        assert uow.users.get(505).blocked_at == NOW


def test_settle_ignores_rows_another_sender_took_over(storage):
    add_readers(storage, READERS[:1])
    broadcast = add_broadcast(storage, READERS[:1])
    claim(storage, NOW, "bot-a")
    later = NOW + outbox.LEASE + timedelta(seconds=1)
    with storage.uow() as uow:  # bot-a looked dead; bot-b took the row back and claimed it
        outbox.recover_interrupted(uow, later, lapsed_only=True, owner="bot-b")
        uow.commit()
    claim(storage, later, "bot-b")
    row_id = row_ids(storage, broadcast.id)[501]

    settle(storage, [Outcome(row_id, Result.SENT, message_id=71)], "bot-a")
    settle(storage, [Outcome(row_id, Result.FAILED, error="late")], "bot-a")

    assert states(storage, broadcast.id) == {
        501: (NotificationStatus.SENDING, 2, "bot-b", later + outbox.LEASE)}


def test_settle_cancels_a_row_whose_broadcast_was_cancelled(storage):
    add_readers(storage, READERS[:1])
    broadcast = add_broadcast(storage, READERS[:1])
    claim(storage, NOW, "bot-a")

    settle(storage, [Outcome(row_ids(storage, broadcast.id)[501], Result.CANCELLED)], "bot-a")

    assert states(storage, broadcast.id)[501][0] == NotificationStatus.CANCELLED


def test_two_open_claims_skip_each_others_rows_on_postgresql(storage):
    if storage.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has a single writer: one sender per database")
    add_readers(storage, READERS + [504])
    broadcast = add_broadcast(storage, READERS + [504])

    with storage.uow() as first, storage.uow() as second:
        mine = outbox.claim_due(first, NOW, 2, owner="bot-a")
        # bot-a has not committed yet: its rows are locked, and bot-b does not wait for them.
        theirs = outbox.claim_due(second, NOW, 2, owner="bot-b")
        second.commit()
        first.commit()

    assert sorted(c.notification.user_id for c in mine.claims) == [501, 502]
    assert sorted(c.notification.user_id for c in theirs.claims) == [503, 504]
    assert [owner for _s, _a, owner, _u in states(storage, broadcast.id).values()] == [
        "bot-a", "bot-a", "bot-b", "bot-b"]
