"""An .ics calendar file for an event, sent to a reader who registered.

The URL is the bot's deep link to the event card, never the join link: the
join link is withheld until shortly before the start, and a calendar file is
easily forwarded.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from bot.services.catalog import localized
from storage.models import Event

PRODUCT_ID = "-//Kopir//Kopir bot//EN"


def deep_link(bot_username: str, event_id: int) -> str:
    return f"https://t.me/{bot_username}?start=event_{event_id}"


def ics_filename(event_id: int) -> str:
    return f"kopir-event-{event_id}.ics"


def event_uid(event_id: int) -> str:
    # Stable per event, so a calendar updates its entry when a new file arrives.
    return f"kopir-event-{event_id}@kopir"


def event_calendar(event: Event, language: str | None, bot_username: str, now: datetime) -> bytes:
    link = deep_link(bot_username, event.id)
    description = localized(event.descriptions, language, event.language)
    starts_at = event.starts_at.astimezone(UTC)

    entry = CalendarEvent()
    entry.add("uid", event_uid(event.id))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", starts_at)
    entry.add("dtend", starts_at + timedelta(minutes=event.duration_minutes))
    entry.add("summary", localized(event.titles, language, event.language))
    entry.add("description", f"{description}\n\n{link}" if description else link)
    entry.add("url", link)
    if event.address:
        # An event in the library: the calendar shows where (and maps it, in most apps).
        entry.add("location", event.address)
    # Calendars replace an entry only when the sequence grows.
    entry.add("sequence", event.revision)

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(entry)
    return calendar.to_ical()
