"""The outbox cycle without Telegram: claims, staleness, results, crash recovery."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.services import outbox, outbox_settle
from bot.services.notifications import enqueue_notice, plan_reminders, replan_event_reminders
from storage.models import (
    Notification,
    NotificationKind,
    NotificationStatus,
    User,
)
from storage.uow import Database
from tests.factories import NOW, make_event

READER = 501
STARTS = NOW + timedelta(days=3)


def add_reader(database: Database, user_id: int = READER, **fields) -> None:
    with database.uow() as uow:
        uow.users.add(User(id=user_id, first_name="Aru", language="en", created_at=NOW, **fields))
        uow.commit()


def planned(database: Database, user_id: int = READER, **event_fields):
    """An event starting at STARTS with reminders 24h, 1h, 0m planned for the reader at NOW."""
    event = make_event(database, starts_at=STARTS, **event_fields)
    with database.uow() as uow:
        plan_reminders(uow, uow.events.get(event.id), user_id, NOW)
        uow.commit()
    return event


def notice(database: Database, kind: NotificationKind, event, user_id: int = READER) -> None:
    with database.uow() as uow:
        enqueue_notice(uow, kind, uow.events.get(event.id), user_id, NOW, occasion="1")
        uow.commit()


def claim(database: Database, now) -> outbox.ClaimBatch:
    with database.uow() as uow:
        batch = outbox.claim_due(uow, now, 50)
        uow.commit()
    return batch


def states(database: Database) -> dict[str, tuple[str, int]]:
    """dedupe_key -> (status, attempts), as stored."""
    with database.uow() as uow:
        rows = uow.session.exec(select(Notification)).all()
        return {row.dedupe_key: (row.status, row.attempts) for row in rows}


def key(event, offset: int, user_id: int = READER) -> str:
    return f"reminder:{event.id}:{user_id}:{offset}"


def claimed_keys(batch: outbox.ClaimBatch) -> list[str]:
    return [c.notification.dedupe_key for c in batch.claims]


def settle(database: Database, mark, *args):
    with database.uow() as uow:
        result = mark(uow, *args)
        uow.commit()
    return result


def test_claim_takes_a_due_reminder_and_commits_before_sending(storage):
    add_reader(storage)
    event = planned(storage)

    batch = claim(storage, STARTS - timedelta(hours=24))

    assert claimed_keys(batch) == [key(event, 1440)]
    assert batch.claims[0].user.language == "en"
    assert batch.claims[0].event.id == event.id
    assert states(storage)[key(event, 1440)] == (NotificationStatus.SENDING, 1)


def test_claim_leaves_reminders_not_yet_due(storage):
    add_reader(storage)
    event = planned(storage)

    batch = claim(storage, STARTS - timedelta(hours=24, seconds=1))

    assert claimed_keys(batch) == []
    assert states(storage)[key(event, 1440)] == (NotificationStatus.PENDING, 0)


def test_claim_sends_only_the_latest_of_several_overdue_reminders(storage):
    add_reader(storage)
    event = planned(storage)

    batch = claim(storage, STARTS - timedelta(minutes=30))

    assert claimed_keys(batch) == [key(event, 60)]
    assert batch.skipped == 1
    assert states(storage) == {
        key(event, 1440): (NotificationStatus.SKIPPED, 0),
        key(event, 60): (NotificationStatus.SENDING, 1),
        key(event, 0): (NotificationStatus.PENDING, 0),
    }


def test_claim_skips_reminders_once_the_event_has_started(storage):
    add_reader(storage)
    event = planned(storage, reminder_offsets=[1440, 60])

    batch = claim(storage, STARTS + timedelta(minutes=1))

    assert claimed_keys(batch) == []
    assert states(storage) == {
        key(event, 1440): (NotificationStatus.SKIPPED, 0),
        key(event, 60): (NotificationStatus.SKIPPED, 0),
    }


def test_claim_sends_starting_now_within_the_grace(storage):
    add_reader(storage)
    event = planned(storage)

    batch = claim(storage, STARTS + outbox.STARTING_NOW_GRACE)

    assert claimed_keys(batch) == [key(event, 0)]
    assert batch.skipped == 2


def test_claim_skips_starting_now_after_the_grace(storage):
    add_reader(storage)
    event = planned(storage)

    batch = claim(storage, STARTS + outbox.STARTING_NOW_GRACE + timedelta(seconds=1))

    assert claimed_keys(batch) == []
    assert states(storage)[key(event, 0)] == (NotificationStatus.SKIPPED, 0)


def test_claim_never_sends_reminders_of_a_cancelled_event(storage):
    add_reader(storage)
    event = planned(storage, cancelled_at=NOW)

    batch = claim(storage, STARTS - timedelta(hours=24))

    assert claimed_keys(batch) == []
    assert states(storage)[key(event, 1440)] == (NotificationStatus.SKIPPED, 0)


def test_claim_sends_notices_however_late(storage):
    add_reader(storage)
    event = make_event(storage, starts_at=NOW + timedelta(hours=1), cancelled_at=NOW)
    notice(storage, NotificationKind.EVENT_CANCELLED, event)

    batch = claim(storage, NOW + timedelta(days=30))

    assert claimed_keys(batch) == [f"event_cancelled:{event.id}:{READER}:1"]


def test_claim_skips_a_promotion_for_an_event_cancelled_since(storage):
    add_reader(storage)
    event = make_event(storage, cancelled_at=NOW)
    notice(storage, NotificationKind.PROMOTED, event)

    batch = claim(storage, NOW)

    assert claimed_keys(batch) == []
    assert batch.skipped == 1


def test_claim_marks_rows_of_a_blocked_reader_without_sending(storage):
    add_reader(storage, blocked_at=NOW)
    event = planned(storage)

    batch = claim(storage, STARTS - timedelta(hours=24))

    assert claimed_keys(batch) == []
    assert batch.blocked == 1
    assert states(storage)[key(event, 1440)] == (NotificationStatus.BLOCKED, 0)


def test_claim_does_not_take_a_row_twice(storage):
    add_reader(storage)
    planned(storage)
    claim(storage, STARTS - timedelta(hours=24))

    again = claim(storage, STARTS - timedelta(hours=24))

    assert claimed_keys(again) == []


def test_mark_sent_records_the_message(storage):
    add_reader(storage)
    event = planned(storage)
    row_id = claim(storage, STARTS - timedelta(hours=24)).claims[0].notification.id

    assert settle(
        storage, outbox_settle.mark_sent, row_id, 77, STARTS - timedelta(hours=24)) is True

    with storage.uow() as uow:
        row = uow.notifications.by_key(key(event, 1440))
        assert (row.status, row.telegram_message_id, row.sent_at) == (
            NotificationStatus.SENT,
            77,
            STARTS - timedelta(hours=24),
        )


def test_mark_retry_backs_off_then_gives_up(storage):
    add_reader(storage)
    event = planned(storage, reminder_offsets=[1440])
    now = STARTS - timedelta(hours=24)
    delays = []
    for _ in range(outbox_settle.MAX_ATTEMPTS):
        with storage.uow() as uow:
            row = uow.notifications.by_key(key(event, 1440))
            row.next_attempt_at = now
            uow.commit()
        row_id = claim(storage, now).claims[0].notification.id
        status = settle(storage, outbox_settle.mark_retry, row_id, now, "TimedOut()")
        with storage.uow() as uow:
            delays.append((status, uow.notifications.get(row_id).next_attempt_at - now))

    assert [status for status, _ in delays] == ["pending"] * 4 + ["failed"]
    assert [delay.total_seconds() for _, delay in delays[:4]] == [30, 60, 120, 240]


def test_release_after_flood_control_gives_the_attempt_back(storage):
    add_reader(storage)
    event = planned(storage)
    now = STARTS - timedelta(hours=24)
    row_id = claim(storage, now).claims[0].notification.id

    settle(storage, outbox_settle.release, row_id, now + timedelta(seconds=5), "flood control")

    assert states(storage)[key(event, 1440)] == (NotificationStatus.PENDING, 0)
    assert claimed_keys(claim(storage, now)) == []
    assert claimed_keys(claim(storage, now + timedelta(seconds=5))) == [key(event, 1440)]


def test_mark_blocked_marks_the_reader(storage):
    add_reader(storage)
    event = planned(storage)
    now = STARTS - timedelta(hours=24)
    row_id = claim(storage, now).claims[0].notification.id

    settle(
        storage, outbox_settle.mark_blocked, row_id, now, "Forbidden: bot was blocked by the user")

    with storage.uow() as uow:
        assert uow.users.get(READER).blocked_at == now
        assert uow.notifications.by_key(key(event, 1440)).status == NotificationStatus.BLOCKED


def test_result_for_a_row_rescheduled_meanwhile_keeps_the_new_plan(storage):
    add_reader(storage)
    event = planned(storage)
    now = STARTS - timedelta(hours=24)
    row_id = claim(storage, now).claims[0].notification.id
    with storage.uow() as uow:
        moved = uow.events.get(event.id)
        moved.starts_at = STARTS + timedelta(days=1)
        replan_event_reminders(uow, moved, now)
        uow.commit()

    assert settle(storage, outbox_settle.mark_sent, row_id, 77, now) is False

    assert states(storage)[key(event, 1440)] == (NotificationStatus.PENDING, 0)


def test_recovery_sends_again_what_a_crash_left_half_sent(storage):
    add_reader(storage)
    event = planned(storage)
    now = STARTS - timedelta(hours=24)
    claim(storage, now)  # the process dies before Telegram answers

    recovered = settle(storage, outbox.recover_interrupted, now)

    assert recovered == 1
    assert states(storage)[key(event, 1440)] == (NotificationStatus.PENDING, 1)
    assert claimed_keys(claim(storage, now)) == [key(event, 1440)]


def test_recovery_leaves_sent_rows_alone_and_fails_worn_out_ones(storage):
    add_reader(storage)
    event = planned(storage)
    now = STARTS - timedelta(minutes=30)
    with storage.uow() as uow:
        sent = uow.notifications.by_key(key(event, 1440))
        sent.status, sent.attempts = NotificationStatus.SENT, 1
        worn = uow.notifications.by_key(key(event, 60))
        worn.status, worn.attempts = NotificationStatus.SENDING, outbox_settle.MAX_ATTEMPTS
        uow.commit()

    recovered = settle(storage, outbox.recover_interrupted, now)

    assert recovered == 0
    assert states(storage) == {
        key(event, 1440): (NotificationStatus.SENT, 1),
        key(event, 60): (NotificationStatus.FAILED, outbox_settle.MAX_ATTEMPTS),
        key(event, 0): (NotificationStatus.PENDING, 0),
    }

