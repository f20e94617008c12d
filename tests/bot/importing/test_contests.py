from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from bot.cli import main
from bot.importing import contests as contest_import
from bot.importing.events import ImportFailed, Problem, import_drafts, load_file
from storage.contest_models import Contest
from storage.models import Event
from storage.uow import Database
from tests.factories import NOW, years_ahead

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "events.yaml"

CONTEST = """\
contests:
  - key: essay-kz-ua-2026
    kind: essay
    language: ru
    title: {ru: "Мы кочуем навстречу себе, узнаваясь в другом", en: "We roam towards ourselves"}
    rules: "Эссе до 5 страниц."
    theme: {ru: "Узнаваясь в другом"}
    organizer: {ru: "Карагандинская областная юношеская библиотека", en: "Karaganda Library"}
    timezone: Asia/Almaty
    opens_at: 2026-12-01T00:00:00+05:00
    closes_at: 2027-01-31T23:59:00+05:00
    age: {min: 15, max: 19, on: 2027-01-31}
    countries: [Kazakhstan, Ukraine]
    sides:
      - {key: kz, name: {ru: Казахстан, en: Kazakhstan}, countries: [Kazakhstan, Қазақстан]}
      - {key: ua, name: {uk: Україна, en: Ukraine}, countries: [Ukraine, Україна, Украина]}
    winners_per_side: 5
    entries_per_participant: 1
    criteria:
      - {key: originality, name: {ru: Оригинальность, en: Originality}, weight: 0.4}
      - {key: language, name: {ru: Язык, en: Language}, weight: 0.3}
      - {name: Соответствие теме, weight: 30%}
    scale: [1, 10]
    ties: dense
    aggregate: median
    normalize: true
    min_jurors: 3
    show_other_scores: yes
    prizes: {1: {ru: "Сертификат на 100 000 тенге", en: "100,000 tenge"}, 2: "60 000 тенге"}
    jury_deadline: 2027-02-10 18:00
    jury_reminders: [48h, 24h]
    winner_names: full
"""

INVALID = """\
contests:
  - key: essay-kz-ua-2026
    kind: poem
    language: ru
    title: {ru: "", en: "We roam"}
    timezone: Asia/Almaty
    opens_at: 2026-12-01T00:00:00+05:00
    closes_at: 2026-11-30T00:00:00+05:00
    age: {min: 19, max: 15}
    sides:
      - {key: kz, name: Казахстан, countries: [Kazakhstan]}
      - {key: kz, name: Україна, countries: [Ukraine]}
      - {key: qz, name: Қазақстан, countries: [Қазақстан], colour: blue}
    criteria:
      - {key: originality, weight: 0.5}
      - {key: language, weight: 0.4}
    scale: [10, 1]
    ties: olympic
    aggregate: max
    min_jurors: 0
    prizes: {1: "100 000", first: "60 000", 7: "a book"}
    jury_reminders: [soon]
  - key: essay-kz-ua-2026
    kind: photo
"""

EVENT = """\
events:
  - key: karaganda-kyiv-2026-12
    kind: video_bridge
    title: "Модель будущего глазами поколения next"
    starts_at: 2026-12-05T15:00:00+05:00
    duration_minutes: 90
    timezone: Asia/Almaty
    language: ru
"""


def run_import(database: Database, text: str | Path, now: datetime = NOW):
    return import_drafts(database, load_file(text, now, database=database), now)


def counts(database: Database) -> tuple[int, int]:
    with database.uow() as uow:
        return (uow.session.exec(select(func.count()).select_from(Event)).one(),
                uow.session.exec(select(func.count()).select_from(Contest)).one())


def test_import_valid_contest_stores_every_field(database):
    report = run_import(database, CONTEST)

    assert report.summary() == "1 contest: 1 created, 0 updated, 0 unchanged"
    with database.uow() as uow:
        contest = uow.contests.by_key("essay-kz-ua-2026")
    assert (contest.kind, contest.language, contest.rules, contest.themes) == (
        "essay", "ru", {"ru": "Эссе до 5 страниц."}, {"ru": "Узнаваясь в другом"}
    )
    assert (contest.opens_at, contest.closes_at, contest.jury_deadline) == (
        datetime(2026, 11, 30, 19, 0, tzinfo=UTC), datetime(2027, 1, 31, 18, 59, tzinfo=UTC),
        datetime(2027, 2, 10, 13, 0, tzinfo=UTC),
    )
    assert (contest.age_min, contest.age_max, contest.age_reference_date) == (
        15, 19, date(2027, 1, 31)
    )
    assert contest.sides[1] == {"key": "ua", "names": {"uk": "Україна", "en": "Ukraine"},
                                "countries": ["Ukraine", "Україна", "Украина"]}
    assert contest.criteria[2] == {"key": "c3", "names": {"ru": "Соответствие теме"},
                                   "weight": 0.3}
    assert (contest.tie_policy, contest.aggregate, contest.normalize, contest.min_jurors,
            contest.show_other_scores, contest.jury_reminder_offsets) == (
        "dense", "median", True, 3, True, [2880, 1440]
    )
    assert contest.prizes == {"1": {"ru": "Сертификат на 100 000 тенге", "en": "100,000 tenge"},
                              "2": {"ru": "60 000 тенге"}}
    assert contest.winner_names == "full"


def test_import_same_contest_twice_changes_nothing(database):
    run_import(database, CONTEST)
    with database.uow() as uow:
        before = uow.contests.by_key("essay-kz-ua-2026").model_dump()

    report = run_import(database, CONTEST, NOW + timedelta(hours=1))

    assert report.summary() == "1 contest: 0 created, 0 updated, 1 unchanged"
    with database.uow() as uow:
        assert uow.contests.by_key("essay-kz-ua-2026").model_dump() == before


def test_reimport_with_a_changed_field_updates_the_contest(database):
    run_import(database, CONTEST)

    report = run_import(database, CONTEST.replace("winners_per_side: 5", "winners_per_side: 3"))

    assert report.summary() == "1 contest: 0 created, 1 updated, 0 unchanged"
    with database.uow() as uow:
        assert uow.contests.by_key("essay-kz-ua-2026").quota_per_side == 3


def test_invalid_contests_list_every_problem_by_line_and_write_nothing(database):
    with pytest.raises(ImportFailed) as failed:
        run_import(database, EVENT + INVALID)

    assert failed.value.problems == [
        Problem(11, "kind: Unknown kind of contest poem: use essay or photo."),
        Problem(13, "title: ru: The title is empty: write a few words."),
        Problem(16, "closes_at: The contest must close after it opens: check both dates."),
        Problem(17, "age: The youngest age (19) is above the oldest (15): write it like 15-19."),
        Problem(20, "sides: The side kz is given twice."),
        Problem(21, "Unknown field `colour`; known fields: key, name, countries."),
        Problem(21, "sides: Қазақстан belongs to two sides, kz and qz: a reader can be on one "
                    "side only."),
        Problem(22, "criteria: The weights add up to 0.9, not 1: for example Originality 0.4, "
                    "Language 0.3, Relevance 0.3."),
        Problem(25, "scale: A scale goes from a lower to a higher number between 0 and 100, "
                    "like 1-10; 10-1 does not."),
        Problem(26, "ties: Unknown tie policy olympic: use shared (places 1, 2, 2, 4) or dense "
                    "(places 1, 2, 2, 3)."),
        Problem(27, "aggregate: Unknown way to combine the jurors' scores max: use mean or "
                    "median."),
        Problem(28, "min_jurors: The minimum number of jurors per entry must be a whole number "
                    "from 1 to 50; 0 is not."),
        Problem(29, "prizes: A place must be a whole number from 1 to 100; first is not."),
        Problem(29, "prizes: There is a prize for place 7, but only 5 winners per side."),
        Problem(30, "jury_reminders: reminders need a `jury_deadline` to count from."),
        Problem(31, "Missing required field `language`."),
        Problem(31, "Missing required field `title`."),
        Problem(31, "Missing required field `timezone`."),
        Problem(31, "Missing required field `opens_at`."),
        Problem(31, "Missing required field `closes_at`."),
        Problem(31, "Missing required field `age`."),
        Problem(31, "Missing required field `criteria`."),
        Problem(31, "key: the key essay-kz-ua-2026 is already used on line 10."),
    ]
    assert counts(database) == (0, 0)


def test_events_and_contests_in_one_file_are_imported_together(database):
    report = run_import(database, EVENT + CONTEST)
    again = run_import(database, EVENT + CONTEST)

    assert report.summary() == (
        "1 event: 1 created, 0 updated, 0 unchanged; 1 contest: 1 created, 0 updated, 0 unchanged"
    )
    assert again.summary() == (
        "1 event: 0 created, 0 updated, 1 unchanged; 1 contest: 0 created, 0 updated, 1 unchanged"
    )
    assert counts(database) == (1, 1)


def test_past_close_is_accepted_when_stored_with_that_close(database):
    run_import(database, CONTEST)
    after_close = datetime(2027, 2, 3, tzinfo=UTC)

    report = run_import(database, CONTEST, after_close)

    assert report.summary() == "1 contest: 0 created, 0 updated, 1 unchanged"
    with pytest.raises(ImportFailed) as failed:
        load_file(CONTEST, after_close)
    assert failed.value.problems == [
        Problem(11, "closes_at: The closing time must be in the future: "
                    "2027-01-31T23:59:00+05:00 is already past.")
    ]


def test_changing_a_frozen_contest_is_refused_on_its_key_line(database):
    run_import(database, CONTEST)
    with database.uow() as uow:
        uow.contests.by_key("essay-kz-ua-2026").frozen_at = NOW
        uow.commit()

    with pytest.raises(ImportFailed) as failed:
        load_file(EVENT + CONTEST.replace("min_jurors: 3", "min_jurors: 2"), NOW,
                  database=database)

    assert failed.value.problems == [
        Problem(10, "key: essay-kz-ua-2026: The results of this contest are frozen: it can no "
                    "longer be changed.")
    ]
    assert run_import(database, CONTEST).summary() == (
        "1 contest: 0 created, 0 updated, 1 unchanged"
    )


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("contests: []\n", [
            Problem(1, "`contests:` must be a list of contests (`- key: ...`).")]),
        ("contests:\n  - essay\n", [Problem(2, "Each contest must be a mapping of fields.")]),
        (CONTEST.replace("age: {min: 15, max: 19, on: 2027-01-31}", "age: {min: 15, on: x}"), [
            Problem(12, "age: write both ages, like {min: 15, max: 19, on: closes}; `max` is "
                        "missing.")]),
        (CONTEST.replace("winners_per_side: 5", "winners_per_side: [5]"), [
            Problem(17, "winners_per_side: expected a single value, not a list or a mapping.")]),
        (CONTEST.replace("countries: [Kazakhstan, Ukraine]", "countries: {a: b}"), [
            Problem(13, "countries: Write the countries as a list, like Kazakhstan, Ukraine.")]),
        (CONTEST.replace("opens_at: 2026-12-01T00:00:00+05:00", "opens_at: 2026-12-32 00:00"), [
            Problem(10, "opens_at: There is no day 32 in any month: 2026-12-32 00:00 is not "
                        "a date.")]),
        (CONTEST.replace("closes_at: 2027-01-31T23:59:00+05:00", "closes_at: 2027-01-31"), [
            Problem(11, "closes_at: 2027-01-31 has no time of day: add it, like 2027-01-31 "
                        "23:59.")]),
        (CONTEST.replace("on: 2027-01-31", "on: someday"), [
            Problem(12, "age: Cannot read someday as a date: write it like 31.01.2027, or "
                        "closes for the closing day.")]),
        (CONTEST.replace('title: {ru: "Мы кочуем навстречу себе, узнаваясь в другом"',
                         'title: {kk: "Біз өзімізге қарай көшеміз"'), [
            Problem(5, "title: there is no title in the contest's language (ru).")]),
    ],
)
def test_malformed_contests_are_reported_with_lines(text, problems):
    with pytest.raises(ImportFailed) as failed:
        load_file(text, NOW)

    assert failed.value.problems == problems


def test_age_as_a_range_is_counted_on_the_closing_day_in_the_contest_zone():
    text = CONTEST.replace("age: {min: 15, max: 19, on: 2027-01-31}", "age: 14-21").replace(
        "closes_at: 2027-01-31T23:59:00+05:00", "closes_at: 2027-02-01 01:00")

    contest = load_file(text, NOW).contests[0]

    assert (contest.age_min, contest.age_max, contest.age_reference_date) == (
        14, 21, date(2027, 2, 1)
    )
    assert contest.closes_at == datetime(2027, 1, 31, 20, 0, tzinfo=UTC)


@pytest.mark.parametrize(("value", "stored"), [
    ("winner_names: code", "code"), ("winner_names: Initial", "initial"), ("", "initial")])
def test_import_names_winners_as_written_or_by_first_name_and_initial(value, stored):
    text = CONTEST.replace("    winner_names: full\n", f"    {value}\n" if value else "")

    contest = load_file(text, NOW).contests[0]

    assert contest.winner_names == stored


def test_import_of_an_unknown_way_to_name_winners_is_refused_on_its_line():
    text = CONTEST.replace("winner_names: full", "winner_names: surname")

    with pytest.raises(ImportFailed) as failed:
        load_file(text, NOW)

    assert failed.value.problems == [
        Problem(32, "winner_names: Unknown way to name the winners surname: use full (Aigerim "
                    "Bekova), initial (Aigerim B.) or code (only the entry code).")]


def test_documented_format_imports_as_written():
    documented = contest_import.__doc__.split("```yaml")[1].split("```")[0]

    contest = load_file(documented, NOW).contests[0]

    assert (contest.key, [criterion.weight for criterion in contest.criteria],
            contest.jury_reminder_offsets) == ("essay-kz-ua-2026", [0.4, 0.3, 0.3], [2880, 1440])


def test_example_file_imports_cleanly_twice(database):
    first = run_import(database, EXAMPLE)
    second = run_import(database, EXAMPLE)

    assert first.summary() == (
        "4 events: 4 created, 0 updated, 0 unchanged; 2 contests: 2 created, 0 updated, "
        "0 unchanged"
    )
    assert second.summary() == (
        "4 events: 0 created, 0 updated, 4 unchanged; 2 contests: 0 created, 0 updated, "
        "2 unchanged"
    )
    with database.uow() as uow:
        photo = uow.contests.by_key("photo-subjective-2027")
    assert (photo.kind, [side["key"] for side in photo.sides], photo.quota_per_side) == (
        "photo", ["ru", "ua", "kz"], 3
    )


def test_cli_import_of_a_broken_contest_writes_no_event(database, tmp_path, monkeypatch,
                                                         capsys):
    path = tmp_path / "import.yaml"
    path.write_text(years_ahead(EVENT + CONTEST.replace("weight: 0.3}", "weight: 0.2}")),
                    encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KOPIR_DATABASE_URL", str(database.engine.url))

    code = main(["import", str(path)])

    assert code == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{path}:27: criteria: The weights add up to 0.9, not 1: for example Originality 0.4, "
        "Language 0.3, Relevance 0.3.",
        f"{path}: 1 problem; nothing was imported.",
    ]
    assert counts(database) == (0, 0)


def test_contest_import_names_its_programme_and_a_reimport_moves_it(database):
    run_import(database, CONTEST + "    programme: Одна страна – одна книга\n")

    report = run_import(database, CONTEST + "    programme: Парасат жолы\n")

    with database.uow() as uow:
        contest = uow.contests.by_key("essay-kz-ua-2026")
        names = [programme.name for programme in uow.organizers.programmes()]
        assert uow.organizers.programme(contest.programme_id).name == "Парасат жолы"
    assert (report.contests_updated, names) == (
        ["essay-kz-ua-2026"], ["Одна страна – одна книга", "Парасат жолы"])


@pytest.mark.parametrize(("value", "stored"), [
    ("award: charter", "charter"), ("award: Letter_of_thanks", "letter_of_thanks"),
    ("award: Грамота", "charter"), ("", "diploma")])
def test_import_award_is_stored_as_its_key_and_defaults_to_a_diploma(database, value, stored):
    text = CONTEST.replace("    winner_names: full\n", f"    winner_names: full\n    {value}\n")

    run_import(database, text)

    with database.uow() as uow:
        assert uow.contests.by_key("essay-kz-ua-2026").award == stored


def test_import_of_an_unknown_award_is_refused_on_its_line():
    text = CONTEST.replace("    winner_names: full\n", "    winner_names: full\n    award: medal\n")

    with pytest.raises(ImportFailed) as failed:
        load_file(text, NOW)

    assert failed.value.problems == [
        Problem(33, "award: Unknown award medal: use diploma, certificate, charter or "
                    "letter_of_thanks.")]
