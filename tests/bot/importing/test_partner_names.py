"""Partner libraries' names and cities per language in an import file (issue 13)."""

from __future__ import annotations

import pytest

from bot.importing.events import ImportFailed, Problem, import_events, load_events_file
from tests.factories import NOW

EVENT = """\
events:
  - key: kyiv-karaganda-2026-12
    kind: video_bridge
    title: {{kk: "Болашақ үлгісі", ru: "Модель будущего"}}
    starts_at: 2026-12-05T15:00:00+05:00
    duration_minutes: 90
    timezone: Asia/Almaty
    language: kk
    partners:
{partners}
"""

BY_LANGUAGE = """\
      - name: {kk: "Жастар кітапханасы", ru: "Юношеская библиотека", uk: "Юнацька бібліотека"}
        city: {uk: "Київ", ru: "Киев"}
      - {name: "Mogilev City Library System", city: "Mogilev"}
"""


def _partners(database, partners: str) -> list[tuple]:  # noqa: ANN001
    drafts = load_events_file(EVENT.format(partners=partners), NOW, database=database)
    import_events(database, drafts, NOW)
    with database.uow() as uow:
        event = uow.events.by_key("kyiv-karaganda-2026-12")
        return [(p.name, p.city, p.timezone, p.names, p.cities)
                for p in uow.events.partners(event.id)]


def test_import_partner_names_and_cities_by_language_are_stored(database):
    partners = _partners(database, BY_LANGUAGE)

    assert partners == [
        ("Жастар кітапханасы", "Київ", "Europe/Kyiv",
         {"kk": "Жастар кітапханасы", "ru": "Юношеская библиотека", "uk": "Юнацька бібліотека"},
         {"uk": "Київ", "ru": "Киев"}),
        ("Mogilev City Library System", "Mogilev", "Europe/Minsk", {}, {}),
    ]


def test_import_partner_names_by_language_twice_changes_nothing(database):
    text = EVENT.format(partners=BY_LANGUAGE)
    import_events(database, load_events_file(text, NOW, database=database), NOW)

    report = import_events(database, load_events_file(text, NOW, database=database), NOW)

    assert report.summary() == "1 event: 0 created, 0 updated, 1 unchanged"


def test_import_partner_empty_name_in_a_language_is_a_problem_on_its_line(database):
    partners = '      - name: {kk: "Жастар кітапханасы", uk: ""}\n        city: Kyiv\n'

    with pytest.raises(ImportFailed) as failed:
        _partners(database, partners)

    assert failed.value.problems == [Problem(10, "partners: the partner's name is empty.")]
