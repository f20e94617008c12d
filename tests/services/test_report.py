"""The report's figures and words on a small data set worked out by hand
(tests/report_factories.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import col, select

from bot.core.settings import DEFAULT_AGE_BANDS, SettingsError, parse_age_bands
from bot.services.report import (
    Period,
    PeriodInvalid,
    PeriodKind,
    Report,
    ReportRefused,
    build_report,
    nine_months_of,
    parse_dates,
    quarter_of,
    report_for,
    year_of,
)
from bot.services.report_text import paragraph, tables
from bot.services.roles import Access, Role
from storage.feedback_models import Feedback
from storage.models import Event, Registration
from tests.factories import NOW
from tests.report_factories import (
    LIBRARY_X,
    LIBRARY_Y,
    ORGANIZER_X,
    PROGRAMME_P,
    PROGRAMME_Q,
    seed_report,
    utc,
)

ALMATY = ZoneInfo("Asia/Almaty")
BANDS = parse_age_bands(DEFAULT_AGE_BANDS)
Q3 = quarter_of(date(2026, 8, 1))


def q3_report(database, libraries=None) -> Report:
    with database.reading() as uow:
        return build_report(uow, Q3, libraries, ALMATY, BANDS, NOW)


def table_rows(catalogs, report: Report, language: str = "en") -> dict[str, list[list]]:
    return {table.key: table.rows for table in tables(catalogs.translator(language), report)}


def test_report_counts_the_ratings_of_held_events_only(storage, catalogs):
    seed_report(storage)
    with storage.uow() as uow:
        came = uow.session.exec(select(Registration).join(
            Event, col(Event.id) == col(Registration.event_id)).where(
            col(Registration.attended_at).is_not(None), col(Event.cancelled_at).is_(None),
            col(Event.starts_at) < utc(2026, 10, 1)).order_by(col(Registration.id))).all()
        held = {row.event_id for row in came}
        for registration, rating in zip(came[:3], (3, 4, 5), strict=True):
            uow.session.add(Feedback(event_id=registration.event_id, user_id=registration.user_id,
                                     rating=rating, created_at=NOW, updated_at=NOW))
        uow.commit()

    summary = dict(map(tuple, table_rows(catalogs, q3_report(storage))["summary"]))

    assert held  # the seeded quarter has readers who came
    assert (summary["Ratings given"], summary["Average rating (of 5)"]) == (3, 4.0)


def test_report_tables_match_the_hand_count(storage, catalogs):
    seed_report(storage)

    rows = table_rows(catalogs, q3_report(storage))

    assert rows == {
        "summary": [
            ["Period", "Q3 2026"], ["Events held", 4], ["Registrations", 9],
            ["Came (reach)", 7], ["of them under 18", 3], ["No-shows", 2],
            ["Left on the waiting list", 1], ["Different readers registered", 5],
            ["Different readers who came", 5], ["Ratings given", 0],
            ["Average rating (of 5)", "—"], ["Countries of participants", 3],
            ["Partner libraries", 3], ["Partner cities", 2], ["Contests closed", 1],
            ["Contest entries", 2], ["Announcements", 1],
            ["Announcement messages delivered", 2],
        ],
        "kinds": [["Video-bridge", 2], ["Online conference", 2]],
        "months": [["July 2026", 2, 4, 2], ["August 2026", 1, 3, 3],
                   ["September 2026", 1, 2, 2]],
        "branches": [[LIBRARY_X, 3, 7, 5, 2], [LIBRARY_Y, 1, 2, 2, 0]],
        # P: events 1 (3 registered, 2 came) and 3 (2, 2); Q: event 2 (3, 3); none: 6 (1, 0).
        "programmes": [[PROGRAMME_P, 2, 5, 4], [PROGRAMME_Q, 1, 3, 3], ["No programme", 1, 1, 0]],
        "countries": [["Kazakhstan", 3, 2], ["Ukraine", 2, 1], ["Belarus", 1, 1],
                      ["not stated", 1, 1]],
        "cities": [["Karaganda", 3, 2], ["Kyiv", 2, 1], ["Mogilev", 1, 1],
                   ["not stated", 1, 1]],
        "ages": [["0-13", 0], ["14-17", 3], ["18-35", 1], ["36-59", 1], ["60+", 1],
                 ["age not known", 1]],
        "partners": [["State Library of Ukraine for Youth", "Kyiv", 2],
                     ["Kyiv Youth Library", "Kyiv", 1], ["Mogilev Regional Library", "Mogilev", 1]],
        "contests": [["We roam towards ourselves", "20 Aug 2026", 2, 2, 1]],
        "announcements": [["6 Aug 2026", "an event's registrants", 3, 2]],
    }


def test_report_counts_a_reader_who_cancelled_but_came_as_came(storage):
    seed_report(storage)

    report = q3_report(storage)

    # July: event 1 had 101 (came), 102 (no-show), 103 (cancelled, came), 104 (waiting).
    assert (report.by_month[0].registered, report.by_month[0].came) == (4, 2)
    assert (report.registered, report.came, report.no_shows) == (9, 7, 2)


def test_report_of_one_library_counts_only_its_events(storage, catalogs):
    seeded = seed_report(storage)

    report = q3_report(storage, frozenset({seeded.library_y}))

    assert (report.events, report.registered, report.came, report.libraries,
            report.contests, report.broadcasts) == (1, 2, 2, (LIBRARY_Y,), (), ())


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", "За III квартал 2026 года проведено 4 мероприятия (из них 2 видеомоста, "
           "2 онлайн-конференции) с охватом 7 человек, в том числе 3 ребёнка или подростка "
           "до 18 лет; участники из 3 стран."),
    ("kk", "2026 жылғы III тоқсанда 4 іс-шара өткізілді (соның ішінде 2 бейнекөпір, "
           "2 онлайн-конференция), 7 адам қамтылды, оның ішінде 18 жасқа дейінгі 3 бала мен "
           "жасөспірім; қатысушылар 3 елден."),
    ("uk", "За III квартал 2026 року проведено 4 заходи (з них 2 відеомости, "
           "2 онлайн-конференції), охоплено 7 осіб, зокрема 3 дитини чи підлітки до 18 років; "
           "учасники з 3 країн."),
    ("en", "In Q3 2026, 4 events were held (of them 2 video-bridges, 2 online conferences) "
           "with a reach of 7 people, including 3 children and teenagers under 18; "
           "participants from 3 countries."),
])
def test_report_paragraph_in_each_language(storage, catalogs, language, expected):
    seed_report(storage)

    text = paragraph(catalogs.translator(language), q3_report(storage))

    assert text == expected


def counted(report: Report, n: int) -> Report:
    return replace(report, events=n, by_kind={"video_bridge": n}, came=n, under_18=n,
                   countries=n)


PLURALS = {
    "ru": {1: "За 2026 год проведено 1 мероприятие (из них 1 видеомост) с охватом 1 человек, "
              "в том числе 1 ребёнок или подросток до 18 лет; участники из 1 страны.",
           2: "За 2026 год проведено 2 мероприятия (из них 2 видеомоста) с охватом 2 человека, "
              "в том числе 2 ребёнка или подростка до 18 лет; участники из 2 стран.",
           5: "За 2026 год проведено 5 мероприятий (из них 5 видеомостов) с охватом 5 человек, "
              "в том числе 5 детей и подростков до 18 лет; участники из 5 стран.",
           21: "За 2026 год проведено 21 мероприятие (из них 21 видеомост) с охватом 21 человек, "
               "в том числе 21 ребёнок или подросток до 18 лет; участники из 21 страны."},
    "uk": {1: "За 2026 рік проведено 1 захід (з них 1 відеоміст), охоплено 1 особу, зокрема "
              "1 дитину чи підлітка до 18 років; учасники з 1 країни.",
           2: "За 2026 рік проведено 2 заходи (з них 2 відеомости), охоплено 2 особи, зокрема "
              "2 дитини чи підлітки до 18 років; учасники з 2 країн.",
           5: "За 2026 рік проведено 5 заходів (з них 5 відеомостів), охоплено 5 осіб, зокрема "
              "5 дітей і підлітків до 18 років; учасники з 5 країн.",
           21: "За 2026 рік проведено 21 захід (з них 21 відеоміст), охоплено 21 особу, зокрема "
               "21 дитину чи підлітка до 18 років; учасники з 21 країни."},
    "kk": {n: f"2026 жылы {n} іс-шара өткізілді (соның ішінде {n} бейнекөпір), {n} адам "
              f"қамтылды, оның ішінде 18 жасқа дейінгі {n} бала мен жасөспірім; "
              f"қатысушылар {n} елден."
           for n in (1, 2, 5, 21)},
    "en": {1: "In 2026, 1 event was held (of them 1 video-bridge) with a reach of 1 person, "
              "including 1 child or teenager under 18; participants from 1 country.",
           **{n: f"In 2026, {n} events were held (of them {n} video-bridges) with a reach of "
                 f"{n} people, including {n} children and teenagers under 18; participants "
                 f"from {n} countries." for n in (2, 5, 21)}},
}


@pytest.mark.parametrize("language", ["kk", "ru", "uk", "en"])
@pytest.mark.parametrize("n", [1, 2, 5, 21])
def test_report_paragraph_plural_forms(database, catalogs, language, n):
    with database.reading() as uow:
        empty = build_report(uow, year_of(2026), None, ALMATY, BANDS, NOW)

    text = paragraph(catalogs.translator(language), counted(empty, n))

    assert text == PLURALS[language][n]


def test_report_paragraph_numbers_go_through_babel(database, catalogs):
    with database.reading() as uow:
        empty = build_report(uow, nine_months_of(2026), None, ALMATY, BANDS, NOW)

    text = paragraph(catalogs.translator("ru"), replace(counted(empty, 1), came=20174))

    assert text.startswith("За 9 месяцев 2026 года проведено 1 мероприятие (из них 1 видеомост) "
                           "с охватом 20\xa0174 человека")


@pytest.mark.parametrize(("language", "expected"), [
    ("ru", "За этот период не проведено ни одного мероприятия: отчитываться пока не о чем."),
    ("en", "No events were held in this period: there is nothing to report yet."),
])
def test_report_for_a_period_with_nothing_says_so(storage, catalogs, language, expected):
    seed_report(storage)
    with storage.reading() as uow:
        report = build_report(uow, quarter_of(date(2026, 4, 1)), None, ALMATY, BANDS, NOW)

    assert (report.empty, report.by_month, paragraph(catalogs.translator(language), report)) \
        == (True, (), expected)


def test_report_dates_period_is_named_by_its_days(database, catalogs):
    with database.reading() as uow:
        report = build_report(uow, parse_dates("01.01.2026–30.09.2026"), None, ALMATY, BANDS,
                              NOW)

    assert tables(catalogs.translator("ru"), report)[0].rows[0] == [
        "Период", "01.01.2026 – 30.09.2026"]


def test_report_of_another_library_is_refused_to_an_organizer(storage):
    seeded = seed_report(storage)
    organizer = Role(ORGANIZER_X, library_ids=frozenset({seeded.library_x}))

    with storage.reading() as uow, pytest.raises(ReportRefused) as refused:
        report_for(uow, organizer, Q3, ALMATY, BANDS, NOW, library_id=seeded.library_y)

    assert refused.value.access is Access.OTHER_LIBRARY


def test_report_is_refused_to_a_reader(database):
    with database.reading() as uow, pytest.raises(ReportRefused) as refused:
        report_for(uow, Role(501), Q3, ALMATY, BANDS, NOW)

    assert refused.value.access is Access.NOT_ORGANIZER


def test_report_of_an_organizer_covers_their_libraries(storage):
    seeded = seed_report(storage)
    organizer = Role(ORGANIZER_X, library_ids=frozenset({seeded.library_x}))

    with storage.reading() as uow:
        report = report_for(uow, organizer, Q3, ALMATY, BANDS, NOW)

    assert (report.events, report.libraries, len(report.contests), len(report.broadcasts)) == (
        3, (LIBRARY_X,), 1, 1)


@pytest.mark.parametrize(("day", "back", "expected"), [
    (date(2026, 8, 1), 0, (date(2026, 7, 1), date(2026, 9, 30))),
    (date(2026, 2, 1), 1, (date(2025, 10, 1), date(2025, 12, 31))),
    (date(2026, 11, 22), 0, (date(2026, 10, 1), date(2026, 12, 31))),
])
def test_quarter_of_gives_the_quarter_and_the_one_before(day, back, expected):
    period = quarter_of(day, back)

    assert (period.kind, period.first, period.last) == (PeriodKind.QUARTER, *expected)


@pytest.mark.parametrize("text", ["01.01.2026–30.09.2026", "1.1.2026 - 30.9.2026",
                                  " 01.01.2026—30.09.2026 ", "01.01.2026..30.09.2026"])
def test_parse_dates_reads_two_dates(text):
    assert parse_dates(text) == Period(PeriodKind.DATES, date(2026, 1, 1), date(2026, 9, 30))


@pytest.mark.parametrize(("text", "why"), [
    ("2026-01-01", "Please type two dates"),
    ("31.02.2026–30.09.2026", "One of these dates does not exist"),
    ("30.09.2026–01.01.2026", "The first date is after the second"),
    ("01.01.2000–01.01.2026", "A report covers at most five years"),
])
def test_parse_dates_refuses_what_is_no_period(text, why):
    with pytest.raises(PeriodInvalid) as invalid:
        parse_dates(text)

    assert invalid.value.msgid.startswith(why)


def test_age_bands_setting_rejects_gaps_and_a_closed_last_band():
    with pytest.raises(SettingsError) as gap:
        parse_age_bands("0-13,15-17,18+")
    with pytest.raises(SettingsError) as closed:
        parse_age_bands("0-13,14-99")

    assert (str(gap.value), str(closed.value)) == (
        "KOPIR_AGE_BANDS: '15-17' should start at 14 and not end before it (bands start at 0 "
        "and follow one another)",
        "KOPIR_AGE_BANDS: the last band must be open, like 60+ (got '0-13,14-99')")


def test_age_bands_setting_bands_the_report(storage):
    seed_report(storage)
    bands = parse_age_bands("0-17,18+")

    with storage.reading() as uow:
        report = build_report(uow, Q3, None, ALMATY, bands, NOW)

    assert [(row.band.label if row.band else None, row.came) for row in report.by_age] == [
        ("0-17", 3), ("18+", 3), (None, 1)]
