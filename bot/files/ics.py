"""An .ics calendar file for an event, sent to a reader who registered.

The URL is the bot's deep link to the event card, never the join link: the
join link is withheld until shortly before the start, and a calendar file is
easily forwarded.

The same file goes to a reader promoted from the waiting list, and again with the
notice of a new start time: the UID stays, the SEQUENCE (the event's revision, raised
on every notified change) grows, so the calendar moves its entry instead of adding one.
METHOD:PUBLISH, not REQUEST: a REQUEST is an invitation from an ORGANIZER to ATTENDEEs
(iTIP), which calendar apps answer with RSVP prompts; a PUBLISH with the same UID and a
higher SEQUENCE is what Apple Calendar, Outlook and Google Calendar's import update on.
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
    """The event as one VEVENT; without `bot_username` (a tool sending with a bare Bot)
    the entry carries no link to the card."""
    link = deep_link(bot_username, event.id) if bot_username else ""
    description = localized(event.descriptions, language, event.language)
    starts_at = event.starts_at.astimezone(UTC)

    entry = CalendarEvent()
    entry.add("uid", event_uid(event.id))
    entry.add("dtstamp", now.astimezone(UTC))
    entry.add("dtstart", starts_at)
    entry.add("dtend", starts_at + timedelta(minutes=event.duration_minutes))
    entry.add("summary", localized(event.titles, language, event.language))
    text = "\n\n".join(part for part in (description, link) if part)
    if text:
        entry.add("description", text)
    if link:
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
