"""Registering, the waiting list, cancelling and promotion, on SQLite and PostgreSQL."""

from datetime import date, timedelta

import pytest

from bot.services.profile import ProfileDraft, save_profile
from bot.services.registration import (
    EventFull,
    EventUnavailable,
    NotRegistered,
    ProfileRequired,
    cancel_registration,
    fill_free_seats,
    register,
    seats_left,
)
from storage.models import NotificationKind, RegistrationStatus, User
from storage.uow import Database
from tests.factories import NOW, make_event


def add_reader(database: Database, user_id: int, *, profile: bool = True) -> None:
    with database.uow() as uow:
        uow.users.add(User(id=user_id, first_name=f"Reader {user_id}", language="en",
                           created_at=NOW))
        uow.flush()
        if profile:
            draft = ProfileDraft("Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Karaganda",
                                 "Youth library")
            save_profile(uow, user_id, draft, NOW)
        uow.commit()


def statuses(database: Database, event_id: int) -> dict[int, str]:
    with database.uow() as uow:
        return {
            registration.user_id: registration.status
            for status in RegistrationStatus
            for registration in uow.registrations.for_event(event_id, status)
        }


def test_register_takes_a_seat_and_plans_reminders(storage):
    event = make_event(storage, capacity=10)
    add_reader(storage, 1)

    with storage.uow() as uow:
        outcome = register(uow, event.id, 1, NOW)
        uow.commit()

    with storage.uow() as uow:
        offsets = [reminder.offset_minutes for reminder in uow.notifications.reminders(event.id, 1)]
    assert (outcome.status, outcome.position_in_waitlist, statuses(storage, event.id), offsets) == (
        "registered", None, {1: "registered"}, [24 * 60, 60, 0]
    )


def test_register_when_full_puts_readers_on_the_waiting_list_in_order(storage):
    event = make_event(storage, capacity=1)
    for user_id in (1, 2, 3):
        add_reader(storage, user_id)

    with storage.uow() as uow:
        outcomes = [register(uow, event.id, user_id, NOW + timedelta(seconds=user_id))
                    for user_id in (1, 2, 3)]
        uow.commit()

    assert [(o.status, o.position_in_waitlist) for o in outcomes] == [
        ("registered", None), ("waitlisted", 1), ("waitlisted", 2)
    ]


def test_register_when_full_without_waitlist_raises_event_full(storage):
    event = make_event(storage, capacity=1)
    add_reader(storage, 1)
    add_reader(storage, 2)
    with storage.uow() as uow:
        register(uow, event.id, 1, NOW)
        uow.commit()

    with storage.uow() as uow, pytest.raises(EventFull):
        register(uow, event.id, 2, NOW, waitlist=False)

    assert statuses(storage, event.id) == {1: "registered"}


def test_register_twice_reports_already_registered_and_already_waitlisted(storage):
    event = make_event(storage, capacity=1)
    add_reader(storage, 1)
    add_reader(storage, 2)
    with storage.uow() as uow:
        register(uow, event.id, 1, NOW)
        register(uow, event.id, 2, NOW)
        uow.commit()

    with storage.uow() as uow:
        again = [register(uow, event.id, user_id, NOW) for user_id in (1, 2)]

    assert [(o.status, o.position_in_waitlist) for o in again] == [
        ("already_registered", None), ("already_waitlisted", 1)
    ]


def test_register_without_profile_raises_profile_required(storage):
    event = make_event(storage)
    add_reader(storage, 1, profile=False)

    with storage.uow() as uow, pytest.raises(ProfileRequired):
        register(uow, event.id, 1, NOW)

    assert statuses(storage, event.id) == {}


@pytest.mark.parametrize(
    "overrides",
    [{"cancelled_at": NOW - timedelta(hours=1)}, {"starts_at": NOW - timedelta(minutes=1)}],
    ids=["cancelled", "started"],
)
def test_register_for_cancelled_or_started_event_is_refused(storage, overrides):
    event = make_event(storage, **overrides)
    add_reader(storage, 1)

    with storage.uow() as uow, pytest.raises(EventUnavailable):
        register(uow, event.id, 1, NOW)

    assert statuses(storage, event.id) == {}


def test_register_for_missing_event_is_refused(storage):
    add_reader(storage, 1)

    with storage.uow() as uow, pytest.raises(EventUnavailable):
        register(uow, 404, 1, NOW)


def test_cancel_promotes_first_in_line_with_notice_and_reminders(storage):
    event = make_event(storage, capacity=1)
    for user_id in (1, 2, 3):
        add_reader(storage, user_id)
    with storage.uow() as uow:
        for user_id in (1, 2, 3):
            register(uow, event.id, user_id, NOW + timedelta(seconds=user_id))
        uow.commit()
    later = NOW + timedelta(hours=1)

    with storage.uow() as uow:
        promoted = cancel_registration(uow, event.id, 1, later)
        uow.commit()

    with storage.uow() as uow:
        notice = uow.notifications.by_key(
            f"promoted:{event.id}:2:{(NOW + timedelta(seconds=2)).isoformat()}"
        )
        reminders = {
            user_id: [r.offset_minutes for r in uow.notifications.reminders(event.id, user_id)]
            for user_id in (1, 2, 3)
        }
    assert (promoted, statuses(storage, event.id), notice.kind, notice.user_id, reminders) == (
        [2],
        {1: "cancelled", 2: "registered", 3: "waitlisted"},
        NotificationKind.PROMOTED,
        2,
        {1: [], 2: [24 * 60, 60, 0], 3: []},
    )


def test_cancel_from_waiting_list_promotes_nobody(storage):
    event = make_event(storage, capacity=1)
    add_reader(storage, 1)
    add_reader(storage, 2)
    with storage.uow() as uow:
        register(uow, event.id, 1, NOW)
        register(uow, event.id, 2, NOW + timedelta(seconds=1))
        uow.commit()

    with storage.uow() as uow:
        promoted = cancel_registration(uow, event.id, 2, NOW)
        uow.commit()

    assert (promoted, statuses(storage, event.id)) == ([], {1: "registered", 2: "cancelled"})


def test_cancel_without_registration_raises_not_registered(storage):
    event = make_event(storage)
    add_reader(storage, 1)

    with storage.uow() as uow, pytest.raises(NotRegistered):
        cancel_registration(uow, event.id, 1, NOW)


def test_register_again_after_cancelling_goes_to_the_end_of_the_line(storage):
    event = make_event(storage, capacity=1)
    for user_id in (1, 2, 3):
        add_reader(storage, user_id)
    with storage.uow() as uow:
        for user_id in (1, 2, 3):
            register(uow, event.id, user_id, NOW + timedelta(seconds=user_id))
        cancel_registration(uow, event.id, 2, NOW + timedelta(seconds=10))
        again = register(uow, event.id, 2, NOW + timedelta(seconds=20))
        uow.commit()

    assert (again.status, again.position_in_waitlist) == ("waitlisted", 2)


def test_fill_free_seats_after_capacity_grows_promotes_in_order(storage):
    event = make_event(storage, capacity=1)
    for user_id in (1, 2, 3, 4):
        add_reader(storage, user_id)
    with storage.uow() as uow:
        for user_id in (1, 2, 3, 4):
            register(uow, event.id, user_id, NOW + timedelta(seconds=user_id))
        uow.commit()

    with storage.uow() as uow:
        stored = uow.events.get(event.id)
        stored.capacity = 3
        promoted = fill_free_seats(uow, stored, NOW)
        uow.commit()

    assert (promoted, statuses(storage, event.id)) == (
        [2, 3], {1: "registered", 2: "registered", 3: "registered", 4: "waitlisted"}
    )


def test_seats_left_counts_registered_only_and_none_without_limit(storage):
    limited = make_event(storage, capacity=2)
    unlimited = make_event(storage, capacity=None)
    for user_id in (1, 2, 3):
        add_reader(storage, user_id)
    with storage.uow() as uow:
        for user_id in (1, 2, 3):
            register(uow, limited.id, user_id, NOW + timedelta(seconds=user_id))
        register(uow, unlimited.id, 1, NOW)
        uow.commit()

    with storage.uow() as uow:
        left = (seats_left(uow, uow.events.get(limited.id)),
                seats_left(uow, uow.events.get(unlimited.id)))
        cancel_registration(uow, limited.id, 3, NOW)
        after_waitlist_leaves = seats_left(uow, uow.events.get(limited.id))

    assert (left, after_waitlist_leaves) == ((0, None), 0)
