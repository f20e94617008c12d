"""An organizer's events that have already started: after the start an event card no longer
opens (readers cannot register), but its organizer still needs its registrants list (who
came, ratings, letters of thanks)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.services.roles import Role
from storage.models import Event
from storage.report_repository import Window
from storage.uow import UnitOfWork

LOOK_BACK = timedelta(days=120)
SHOWN = 20


def past_events(uow: UnitOfWork, role: Role, now: datetime) -> list[Event]:
    """The latest `SHOWN` events of the organizer's libraries (all, for an admin) that
    started within `LOOK_BACK`, not cancelled, the latest first."""
    return uow.reports.recent(Window(now - LOOK_BACK, now, role.scope), SHOWN)
