"""`kind: offline` in an import file: an address instead of a join link."""

from __future__ import annotations

import pytest

from bot.importing.events import (
    ImportFailed,
    ImportReport,
    Problem,
    import_events,
    load_events_file,
)
from storage.models import Event
from tests.factories import NOW

OFFLINE = """\
events:
  - key: karaganda-reading-2026-12
    kind: offline
    title: "Читаем Абая вместе"
    starts_at: 2026-12-05T15:00:00+05:00
    duration_minutes: 90
    timezone: Asia/Almaty
    language: ru
    address: "Central Library, 12 Abay Avenue, reading room 2"
"""


def test_import_of_an_offline_event_keeps_its_address(database):
    report = import_events(database, load_events_file(OFFLINE, NOW, database=database), NOW)

    with database.uow() as uow:
        event = uow.events.by_key("karaganda-reading-2026-12")
        stored = (event.kind, event.address, event.link, event.checkin_token)
    assert (report, stored) == (
        ImportReport(created=["karaganda-reading-2026-12"]),
        ("offline", "Central Library, 12 Abay Avenue, reading room 2", None, None),
    )


def test_import_of_an_offline_event_without_an_address_is_refused(database):
    text = OFFLINE.replace('    address: "Central Library, 12 Abay Avenue, reading room 2"\n', "")

    with pytest.raises(ImportFailed) as failed:
        load_events_file(text, NOW, database=database)

    assert failed.value.problems == [
        Problem(2, "Missing required field `address` (kind offline).")]
    with database.uow() as uow:
        assert uow.session.get(Event, 1) is None
