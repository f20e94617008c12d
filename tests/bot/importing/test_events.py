from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.cli import main
from bot.importing.events import (
    ImportFailed,
    ImportReport,
    Problem,
    import_events,
    load_events_file,
)
from bot.services.event_fields import PartnerDraft
from storage.models import Event, Notification, Partner, Registration, User
from storage.uow import Database
from tests.factories import NOW, make_event, years_ahead

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "events.yaml"
LATER = NOW + timedelta(hours=1)

VALID = """\
events:
  - key: karaganda-kyiv-2026-12
    kind: video_bridge
    title: {ru: "Модель будущего глазами поколения next", en: "The model of the future"}
    description: "Видеомост Караганда — Киев"
    starts_at: 2026-12-05T15:00:00+05:00
    duration_minutes: 90
    timezone: Asia/Almaty
    language: ru
    partners:
      - {name: "State Library of Ukraine for Youth", city: "Kyiv", timezone: Europe/Kyiv}
    link: https://zoom.us/j/123456789
    capacity: 100
    reminders: [24h, 1h, 0m]
  - key: karaganda-mogilev-2026-12
    kind: chat_conference
    title: "Библиотеки в сети"
    starts_at: "12.12.2026 16:00"
    duration_minutes: 1h
    timezone: Karaganda
    language: ru
    partners:
      - "Mogilev City Library System, Могилёв"
"""

INVALID = """\
events:
  - key: karaganda-kyiv-2026-12
    kind: webinar
    title: {ru: "", en: "The model of the future"}
    starts_at: 2026-11-01T15:00:00+05:00
    duration_minutes: 90
    timezone: Asia/Almaty
    language: ru
    colour: red
    link: ftp://zoom.us/j/1
    reminders: [24h, soon]
  - key: karaganda-kyiv-2026-12
    kind: conference
    title: "Второе"
    starts_at: "12.12.2026 16:00"
    duration_minutes: 90
    timezone: Middle/Earth
    partners:
      - "Library, Atlantis"
"""


def counts(database: Database) -> tuple[int, int, int]:
    with database.uow() as uow:
        return tuple(
            uow.session.exec(select(func.count()).select_from(model)).one()
            for model in (Event, Partner, Notification)
        )


def run_import(database: Database, text: str, now=NOW) -> ImportReport:  # noqa: ANN001
    return import_events(database, load_events_file(text, now, database=database), now)


def test_import_valid_file_creates_events(database):
    report = run_import(database, VALID)

    assert report == ImportReport(
        created=["karaganda-kyiv-2026-12", "karaganda-mogilev-2026-12"], updated=[], unchanged=[]
    )
    assert report.summary() == "2 events: 2 created, 0 updated, 0 unchanged"
    with database.uow() as uow:
        kyiv = uow.events.by_key("karaganda-kyiv-2026-12")
        mogilev = uow.events.by_key("karaganda-mogilev-2026-12")
        kyiv_partners = [(p.name, p.city, p.timezone) for p in uow.events.partners(kyiv.id)]
        mogilev_partners = [(p.name, p.city, p.timezone) for p in uow.events.partners(mogilev.id)]
    assert (kyiv.kind, kyiv.titles, kyiv.descriptions, kyiv.language, kyiv.starts_at,
            kyiv.duration_minutes, kyiv.timezone, kyiv.link, kyiv.capacity,
            kyiv.reminder_offsets, kyiv.created_at, kyiv.updated_at) == (
        "video_bridge",
        {"ru": "Модель будущего глазами поколения next", "en": "The model of the future"},
        {"ru": "Видеомост Караганда — Киев"}, "ru", datetime(2026, 12, 5, 10, 0, tzinfo=UTC),
        90, "Asia/Almaty", "https://zoom.us/j/123456789", 100, [1440, 60, 0], NOW, NOW,
    )
    assert kyiv_partners == [("State Library of Ukraine for Youth", "Kyiv", "Europe/Kyiv")]
    assert (mogilev.kind, mogilev.titles, mogilev.descriptions, mogilev.starts_at,
            mogilev.duration_minutes, mogilev.timezone, mogilev.link, mogilev.capacity,
            mogilev.reminder_offsets) == (
        "chat_conference", {"ru": "Библиотеки в сети"}, {},
        datetime(2026, 12, 12, 11, 0, tzinfo=UTC), 60, "Asia/Almaty", None, None, [1440, 60, 0],
    )
    assert mogilev_partners == [("Mogilev City Library System", "Могилёв", "Europe/Minsk")]


def test_import_same_file_twice_changes_nothing(database):
    run_import(database, VALID)
    before = counts(database)

    report = run_import(database, VALID, LATER)

    assert report.summary() == "2 events: 0 created, 0 updated, 2 unchanged"
    assert counts(database) == before == (2, 2, 0)
    with database.uow() as uow:
        kyiv = uow.events.by_key("karaganda-kyiv-2026-12")
    assert (kyiv.updated_at, kyiv.revision) == (NOW, 1)


def test_reimport_with_new_start_updates_and_tells_registrants(database):
    run_import(database, VALID)
    with database.uow() as uow:
        event = uow.events.by_key("karaganda-kyiv-2026-12")
        uow.users.add(User(id=1001, first_name="Aruzhan", created_at=NOW))
        uow.flush()
        uow.registrations.add(Registration(event_id=event.id, user_id=1001, status="registered",
                                           queued_at=NOW, created_at=NOW, updated_at=NOW))
        uow.commit()
    moved = VALID.replace("2026-12-05T15:00:00+05:00", "2026-12-05T16:00:00+05:00")

    report = run_import(database, moved, LATER)

    assert report.summary() == "2 events: 0 created, 1 updated, 1 unchanged"
    with database.uow() as uow:
        notice = uow.notifications.by_key(f"event_changed:{event.id}:1001:2")
        stored = uow.events.get(event.id)
        reminders = [(r.offset_minutes, r.due_at) for r in uow.notifications.reminders(event.id)]
    new_start = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)
    assert notice.payload == {
        "changes": ["starts_at"], "old_starts_at": "2026-12-05T10:00:00+00:00"
    }
    assert (stored.starts_at, stored.revision, stored.updated_at) == (new_start, 2, LATER)
    assert reminders == [
        (1440, new_start - timedelta(days=1)), (60, new_start - timedelta(hours=1)), (0, new_start)
    ]


def test_invalid_file_lists_every_problem_by_line_and_writes_nothing(database):
    with pytest.raises(ImportFailed) as failed:
        load_events_file(INVALID, NOW, database=database)

    assert failed.value.problems == [
        Problem(3, "kind: Unknown kind of event webinar: use video_bridge, conference, "
                   "chat_conference or offline."),
        Problem(4, "title: ru: The title is empty: write a few words."),
        Problem(5, "starts_at: Start time must be in the future: 2026-11-01T15:00:00+05:00 is "
                   "already past."),
        Problem(9, "Unknown field `colour`; known fields: key, kind, title, description, "
                   "starts_at, duration_minutes, timezone, language, partners, link, capacity, "
                   "reminders, library, address, programme."),
        Problem(10, "link: ftp://zoom.us/j/1 is not a web link: it must start with https:// or "
                    "http://."),
        Problem(11, "reminders: Cannot read soon as a reminder time: write it like 24h, 1h or "
                    "30m."),
        Problem(12, "Missing required field `language`."),
        Problem(12, "key: the key karaganda-kyiv-2026-12 is already used on line 2."),
        Problem(17, "timezone: Unknown time zone Middle/Earth: write the city whose clock you "
                    "use, such as Karaganda or Kyiv."),
        Problem(19, "partners: I do not know the time zone of Atlantis: after a comma, add a "
                    "city with the same clock, for example: Library, Atlantis, Kyiv."),
    ]
    assert counts(database) == (0, 0, 0)


def test_invalid_file_rejected_whole_even_when_other_events_are_valid(database, tmp_path,
                                                                      monkeypatch, capsys):
    path = tmp_path / "events.yaml"
    path.write_text(years_ahead(VALID) + "  - key: broken\n    kind: conference\n",
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KOPIR_DATABASE_URL", str(database.engine.url))

    code = main(["import", str(path)])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:24: Missing required field `title`.",
        f"{path}:24: Missing required field `starts_at`.",
        f"{path}:24: Missing required field `duration_minutes`.",
        f"{path}:24: Missing required field `timezone`.",
        f"{path}:24: Missing required field `language`.",
        f"{path}: 5 problems; nothing was imported.",
    ]
    assert counts(database) == (0, 0, 0)


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("events:\n  - key: [a\n", [
            Problem(3, "YAML syntax error: while parsing a flow sequence; expected ',' or ']', "
                       "but got '<stream end>'.")]),
        ("events:\n  - key: a\n    key: b\n\tkind: x\n", [
            Problem(4, "YAML syntax error: while scanning for the next token; found character "
                       "'\\t' that cannot start any token.")]),
        ("", [Problem(1, "The file is empty: it must start with `events:` or `contests:`.")]),
        ("- key: a\n", [Problem(1, "The file must start with `events:` or `contests:`.")]),
        ("events: []\n", [Problem(1, "`events:` must be a list of events (`- key: ...`).")]),
        ("event:\n  - key: a\n", [
            Problem(1, "Unknown field `event`; known fields: events, contests."),
            Problem(1, "The file has no `events:` or `contests:` list."),
        ]),
    ],
)
def test_malformed_files_are_reported_with_lines(text, problems):
    with pytest.raises(ImportFailed) as failed:
        load_events_file(text, NOW)

    assert failed.value.problems == problems


def test_duplicate_field_and_title_without_event_language_are_reported():
    text = VALID.replace('    duration_minutes: 1h\n',
                         '    duration_minutes: 1h\n    duration_minutes: 2h\n')
    text = text.replace('title: {ru: "Модель будущего глазами поколения next", en: ',
                        'title: {en: ')

    with pytest.raises(ImportFailed) as failed:
        load_events_file(text, NOW)

    assert failed.value.problems == [
        Problem(4, "title: there is no title in the event's language (ru)."),
        Problem(20, "`duration_minutes` is given twice (first on line 19)."),
    ]


def test_past_start_is_accepted_when_the_event_is_stored_with_that_start(database):
    run_import(database, VALID)
    after_start = datetime(2026, 12, 6, tzinfo=UTC)

    report = run_import(database, VALID, after_start)

    assert report.summary() == "2 events: 0 created, 0 updated, 2 unchanged"
    with pytest.raises(ImportFailed) as failed:
        load_events_file(VALID, after_start)
    assert failed.value.problems == [
        Problem(6, "starts_at: Start time must be in the future: 2026-12-05T15:00:00+05:00 is "
                   "already past.")
    ]


def test_cancelled_event_is_skipped_not_revived(database):
    make_event(database, key="karaganda-kyiv-2026-12", cancelled_at=NOW)

    report = run_import(database, VALID)

    assert report.summary() == (
        "2 events: 1 created, 0 updated, 0 unchanged, 1 skipped (cancelled: karaganda-kyiv-2026-12)"
    )
    with database.uow() as uow:
        assert uow.events.by_key("karaganda-kyiv-2026-12").cancelled_at == NOW


def test_example_file_imports_cleanly(database):
    drafts = load_events_file(EXAMPLE, NOW)

    report = import_events(database, drafts, NOW)

    assert report.summary() == "4 events: 4 created, 0 updated, 0 unchanged"
    assert [draft.partners for draft in drafts][1] == [
        PartnerDraft("Mogilev City Library System", "Mogilev", "Europe/Minsk")
    ]


def test_cli_import_twice_returns_zero_and_reports(tmp_path, monkeypatch, capsys):
    soon = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    path = tmp_path / "events.yaml"
    path.write_text(VALID.replace("2026-12-05T15:00:00+05:00", soon)
                    .replace('"12.12.2026 16:00"', f'"{soon}"'), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KOPIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    first = main(["import", str(path)])
    first_out = capsys.readouterr().out
    second = main(["import", str(path)])
    second_out = capsys.readouterr().out

    assert (first, second) == (0, 0)
    assert first_out == "2 events: 2 created, 0 updated, 0 unchanged\n"
    assert second_out == "2 events: 0 created, 0 updated, 2 unchanged\n"


def test_cli_import_missing_file_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KOPIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    code = main(["import", str(tmp_path / "nope.yaml")])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{tmp_path / 'nope.yaml'}: No such file.",
        f"{tmp_path / 'nope.yaml'}: 1 problem; nothing was imported.",
    ]


def test_import_library_names_the_organizing_library_and_adds_it_once(database):
    text = VALID.replace("    capacity: 100\n", "    capacity: 100\n    library: Youth Library\n")
    text = text.replace("    language: ru\n    partners:\n      - \"Mogilev",
                        "    language: ru\n    library: \"  Youth   Library \"\n    partners:\n"
                        "      - \"Mogilev")

    run_import(database, text)

    with database.uow() as uow:
        libraries = [(library.id, library.name) for library in uow.organizers.libraries()]
        owners = sorted(uow.events.by_key(key).library_id for key in (
            "karaganda-kyiv-2026-12", "karaganda-mogilev-2026-12"))
    assert (libraries, owners) == ([(1, "Youth Library")], [1, 1])


def test_import_library_without_letters_is_a_problem_on_its_line(database):
    text = VALID.replace("    capacity: 100\n", "    capacity: 100\n    library: \"12\"\n")

    with pytest.raises(ImportFailed) as failed:
        run_import(database, text)

    assert failed.value.problems == [
        Problem(14, "library: A library's name needs letters. Please type it again.")]


def test_import_programme_is_added_once_and_matched_ignoring_case(database):
    text = VALID.replace("    capacity: 100\n", "    capacity: 100\n    programme: Парасат жолы\n")
    text = text.replace("    language: ru\n    partners:\n      - \"Mogilev",
                        "    language: ru\n    programme: \"  ПАРАСАТ   жолы \"\n    partners:\n"
                        "      - \"Mogilev")

    run_import(database, text)

    with database.uow() as uow:
        programmes = [(programme.id, programme.name) for programme in uow.organizers.programmes()]
        tagged = sorted(uow.events.by_key(key).programme_id for key in (
            "karaganda-kyiv-2026-12", "karaganda-mogilev-2026-12"))
    assert (programmes, tagged) == ([(1, "Парасат жолы")], [1, 1])


def test_reimport_moves_an_event_to_another_programme_and_keeps_it_when_unnamed(database):
    first = VALID.replace("    capacity: 100\n", "    capacity: 100\n    programme: P One\n")
    run_import(database, first)

    moved = run_import(database, first.replace("programme: P One", "programme: P Two"))
    unnamed = run_import(database, VALID)

    with database.uow() as uow:
        event = uow.events.by_key("karaganda-kyiv-2026-12")
        names = [programme.name for programme in uow.organizers.programmes()]
        assert uow.organizers.programme(event.programme_id).name == "P Two"
    assert (moved.updated, unnamed.updated, names) == (
        ["karaganda-kyiv-2026-12"], [], ["P One", "P Two"])


def test_import_empty_programme_is_a_problem_on_its_line(database):
    text = VALID.replace("    capacity: 100\n", "    capacity: 100\n    programme: \" \"\n")

    with pytest.raises(ImportFailed) as failed:
        run_import(database, text)

    assert failed.value.problems == [
        Problem(14, "programme: A programme's name cannot be empty. Please type it again.")]
