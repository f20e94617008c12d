"""`kopir import` refuses files too large to read safely, before reading them whole."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.importing.events import ImportFailed, Problem, load_file
from bot.importing.records import MAX_FILE_BYTES, MAX_RECORDS
from tests.factories import NOW

EVENT = """\
  - key: event-{number}
    kind: video_bridge
    title: "Event {number}"
    starts_at: "12.12.2026 16:00"
    duration_minutes: 90
    timezone: Asia/Almaty
    language: ru
"""
CONTEST = """\
  - key: contest-{number}
    kind: essay
"""
TOO_MANY = (
    "The file has more than 1000 events and contests; at most 1000 can be imported at once. "
    "Split it into several files and import them one after another."
)


def _events(count: int) -> str:
    return "events:\n" + "".join(EVENT.format(number=number) for number in range(count))


def _problems(text: str) -> list[Problem]:
    with pytest.raises(ImportFailed) as failed:
        load_file(text, NOW)
    return failed.value.problems


def test_import_of_a_thousand_events_is_read_whole():
    drafts = load_file(_events(MAX_RECORDS), NOW)

    assert (len(drafts.events), drafts.events[-1].key) == (1000, "event-999")


def test_import_of_1001_events_is_refused_naming_the_limit():
    assert _problems(_events(MAX_RECORDS + 1)) == [Problem(0, TOO_MANY)]


def test_import_counts_events_and_contests_together():
    text = _events(600) + "contests:\n" + "".join(
        CONTEST.format(number=number) for number in range(401))

    assert _problems(text) == [Problem(0, TOO_MANY)]


def test_import_stops_reading_at_the_record_over_the_limit():
    # The syntax error after the 1001st event is never reached.
    text = _events(MAX_RECORDS + 1) + "  - key: [unclosed\n"

    assert _problems(text) == [Problem(0, TOO_MANY)]


def test_import_text_over_two_megabytes_is_refused_naming_the_limit():
    text = _events(1) + "#" * MAX_FILE_BYTES + "\n"

    assert _problems(text) == [Problem(
        0, "The file is 2.0 MB; at most 2 MB can be imported at once. Split it into several "
           "files and import them one after another.")]


def test_cli_import_of_a_large_file_fails_with_the_limit(tmp_path, monkeypatch, capsys):
    path = tmp_path / "big.yaml"
    path.write_text(_events(1) + ("# padding\n" * 350_000), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KOPIR_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")

    code = main(["import", str(path)])

    assert (code, capsys.readouterr().err.splitlines()) == (1, [
        f"{path}: The file is 3.3 MB; at most 2 MB can be imported at once. Split it into "
        f"several files and import them one after another.",
        f"{path}: 1 problem; nothing was imported.",
    ])


def test_import_event_with_21_partners_is_refused():
    partners = "".join(f'      - "Library {number}, Kyiv"\n' for number in range(21))
    text = _events(1) + "    partners:\n" + partners

    assert _problems(text) == [Problem(10, "partners: 21 partners; at most 20 per event.")]
