from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.services.event_fields import EventDraft, FieldError, PartnerDraft
from bot.services.notifications import plan_reminders
from bot.services.organizer import (
    EventChanges,
    EventNotFound,
    add_event,
    cancel_event,
    cancel_event_now,
    create_event,
    edit_event,
    registrants,
    update_event,
    upsert_event,
)
from storage.models import (
    Event,
    EventKind,
    Notification,
    NotificationKind,
    NotificationStatus,
    Registration,
    RegistrationStatus,
    User,
)
from storage.uow import Database
from tests.factories import NOW, make_event

LATER = NOW + timedelta(hours=1)
START = NOW + timedelta(days=3)


def draft(**overrides) -> EventDraft:
    fields = {
        "kind": EventKind.VIDEO_BRIDGE,
        "titles": {"ru": "Модель будущего", "en": "A model of the future"},
        "descriptions": {"ru": "Видеомост Караганда — Киев"},
        "language": "ru",
        "starts_at": START,
        "duration_minutes": 90,
        "timezone": "Asia/Almaty",
        "link": "https://zoom.us/j/123456789",
        "capacity": 100,
        "partners": [PartnerDraft("State Library of Ukraine for Youth", "Kyiv", "Europe/Kyiv")],
        "reminder_offsets": [1440, 60, 0],
        "key": "karaganda-kyiv-2026-12",
    }
    fields.update(overrides)
    return EventDraft(**fields)


def sign_up(database: Database, event_id: int, user_id: int,
            status: RegistrationStatus = RegistrationStatus.REGISTERED) -> None:
    with database.uow() as uow:
        if uow.users.get(user_id) is None:
            uow.users.add(User(id=user_id, first_name=f"Reader {user_id}", created_at=NOW))
            uow.flush()
        uow.registrations.add(Registration(
            event_id=event_id, user_id=user_id, status=status,
            queued_at=NOW + timedelta(seconds=user_id % 100), created_at=NOW, updated_at=NOW,
        ))
        uow.flush()
        if status == RegistrationStatus.REGISTERED:
            plan_reminders(uow, uow.events.get(event_id), user_id, NOW)
        uow.commit()


@pytest.fixture
def event_with_readers(storage: Database) -> Event:
    """An event in three days: readers 1001 and 1002 registered, 1003 waiting."""
    event = make_event(storage, starts_at=START, capacity=2)
    sign_up(storage, event.id, 1001)
    sign_up(storage, event.id, 1002)
    sign_up(storage, event.id, 1003, RegistrationStatus.WAITLISTED)
    return event


def notices(database: Database, kind: NotificationKind) -> list[tuple[str, dict]]:
    with database.uow() as uow:
        rows = uow.session.exec(
            select(Notification).where(Notification.kind == kind)
            .order_by(col(Notification.dedupe_key))
        ).all()
        return [(row.dedupe_key, row.payload) for row in rows]


def reminders(database: Database, event_id: int) -> list[tuple[int, int, object, str]]:
    with database.uow() as uow:
        rows = uow.notifications.reminders(event_id)
        return sorted((r.user_id, r.offset_minutes, r.due_at, r.status) for r in rows)


def load(database: Database, event_id: int) -> Event:
    with database.uow() as uow:
        return uow.events.get(event_id)


def test_create_event_stores_fields_and_partners(storage):
    with storage.uow() as uow:
        event = create_event(uow, draft(), 7001, NOW)
        uow.commit()

    with storage.uow() as uow:
        stored = uow.events.get(event.id)
        partners = [(p.name, p.city, p.timezone, p.position) for p in uow.events.partners(event.id)]
    assert (stored.key, stored.kind, stored.titles, stored.descriptions, stored.language,
            stored.starts_at, stored.duration_minutes, stored.timezone, stored.link,
            stored.capacity, stored.reminder_offsets, stored.created_by, stored.revision,
            stored.created_at, stored.updated_at, stored.cancelled_at) == (
        "karaganda-kyiv-2026-12", "video_bridge",
        {"ru": "Модель будущего", "en": "A model of the future"},
        {"ru": "Видеомост Караганда — Киев"}, "ru", START, 90, "Asia/Almaty",
        "https://zoom.us/j/123456789", 100, [1440, 60, 0], 7001, 1, NOW, NOW, None,
    )
    assert partners == [("State Library of Ukraine for Youth", "Kyiv", "Europe/Kyiv", 0)]


def test_update_event_new_start_notifies_registered_and_moves_reminders(
    storage, event_with_readers
):
    event_id = event_with_readers.id
    new_start = START + timedelta(days=1, hours=2)

    with storage.uow() as uow:
        updated = update_event(uow, event_id, EventChanges(starts_at=new_start), LATER)
        uow.commit()

    assert (updated.starts_at, updated.revision, updated.updated_at) == (new_start, 2, LATER)
    payload = {"changes": ["starts_at"], "old_starts_at": START.isoformat()}
    assert notices(storage, NotificationKind.EVENT_CHANGED) == [
        (f"event_changed:{event_id}:1001:2", payload),
        (f"event_changed:{event_id}:1002:2", payload),
    ]
    pending = NotificationStatus.PENDING
    assert reminders(storage, event_id) == [
        (1001, 0, new_start, pending),
        (1001, 60, new_start - timedelta(hours=1), pending),
        (1001, 1440, new_start - timedelta(days=1), pending),
        (1002, 0, new_start, pending),
        (1002, 60, new_start - timedelta(hours=1), pending),
        (1002, 1440, new_start - timedelta(days=1), pending),
    ]


def test_update_event_notice_is_due_now_and_names_the_event(storage, event_with_readers):
    with storage.uow() as uow:
        update_event(uow, event_with_readers.id, EventChanges(starts_at=START + timedelta(hours=2)),
                     LATER)
        uow.commit()

    with storage.uow() as uow:
        row = uow.notifications.by_key(f"event_changed:{event_with_readers.id}:1001:2")
    assert (row.user_id, row.event_id, row.due_at, row.next_attempt_at, row.status) == (
        1001, event_with_readers.id, LATER, LATER, NotificationStatus.PENDING
    )


def test_update_event_new_link_notifies_without_moving_reminders(storage, event_with_readers):
    event_id = event_with_readers.id
    before = reminders(storage, event_id)

    with storage.uow() as uow:
        update_event(uow, event_id, EventChanges(link="https://zoom.us/j/999"), LATER)
        uow.commit()

    payload = {"changes": ["link"], "old_starts_at": START.isoformat()}
    assert notices(storage, NotificationKind.EVENT_CHANGED) == [
        (f"event_changed:{event_id}:1001:2", payload),
        (f"event_changed:{event_id}:1002:2", payload),
    ]
    assert reminders(storage, event_id) == before
    assert load(storage, event_id).link == "https://zoom.us/j/999"


def test_update_event_twice_gives_one_notice_per_revision(storage, event_with_readers):
    event_id = event_with_readers.id

    with storage.uow() as uow:
        update_event(uow, event_id, EventChanges(starts_at=START + timedelta(hours=1),
                                                 link="https://zoom.us/j/2"), LATER)
        update_event(uow, event_id, EventChanges(link="https://zoom.us/j/3"), LATER)
        uow.commit()

    both = {"changes": ["starts_at", "link"], "old_starts_at": START.isoformat()}
    link = {"changes": ["link"], "old_starts_at": (START + timedelta(hours=1)).isoformat()}
    assert notices(storage, NotificationKind.EVENT_CHANGED) == [
        (f"event_changed:{event_id}:1001:2", both),
        (f"event_changed:{event_id}:1001:3", link),
        (f"event_changed:{event_id}:1002:2", both),
        (f"event_changed:{event_id}:1002:3", link),
    ]


def test_update_event_with_same_values_changes_nothing(storage, event_with_readers):
    event_id = event_with_readers.id
    before = reminders(storage, event_id)

    with storage.uow() as uow:
        update_event(uow, event_id, EventChanges(starts_at=START, link="https://zoom.us/j/123456789",
                                                 capacity=2), LATER)
        uow.commit()

    stored = load(storage, event_id)
    assert (stored.revision, stored.updated_at) == (1, NOW)
    assert notices(storage, NotificationKind.EVENT_CHANGED) == []
    assert reminders(storage, event_id) == before


def test_update_event_title_is_saved_without_notices(storage, event_with_readers):
    with storage.uow() as uow:
        update_event(uow, event_with_readers.id, EventChanges(titles={"ru": "Новое"}), LATER)
        uow.commit()

    stored = load(storage, event_with_readers.id)
    assert (stored.titles, stored.revision, stored.updated_at) == ({"ru": "Новое"}, 1, LATER)
    assert notices(storage, NotificationKind.EVENT_CHANGED) == []


def test_update_event_new_offsets_replan_reminders(storage, event_with_readers):
    with storage.uow() as uow:
        update_event(uow, event_with_readers.id, EventChanges(reminder_offsets=[120]), LATER)
        uow.commit()

    pending = NotificationStatus.PENDING
    assert reminders(storage, event_with_readers.id) == [
        (1001, 120, START - timedelta(hours=2), pending),
        (1002, 120, START - timedelta(hours=2), pending),
    ]


def test_update_event_more_seats_promotes_the_waiting_reader(storage, event_with_readers):
    with storage.uow() as uow:
        update_event(uow, event_with_readers.id, EventChanges(capacity=3), LATER)
        uow.commit()

    with storage.uow() as uow:
        status = uow.registrations.get(event_with_readers.id, 1003).status
    assert status == RegistrationStatus.REGISTERED
    assert [key for key, _ in notices(storage, NotificationKind.PROMOTED)] == [
        f"promoted:{event_with_readers.id}:1003:{(NOW + timedelta(seconds=3)).isoformat()}"
    ]


def test_update_event_unlimited_capacity_promotes_too(storage, event_with_readers):
    with storage.uow() as uow:
        update_event(uow, event_with_readers.id, EventChanges(capacity=None), LATER)
        uow.commit()

    assert load(storage, event_with_readers.id).capacity is None
    with storage.uow() as uow:
        status = uow.registrations.get(event_with_readers.id, 1003).status
    assert status == RegistrationStatus.REGISTERED


def test_cancel_event_tells_registered_and_waitlisted_and_drops_reminders(
    storage, event_with_readers
):
    event_id = event_with_readers.id

    with storage.uow() as uow:
        cancelled = cancel_event(uow, event_id, LATER)
        uow.commit()

    assert (cancelled.cancelled_at, cancelled.updated_at) == (LATER, LATER)
    assert notices(storage, NotificationKind.EVENT_CANCELLED) == [
        (f"event_cancelled:{event_id}:1001:cancelled", {}),
        (f"event_cancelled:{event_id}:1002:cancelled", {}),
        (f"event_cancelled:{event_id}:1003:cancelled", {}),
    ]
    assert reminders(storage, event_id) == []
    with storage.uow() as uow:
        statuses = [uow.registrations.get(event_id, user).status for user in (1001, 1002, 1003)]
    assert statuses == ["registered", "registered", "waitlisted"]


def test_cancel_event_keeps_reminders_already_sent(storage, event_with_readers):
    event_id = event_with_readers.id
    with storage.uow() as uow:
        sent = uow.notifications.by_key(f"reminder:{event_id}:1001:1440")
        sent.status = NotificationStatus.SENT
        uow.commit()

    with storage.uow() as uow:
        cancel_event(uow, event_id, LATER)
        uow.commit()

    assert reminders(storage, event_id) == [
        (1001, 1440, START - timedelta(days=1), NotificationStatus.SENT)
    ]


@pytest.mark.parametrize("action", ["update", "cancel"])
def test_missing_or_cancelled_event_raises_event_not_found(storage, action):
    cancelled = make_event(storage, cancelled_at=NOW)

    def act(uow, event_id):  # noqa: ANN001, ANN202
        if action == "update":
            return update_event(uow, event_id, EventChanges(link="https://zoom.us/j/1"), LATER)
        return cancel_event(uow, event_id, LATER)

    with storage.uow() as uow:
        with pytest.raises(EventNotFound):
            act(uow, 999_999)
        with pytest.raises(EventNotFound):
            act(uow, cancelled.id)


def test_registrants_lists_registered_and_waiting_in_order(storage, event_with_readers):
    with storage.uow() as uow:
        result = registrants(uow, event_with_readers.id)

    assert result.event.id == event_with_readers.id
    assert [user.id for user in result.registered] == [1001, 1002]
    assert [user.id for user in result.waitlisted] == [1003]


def test_registrants_of_missing_event_raises_event_not_found(storage):
    with storage.uow() as uow, pytest.raises(EventNotFound):
        registrants(uow, 999_999)


def test_upsert_event_creates_then_reports_unchanged(storage):
    with storage.uow() as uow:
        created, outcome = upsert_event(uow, draft(), NOW)
        uow.commit()
    with storage.uow() as uow:
        again, second = upsert_event(uow, draft(), LATER)
        uow.commit()

    assert (outcome, second, again.id) == ("created", "unchanged", created.id)
    stored = load(storage, created.id)
    assert (stored.updated_at, stored.revision, stored.created_by) == (NOW, 1, None)


def test_upsert_event_new_start_goes_through_update_and_notifies(storage):
    with storage.uow() as uow:
        event, _ = upsert_event(uow, draft(), NOW)
        uow.commit()
    sign_up(storage, event.id, 1001)
    new_start = START + timedelta(hours=3)

    with storage.uow() as uow:
        _, outcome = upsert_event(uow, draft(starts_at=new_start), LATER)
        uow.commit()

    assert outcome == "updated"
    assert notices(storage, NotificationKind.EVENT_CHANGED) == [
        (f"event_changed:{event.id}:1001:2",
         {"changes": ["starts_at"], "old_starts_at": START.isoformat()}),
    ]
    assert [due for _, _, due, _ in reminders(storage, event.id)] == [
        new_start, new_start - timedelta(hours=1), new_start - timedelta(days=1)
    ]


def test_upsert_event_new_partners_and_kind_update_without_notices(storage):
    with storage.uow() as uow:
        event, _ = upsert_event(uow, draft(), NOW)
        uow.commit()
    sign_up(storage, event.id, 1001)
    partners = [PartnerDraft("Mogilev City Library System", "Mogilev", "Europe/Minsk")]

    with storage.uow() as uow:
        _, outcome = upsert_event(uow, draft(kind=EventKind.CONFERENCE, partners=partners), LATER)
        uow.commit()

    with storage.uow() as uow:
        stored = uow.events.get(event.id)
        stored_partners = [(p.name, p.city, p.timezone) for p in uow.events.partners(event.id)]
    assert outcome == "updated"
    assert (stored.kind, stored.revision, stored.updated_at) == ("conference", 1, LATER)
    assert stored_partners == [("Mogilev City Library System", "Mogilev", "Europe/Minsk")]
    assert notices(storage, NotificationKind.EVENT_CHANGED) == []


def test_upsert_event_of_cancelled_event_raises_event_not_found(storage):
    make_event(storage, key="karaganda-kyiv-2026-12", cancelled_at=NOW)

    with storage.uow() as uow, pytest.raises(EventNotFound):
        upsert_event(uow, draft(), LATER)


# --- the organizers' buttons, each in a unit of work of its own ------------------------------


def woken(database: Database) -> list[int]:
    """Counts the sender's wake-ups after commits that added or moved outbox rows."""
    wakes: list[int] = []
    database.on_outbox_commit = lambda: wakes.append(1)
    return wakes


def test_add_event_stores_the_draft_with_its_partners(storage):
    event = add_event(storage, draft(key=None), 77, NOW)

    with storage.uow() as uow:
        stored = uow.events.get(event.id)
        partners = [p.name for p in uow.events.partners(event.id)]
    assert (stored.created_by, stored.starts_at, partners) == (
        77, START, ["State Library of Ukraine for Youth"])


def test_edit_event_reports_before_and_after_and_wakes_the_sender(storage, event_with_readers):
    wakes = woken(storage)

    done = edit_event(storage, event_with_readers.id, EventChanges(capacity=3), LATER)

    assert ([u.id for u in done.before.registered], [u.id for u in done.after.registered],
            [u.id for u in done.after.waitlisted], len(wakes)) == ([1001, 1002],
                                                                   [1001, 1002, 1003], [], 1)


def test_edit_event_reminders_only_moved_still_wake_the_sender(storage, event_with_readers):
    wakes = woken(storage)

    edit_event(storage, event_with_readers.id, EventChanges(reminder_offsets=[60, 0]), LATER)

    assert (sorted({offset for _user, offset, _due, _status in
                    reminders(storage, event_with_readers.id)}), len(wakes)) == ([0, 60], 1)


def test_edit_event_to_a_start_passed_meanwhile_writes_nothing(storage, event_with_readers):
    with pytest.raises(FieldError):
        edit_event(storage, event_with_readers.id,
                   EventChanges(starts_at=START - timedelta(days=2)), START - timedelta(days=1))

    with storage.uow() as uow:
        assert uow.events.get(event_with_readers.id).starts_at == START


def test_cancel_event_now_returns_who_is_told_and_refuses_a_second_time(
    storage, event_with_readers
):
    wakes = woken(storage)

    told = cancel_event_now(storage, event_with_readers.id, LATER)

    with pytest.raises(EventNotFound):
        cancel_event_now(storage, event_with_readers.id, LATER)
    assert ([u.id for u in told.registered + told.waitlisted], told.event.cancelled_at,
            len(wakes)) == ([1001, 1002, 1003], LATER, 1)
