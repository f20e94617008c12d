"""Texts of reminders and notices, rendered for one reader at one moment."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.i18n import Catalogs
from bot.core.settings import Settings
from bot.messages import notices
from storage.models import Event, EventKind, Notification, NotificationKind, User
from tests.factories import NOW

# Readers' times below are in Asia/Almaty (UTC+5) unless the reader set a zone.
STARTS = NOW + timedelta(days=1)  # 23 November 2026, 09:00 Almaty
LINK = "https://zoom.us/j/123456789"


@pytest.fixture
def en(catalogs: Catalogs):
    return catalogs.translator("en")


def event(**overrides) -> Event:
    fields = {
        "id": 12,
        "kind": EventKind.VIDEO_BRIDGE,
        "titles": {"ru": "Модель будущего", "en": "A model of the future"},
        "descriptions": {},
        "language": "ru",
        "starts_at": STARTS,
        "duration_minutes": 90,
        "timezone": "Asia/Almaty",
        "link": LINK,
        "reminder_offsets": [24 * 60, 60, 0],
        "created_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return Event(**fields)


def reader(**overrides) -> User:
    return User(**{"id": 501, "language": "en", "created_at": NOW, **overrides})


def row(kind: NotificationKind, offset: int | None = None, payload: dict | None = None):
    return Notification(
        dedupe_key="test",
        kind=kind,
        user_id=501,
        event_id=12,
        offset_minutes=offset,
        payload=payload or {},
        due_at=NOW,
        next_attempt_at=NOW,
        created_at=NOW,
    )


def say(
    t,
    kind: NotificationKind,
    now,
    *,
    offset=None,
    payload=None,
    settings=None,
    user=None,
    **event_fields,
) -> str:
    """The text `kind` renders to for the reader at `now`."""
    return notices.render(
        t,
        row(kind, offset, payload),
        event(**event_fields),
        user or reader(),
        settings or Settings(),
        now,
    )


def reminder_at(t, now, offset: int, **event_fields) -> str:
    return say(t, NotificationKind.REMINDER, now, offset=offset, **event_fields)


def test_reminder_a_day_ahead_withholds_the_join_link(en):
    text = reminder_at(en, STARTS - timedelta(hours=24), 24 * 60)

    assert text == (
        "⏰ «A model of the future» starts in 24 hours.\n"
        "Start: 23 November 2026, 09:00 (Almaty time)"
    )


def test_reminder_an_hour_ahead_offers_join(en):
    text = reminder_at(en, STARTS - timedelta(hours=1), 60)

    assert text == (
        "⏰ «A model of the future» starts in 1 hour.\n"
        "Start: 23 November 2026, 09:00 (Almaty time)\n"
        "Press «Join» below to get the join link."
    )


def test_reminder_just_before_the_lead_time_withholds_the_join_link(en):
    text = reminder_at(en, STARTS - timedelta(minutes=61), 60)

    assert text == (
        "⏰ «A model of the future» starts in 61 minutes.\n"
        "Start: 23 November 2026, 09:00 (Almaty time)"
    )


def test_reminder_at_the_start_says_starting_now(en):
    text = reminder_at(en, STARTS, 0)

    assert text == (
        "⏰ «A model of the future» is starting now.\n"
        "Start: 23 November 2026, 09:00 (Almaty time)\n"
        "Press «Join» below to get the join link."
    )


def test_reminder_sent_late_tells_the_time_actually_left(en):
    # The 24-hour reminder, delivered after downtime with 3 hours left.
    text = reminder_at(en, STARTS - timedelta(hours=3), 24 * 60)

    assert text.splitlines()[0] == "⏰ «A model of the future» starts in 3 hours."


def test_reminder_for_an_event_days_ahead_counts_days(en):
    text = reminder_at(en, STARTS - timedelta(days=3), 3 * 24 * 60)

    assert text.splitlines()[0] == "⏰ «A model of the future» starts in 3 days."


def test_reminder_without_a_link_has_no_join_line(en):
    text = reminder_at(en, STARTS, 0, link=None)

    assert text == (
        "⏰ «A model of the future» is starting now.\nStart: 23 November 2026, 09:00 (Almaty time)"
    )


def test_reminder_shows_the_time_in_the_readers_own_zone(en):
    text = say(
        en,
        NotificationKind.REMINDER,
        STARTS - timedelta(hours=24),
        offset=24 * 60,
        user=reader(timezone="Europe/Kyiv"),
    )

    assert text.splitlines()[1] == "Start: 23 November 2026, 06:00 (your time)"


def test_title_falls_back_to_the_events_language(catalogs):
    kk = catalogs.translator("kk")

    assert notices.event_title(kk, event()) == "Модель будущего"


def test_event_changed_tells_new_and_old_time_and_the_new_link(en):
    payload = {"changes": ["starts_at", "link"], "old_starts_at": NOW.isoformat()}

    text = say(en, NotificationKind.EVENT_CHANGED, STARTS - timedelta(minutes=30), payload=payload)

    assert text == (
        "✏️ «A model of the future» has changed.\n"
        "New time: 23 November 2026, 09:00 (Almaty time) (was 22 November 2026, 09:00).\n"
        "The join link has changed.\n"
        "Press «Join» below to get the join link."
    )


def test_event_changed_link_days_ahead_does_not_reveal_it(en):
    payload = {"changes": ["link"], "old_starts_at": STARTS.isoformat()}

    text = say(en, NotificationKind.EVENT_CHANGED, NOW, payload=payload)

    assert text == (
        "✏️ «A model of the future» has changed.\n"
        "Start: 23 November 2026, 09:00 (Almaty time)\n"
        "The join link has changed."
    )


def test_event_changed_time_without_old_time(en):
    payload = {"changes": ["starts_at"]}

    text = say(en, NotificationKind.EVENT_CHANGED, NOW, payload=payload)

    assert text == (
        "✏️ «A model of the future» has changed.\nNew time: 23 November 2026, 09:00 (Almaty time)."
    )


def test_event_cancelled_notice(en):
    text = say(en, NotificationKind.EVENT_CANCELLED, NOW, cancelled_at=NOW)

    assert text == (
        "❌ «A model of the future» (23 November 2026, 09:00) has been cancelled. "
        "We are sorry."
    )


def test_promoted_notice_days_ahead(en):
    text = say(en, NotificationKind.PROMOTED, NOW)

    assert text == (
        "🎉 A seat freed up: you are now registered for «A model of the future».\n"
        "Start: 23 November 2026, 09:00 (Almaty time)"
    )


def test_promoted_notice_within_the_lead_time_offers_join(en):
    text = say(en, NotificationKind.PROMOTED, STARTS - timedelta(minutes=10))

    assert text.splitlines()[-1] == "Press «Join» below to get the join link."


def test_join_link_lead_is_configurable(en):
    settings = Settings(join_link_lead=timedelta(hours=2))

    text = say(
        en, NotificationKind.REMINDER, STARTS - timedelta(hours=2), offset=120, settings=settings
    )

    assert text.splitlines()[-1] == "Press «Join» below to get the join link."


def test_unknown_kind_is_refused(en):
    with pytest.raises(ValueError):
        say(en, "mystery", NOW)
