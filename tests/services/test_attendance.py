"""Who came, in the service: Join recorded once, refusals, the organizer's marks and counts."""

from datetime import timedelta

import pytest

from bot.services import attendance
from bot.services.attendance import JoinResult, MarkResult, SheetUnavailable
from bot.services.organizer import cancel_event
from bot.services.registration import register
from tests.factories import NOW, make_event, make_readers

LEAD = timedelta(hours=1)


def _registered(database, event_id, *user_ids):
    make_readers(database, user_ids)
    with database.uow() as uow:
        for user_id in user_ids:
            register(uow, event_id, user_id, NOW)
        uow.commit()


def _registration(database, event_id, user_id):
    with database.uow() as uow:
        return uow.registrations.get(event_id, user_id)


def test_join_within_the_lead_time_keeps_the_first_time(database):
    event = make_event(database)
    _registered(database, event.id, 1)
    first = event.starts_at - timedelta(minutes=30)

    outcomes = [attendance.join(database, event.id, 1, moment, LEAD)
                for moment in (first, first + timedelta(minutes=20))]

    row = _registration(database, event.id, 1)
    assert ([(o.result, o.link) for o in outcomes], row.attended_at, row.attended_how) == (
        [(JoinResult.GIVEN, event.link)] * 2, first, "joined")


@pytest.mark.parametrize(("moment", "expected"), [
    (timedelta(hours=-2), JoinResult.TOO_EARLY),
    (timedelta(minutes=90), JoinResult.OVER),
])
def test_join_outside_the_window_records_nothing(database, moment, expected):
    event = make_event(database)
    _registered(database, event.id, 1)

    outcome = attendance.join(database, event.id, 1, event.starts_at + moment, LEAD)

    assert (outcome.result, _registration(database, event.id, 1).attended_at) == (expected, None)


def test_join_too_early_says_when_it_opens(database):
    event = make_event(database)
    _registered(database, event.id, 1)

    outcome = attendance.join(database, event.id, 1, NOW, LEAD)

    assert (outcome.result, outcome.opens_at) == (JoinResult.TOO_EARLY, event.starts_at - LEAD)


def test_join_by_others_is_refused_with_the_reason(database):
    event = make_event(database, capacity=1)
    cancelled = make_event(database)
    no_link = make_event(database, link=None)
    _registered(database, event.id, 1, 2)
    with database.uow() as uow:
        for event_id, user_id in [(no_link.id, 1), (cancelled.id, 1)]:
            register(uow, event_id, user_id, NOW)
        cancel_event(uow, cancelled.id, NOW)
        uow.commit()
    now = event.starts_at - timedelta(minutes=5)

    results = [attendance.join(database, event_id, user_id, now, LEAD).result
               for event_id, user_id in [(event.id, 2), (event.id, 3), (cancelled.id, 1),
                                         (no_link.id, 1), (999, 1)]]

    assert results == [JoinResult.WAITLISTED, JoinResult.NOT_REGISTERED, JoinResult.CANCELLED,
                       JoinResult.NO_LINK, JoinResult.GONE]


def test_sheet_counts_registered_came_and_no_shows_once_over(storage):
    # Both databases: the sheet's queries are the report's figures.
    event = make_event(storage)
    _registered(storage, event.id, 1, 2, 3)
    during = event.starts_at + timedelta(minutes=10)
    attendance.join(storage, event.id, 1, during, LEAD)
    with storage.uow() as uow:
        second = uow.registrations.get(event.id, 2).id
    attendance.mark(storage, event.id, second, True, during, LEAD)

    with storage.uow() as uow:
        live = attendance.sheet(uow, event.id, 0, during)
        over = attendance.sheet(uow, event.id, 0, event.starts_at + timedelta(hours=2))

    assert ((live.registered, live.came, live.no_show), (over.registered, over.came, over.no_show),
            [a.came for a in over.attendees]) == ((3, 2, None), (3, 2, 1), [True, True, False])


def test_mark_keeps_a_join_and_unmark_clears_it(database):
    event = make_event(database)
    _registered(database, event.id, 1)
    joined_at = event.starts_at
    attendance.join(database, event.id, 1, joined_at, LEAD)
    registration_id = _registration(database, event.id, 1).id

    attendance.mark(database, event.id, registration_id, True, joined_at + LEAD, LEAD)
    kept = _registration(database, event.id, 1)
    attendance.mark(database, event.id, registration_id, False, joined_at + LEAD, LEAD)
    cleared = _registration(database, event.id, 1)

    assert ((kept.attended_at, kept.attended_how), (cleared.attended_at, cleared.attended_how)) == (
        (joined_at, "joined"), (None, None))


def test_mark_refuses_early_and_another_events_registration(database):
    event, other = make_event(database), make_event(database)
    _registered(database, event.id, 1)
    registration_id = _registration(database, event.id, 1).id

    early = attendance.mark(database, event.id, registration_id, True, NOW, LEAD)
    foreign = attendance.mark(database, other.id, registration_id, True, event.starts_at, LEAD)

    assert ((early.result, early.opens_at), foreign.result,
            _registration(database, event.id, 1).attended_at) == (
        (MarkResult.TOO_EARLY, event.starts_at - LEAD), MarkResult.UNKNOWN, None)


def test_sheet_of_a_cancelled_event_is_unavailable(database):
    event = make_event(database)
    with database.uow() as uow:
        cancel_event(uow, event.id, NOW)
        uow.commit()

    with database.uow() as uow, pytest.raises(SheetUnavailable):
        attendance.sheet(uow, event.id, 0, NOW)
