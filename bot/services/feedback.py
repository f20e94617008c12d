"""What readers thought of an event: a 1-5 rating and an optional comment.

An hour after an event ends, every reader recorded as having come (`Registration.attended_at`)
is asked once, through the outbox (`plan_requests`, run by a repeating job; the dedupe key
makes "once" hold across runs and processes). Answers are taken for `ANSWER_WINDOW` after
the end; pressed again, a rating changes (one row per reader and event). The organizer sees
the average, how many answered and the comments, without names: most readers are minors,
and a comment is theirs to write freely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.services.notifications import enqueue_notice
from storage.feedback_models import Feedback
from storage.models import Event, NotificationKind
from storage.uow import Database, UnitOfWork

ASKED_AFTER = timedelta(hours=1)
ANSWER_WINDOW = timedelta(days=7)
# Events started up to this long ago are looked at for requests still to send (no event
# lasts longer than a few days).
LOOK_BACK = ANSWER_WINDOW + timedelta(days=3)
COMMENT_LENGTH = 1000
RATINGS = range(1, 6)


class Answer(StrEnum):
    SAVED = "saved"
    CHANGED = "changed"  # a rating pressed again
    CLOSED = "closed"  # before the end, or after the window
    NOT_CAME = "not_came"  # no attendance recorded: the request was not theirs
    GONE = "gone"
    TOO_LONG = "too_long"  # a comment over COMMENT_LENGTH
    NO_RATING = "no_rating"  # a comment before any rating


@dataclass(frozen=True)
class Summary:
    answers: int
    average: float | None
    # How many gave each rating, 1 to 5.
    counts: tuple[int, ...]
    comments: list[str] = field(default_factory=list)


def ends_at(event: Event) -> datetime:
    return event.starts_at + timedelta(minutes=event.duration_minutes)


def plan_requests(db: Database, now: datetime) -> int:
    """Queue the rating request for every reader who came to an event that ended at least
    `ASKED_AFTER` ago and is still within its window; returns how many were queued now."""
    with db.uow() as uow:
        queued = 0
        for event in uow.feedback.ended_between(now - LOOK_BACK, now):
            if not ends_at(event) + ASKED_AFTER <= now < ends_at(event) + ANSWER_WINDOW:
                continue
            for user_id in uow.feedback.attendees(event.id):
                queued += enqueue_notice(uow, NotificationKind.FEEDBACK, event, user_id, now,
                                         occasion="1")
        uow.commit()
    return queued


def rate(db: Database, event_id: int, user_id: int, rating: int, now: datetime) -> Answer:
    if rating not in RATINGS:
        raise ValueError(f"a rating is 1 to 5, not {rating}")
    with db.uow() as uow:
        refused = _refusal(uow, event_id, user_id, now)
        if refused is not None:
            return refused
        found = uow.feedback.get(event_id, user_id)
        if found is None:
            uow.feedback.add(Feedback(event_id=event_id, user_id=user_id, rating=rating,
                                      created_at=now, updated_at=now))
            answer = Answer.SAVED
        else:
            found.rating, found.updated_at = rating, now
            answer = Answer.CHANGED
        uow.commit()
    return answer


def comment(db: Database, event_id: int, user_id: int, text: str, now: datetime) -> Answer:
    text = text.strip()
    if len(text) > COMMENT_LENGTH:
        return Answer.TOO_LONG
    with db.uow() as uow:
        refused = _refusal(uow, event_id, user_id, now)
        if refused is not None:
            return refused
        found = uow.feedback.get(event_id, user_id)
        if found is None:
            return Answer.NO_RATING
        found.comment, found.updated_at = text or None, now
        uow.commit()
    return Answer.SAVED


def summary(uow: UnitOfWork, event_id: int) -> Summary:
    rows = uow.feedback.of_event(event_id)
    answers, average = uow.feedback.average(event_id)
    counts = tuple(sum(1 for row in rows if row.rating == rating) for rating in RATINGS)
    return Summary(answers, average, counts, [row.comment for row in rows if row.comment])


def _refusal(uow: UnitOfWork, event_id: int, user_id: int, now: datetime) -> Answer | None:
    event = uow.events.get(event_id)
    if event is None:
        return Answer.GONE
    if not ends_at(event) <= now < ends_at(event) + ANSWER_WINDOW:
        return Answer.CLOSED
    registration = uow.registrations.get(event_id, user_id)
    if registration is None or registration.attended_at is None:
        return Answer.NOT_CAME
    return None
