"""The .ics calendar file sent on registering."""

from datetime import UTC, datetime

from icalendar import Calendar

from bot.files.ics import event_calendar, ics_filename
from tests.factories import NOW, make_event


def parsed(content: bytes):
    return Calendar.from_ical(content).walk("VEVENT")[0]


def test_event_calendar_fields(database):
    event = make_event(
        database,
        starts_at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        duration_minutes=90,
        titles={"ru": "Модель будущего", "kk": "Болашақ үлгісі"},
        descriptions={"ru": "Видеомост Караганда — Киев"},
    )

    entry = parsed(event_calendar(event, "kk", "kopir_bot", NOW))

    link = f"https://t.me/kopir_bot?start=event_{event.id}"
    assert (
        str(entry["UID"]), entry.decoded("DTSTART"), entry.decoded("DTEND"), str(entry["SUMMARY"]),
        str(entry["DESCRIPTION"]), str(entry["URL"]), ics_filename(event.id),
    ) == (
        f"kopir-event-{event.id}@kopir",
        datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        datetime(2026, 12, 5, 11, 30, tzinfo=UTC),
        "Болашақ үлгісі",
        f"Видеомост Караганда — Киев\n\n{link}",
        link,
        f"kopir-event-{event.id}.ics",
    )


def test_event_calendar_uid_is_stable_and_join_link_is_withheld(database):
    event = make_event(database, link="https://zoom.us/j/secret-room")

    first = event_calendar(event, "en", "kopir_bot", NOW)
    second = event_calendar(event, "ru", "kopir_bot", NOW.replace(hour=9))

    assert (str(parsed(first)["UID"]) == str(parsed(second)["UID"]),
            b"secret-room" in first + second) == (True, False)


def test_event_calendar_times_are_utc(database):
    event = make_event(database, starts_at=datetime(2026, 12, 5, 10, 0, tzinfo=UTC))

    content = event_calendar(event, "en", "kopir_bot", NOW).decode()

    assert ("DTSTART:20261205T100000Z" in content, "DTEND:20261205T113000Z" in content) == (
        True, True
    )


def test_event_calendar_sequence_is_the_events_revision(database):
    event = make_event(database)
    first = parsed(event_calendar(event, "en", "kopir_bot", NOW))
    event.revision += 1

    second = parsed(event_calendar(event, "en", "kopir_bot", NOW))

    assert (str(second["UID"]), int(second["SEQUENCE"])) == (str(first["UID"]),
                                                             int(first["SEQUENCE"]) + 1)


def test_event_calendar_without_bot_username_has_no_link(database):
    event = make_event(database, descriptions={"en": "A bridge"})

    entry = parsed(event_calendar(event, "en", "", NOW))

    assert (str(entry["DESCRIPTION"]), "URL" in entry) == ("A bridge", False)
