"""Ratings and comments of readers who came (bot.services.feedback), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from bot.services import feedback
from bot.services.feedback import Answer
from bot.services.privacy import erase_reader
from storage.models import (
    AttendedHow,
    Notification,
    NotificationKind,
    Registration,
    RegistrationStatus,
)
from tests.factories import NOW, make_event
from tests.services.engine_factories import add_readers

CAME, STAYED_AWAY, CANCELLED_BUT_CAME = 901, 902, 903


def ended(storage, ago: timedelta = timedelta(hours=2), **fields):  # noqa: ANN001, ANN201
    """A 60-minute event that ended `ago` before NOW, with three registrants."""
    event = make_event(storage, starts_at=NOW - ago - timedelta(minutes=60),
                       duration_minutes=60, **fields)
    with storage.uow() as uow:
        for user_id, status, came in ((CAME, RegistrationStatus.REGISTERED, True),
                                      (STAYED_AWAY, RegistrationStatus.REGISTERED, False),
                                      (CANCELLED_BUT_CAME, RegistrationStatus.CANCELLED, True)):
            uow.session.add(Registration(
                event_id=event.id, user_id=user_id, status=status, queued_at=NOW,
                attended_at=event.starts_at if came else None,
                attended_how=AttendedHow.JOINED if came else None,
                created_at=NOW, updated_at=NOW))
        uow.commit()
    return event


@pytest.fixture
def readers(storage):  # noqa: ANN001, ANN201
    add_readers(storage, [CAME, STAYED_AWAY, CANCELLED_BUT_CAME])


def requests(storage) -> list[str]:  # noqa: ANN001
    with storage.uow() as uow:
        rows = uow.session.exec(select(Notification).where(
            Notification.kind == NotificationKind.FEEDBACK)).all()
        return sorted(row.dedupe_key for row in rows)


def test_feedback_requests_go_once_to_everyone_who_came_an_hour_after_the_end(storage, readers):
    event = ended(storage)

    first = feedback.plan_requests(storage, NOW)
    again = feedback.plan_requests(storage, NOW + timedelta(minutes=10))

    assert (first, again) == (2, 0)
    assert requests(storage) == [f"feedback:{event.id}:{CAME}:1",
                                 f"feedback:{event.id}:{CANCELLED_BUT_CAME}:1"]


@pytest.mark.parametrize(("ago", "cancelled"), [
    (timedelta(minutes=30), False),  # not an hour yet
    (timedelta(days=8), False),  # past the answer window
    (timedelta(hours=2), True),
])
def test_feedback_requests_not_sent_too_early_too_late_or_for_cancelled_events(
    storage, readers, ago, cancelled
):
    ended(storage, ago, cancelled_at=NOW if cancelled else None)

    assert feedback.plan_requests(storage, NOW) == 0


def test_feedback_rating_pressed_twice_changes_it_and_counts_once(storage, readers):
    event = ended(storage)

    answers = [feedback.rate(storage, event.id, CAME, 2, NOW),
               feedback.rate(storage, event.id, CAME, 5, NOW),
               feedback.rate(storage, event.id, CANCELLED_BUT_CAME, 4, NOW)]
    with storage.uow() as uow:
        summary = feedback.summary(uow, event.id)

    assert answers == [Answer.SAVED, Answer.CHANGED, Answer.SAVED]
    assert (summary.answers, summary.average, summary.counts) == (2, 4.5, (0, 0, 0, 1, 1))


@pytest.mark.parametrize(("user_id", "moment", "expected"), [
    (STAYED_AWAY, NOW, Answer.NOT_CAME),
    (CAME, NOW - timedelta(hours=3), Answer.CLOSED),  # the event had not ended
    (CAME, NOW + timedelta(days=7), Answer.CLOSED),  # a week after the end: closed
])
def test_feedback_rating_refused_to_who_did_not_come_and_outside_the_window(
    storage, readers, user_id, moment, expected
):
    event = ended(storage)

    assert feedback.rate(storage, event.id, user_id, 5, moment) == expected
    with storage.uow() as uow:
        assert feedback.summary(uow, event.id).answers == 0


def test_feedback_comment_needs_a_rating_and_at_most_a_thousand_characters(storage, readers):
    event = ended(storage)

    before = feedback.comment(storage, event.id, CAME, "Интересно!", NOW)
    feedback.rate(storage, event.id, CAME, 5, NOW)
    too_long = feedback.comment(storage, event.id, CAME, "а" * 1001, NOW)
    saved = feedback.comment(storage, event.id, CAME, "  Интересно!  ", NOW)
    with storage.uow() as uow:
        summary = feedback.summary(uow, event.id)

    assert (before, too_long, saved) == (Answer.NO_RATING, Answer.TOO_LONG, Answer.SAVED)
    assert summary.comments == ["Интересно!"]


def test_feedback_erased_with_the_reader(storage, readers):
    event = ended(storage)
    feedback.rate(storage, event.id, CAME, 5, NOW)
    feedback.comment(storage, event.id, CAME, "Было здорово, я Аружан из 9Б", NOW)

    erase_reader(storage, CAME, NOW)

    with storage.uow() as uow:
        assert feedback.summary(uow, event.id).answers == 0


def test_feedback_rating_outside_one_to_five_is_a_bug(storage, readers):
    event = ended(storage)

    with pytest.raises(ValueError):
        feedback.rate(storage, event.id, CAME, 6, NOW)
