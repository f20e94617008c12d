"""Queries over `feedback`. Never commits; the unit of work does."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from storage.db import rowcount
from storage.feedback_models import Feedback
from storage.models import Event, Registration


class FeedbackRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, event_id: int, user_id: int) -> Feedback | None:
        return self.session.exec(select(Feedback).where(
            Feedback.event_id == event_id, Feedback.user_id == user_id)).first()

    def add(self, feedback: Feedback) -> None:
        self.session.add(feedback)

    def of_event(self, event_id: int) -> list[Feedback]:
        return list(self.session.exec(
            select(Feedback).where(Feedback.event_id == event_id)
            .order_by(col(Feedback.created_at), col(Feedback.id))).all())

    def of_reader(self, user_id: int) -> list[tuple[Feedback, Event]]:
        rows = self.session.exec(
            select(Feedback, Event).join(Event, col(Event.id) == col(Feedback.event_id))
            .where(Feedback.user_id == user_id).order_by(col(Event.starts_at)))
        return [(answer, event) for answer, event in rows.all()]

    def ended_between(self, earliest: datetime, latest: datetime) -> list[Event]:
        """Events not cancelled that started in the range (their end is checked by the
        caller: an event's length is its own)."""
        return list(self.session.exec(select(Event).where(
            col(Event.cancelled_at).is_(None),
            col(Event.starts_at) >= earliest, col(Event.starts_at) <= latest)).all())

    def attendees(self, event_id: int) -> list[int]:
        """Readers recorded as having come, whatever their registration's status now."""
        return list(self.session.exec(select(Registration.user_id).where(
            Registration.event_id == event_id,
            col(Registration.attended_at).is_not(None))).all())

    def average(self, event_id: int) -> tuple[int, float | None]:
        count, average = self.session.exec(
            select(func.count(), func.avg(Feedback.rating)).where(
                Feedback.event_id == event_id)).one()
        return int(count), None if average is None else float(average)

    def forget_reader(self, user_id: int) -> int:
        removed = self.session.execute(delete(Feedback).where(col(Feedback.user_id) == user_id))
        return rowcount(removed)
