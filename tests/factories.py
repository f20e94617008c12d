"""Arrange helpers: rows written straight through the unit of work."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from bot.services.profile import ProfileDraft, save_profile
from storage.models import Event, EventKind, Partner, User
from storage.uow import Database

# Tests run at a fixed moment: a Sunday morning in Karaganda.
NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def years_ahead(text: str) -> str:
    """The text with its 2026-2027 dates moved to next year or later, for code on the real clock.

    Whole years keep every gap between the dates, so a file valid at NOW stays valid today.
    """
    shift = datetime.now(UTC).year - NOW.year + 1
    return re.sub(r"\b202[67]\b", lambda year: str(int(year.group()) + shift), text)


def make_event(database: Database, **overrides) -> Event:
    partners = overrides.pop("partners", None)
    fields = {
        "kind": EventKind.VIDEO_BRIDGE,
        "titles": {"ru": "Модель будущего", "en": "A model of the future"},
        "descriptions": {"ru": "Видеомост Караганда — Киев", "en": "Karaganda — Kyiv video-bridge"},
        "language": "ru",
        "starts_at": NOW + timedelta(days=3),
        "duration_minutes": 90,
        "timezone": "Asia/Almaty",
        "link": "https://zoom.us/j/123456789",
        "capacity": 100,
        "reminder_offsets": [24 * 60, 60, 0],
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    with database.uow() as uow:
        event = uow.events.add(Event(**fields))
        uow.flush()
        if partners is None:
            partners = [Partner(name="State Library of Ukraine for Youth", city="Kyiv",
                                timezone="Europe/Kyiv")]
        uow.events.replace_partners(event.id, partners)
        uow.commit()
    return event


def make_readers(database: Database, ids: Iterable[int]) -> None:
    """Readers with a complete profile (and consent), ready to register."""
    ids = list(ids)
    draft = ProfileDraft("Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Karaganda",
                         "Youth library")
    with database.uow() as uow:
        for user_id in ids:
            uow.users.add(User(id=user_id, first_name="Reader", language="en", created_at=NOW))
        uow.flush()
        for user_id in ids:
            save_profile(uow, user_id, draft, NOW)
        uow.commit()
