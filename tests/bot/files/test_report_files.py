"""The report's files: workbook, CSV, charts (and their font), and `kopir report`."""

from __future__ import annotations

import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from matplotlib.ft2font import FT2Font
from openpyxl import load_workbook

from bot.cli import main
from bot.core.settings import DEFAULT_AGE_BANDS, parse_age_bands
from bot.files.report_files import chart_font, charts, report_files
from bot.services.report import build_report, quarter_of
from bot.services.report_text import period_title, tables
from tests.factories import NOW
from tests.report_factories import PROGRAMME_P, READERS, seed_report

ALMATY = ZoneInfo("Asia/Almaty")
Q3 = quarter_of(date(2026, 8, 1))
STEM = "report-2026-07-01-2026-09-30"
PNG = b"\x89PNG\r\n\x1a\n"


def q3_report(database):
    with database.reading() as uow:
        return build_report(uow, Q3, None, ALMATY, parse_age_bands(DEFAULT_AGE_BANDS), NOW)


def test_report_workbook_has_a_sheet_per_table_with_translated_headers(database, catalogs):
    seed_report(database)

    _text, xlsx, _csv = report_files(catalogs.translator("ru"), q3_report(database))
    book = load_workbook(io.BytesIO(xlsx.content))

    assert (xlsx.file_name, book.sheetnames) == (f"{STEM}.xlsx", [
        "Сводка", "Мероприятия по видам", "По месяцам", "По библиотекам", "По программам",
        "По странам",
        "По городам", "По возрасту", "Библиотеки-партнёры", "Конкурсы", "Объявления"])
    assert [[cell.value for cell in row] for row in book["По месяцам"].iter_rows()] == [
        ["Месяц", "Мероприятия", "Регистрации", "Пришли"],
        ["июль 2026", 2, 4, 2], ["август 2026", 1, 3, 3], ["сентябрь 2026", 1, 2, 2]]


def test_report_files_keep_a_typed_formula_as_text(database, catalogs):
    seed_report(database)
    with database.uow() as uow:
        uow.users.get(READERS[0][0]).city = "=HYPERLINK(\"http://x\")"
        uow.commit()

    _text, xlsx, csv_file = report_files(catalogs.translator("en"), q3_report(database))
    cities = load_workbook(io.BytesIO(xlsx.content))["By city"]
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))

    formula = next(cell for cell in cities["A"] if str(cell.value).startswith("="))
    assert (formula.value, formula.data_type) == ("=HYPERLINK(\"http://x\")", "s")
    assert ["'=HYPERLINK(\"http://x\")", "2", "1"] in rows


def test_report_csv_holds_every_table_one_after_another(database, catalogs):
    seed_report(database)

    _text, _xlsx, csv_file = report_files(catalogs.translator("en"), q3_report(database))
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))

    titles = [rows[0][0]] + [rows[i + 1][0] for i, row in enumerate(rows) if row == []]
    assert (csv_file.file_name, titles) == (f"{STEM}.csv", [
        "Summary", "Events by kind", "By month", "By library", "By programme", "By country",
        "By city", "By age", "Partner libraries", "Contests", "Announcements"])
    assert rows[:3] == [["Summary"], ["Indicator", "Value"], ["Period", "Q3 2026"]]


def test_report_charts_are_png_images(database, catalogs):
    seed_report(database)

    drawn = charts(catalogs.translator("kk"), q3_report(database))

    assert [(image.file_name, image.content[:8]) for image in drawn] == [
        (f"{STEM}-months.png", PNG), (f"{STEM}-ages.png", PNG), (f"{STEM}-libraries.png", PNG),
        (f"{STEM}-programmes.png", PNG)]


def test_report_draws_no_programme_chart_for_one_programme(database, catalogs):
    seeded = seed_report(database)
    with database.reading() as uow:
        report = build_report(uow, Q3, frozenset({seeded.library_y}), ALMATY,
                              parse_age_bands(DEFAULT_AGE_BANDS), NOW)

    drawn = charts(catalogs.translator("en"), report)

    # The Youth Library's one event is of programme P: nothing to compare it with.
    assert [row.programme for row in report.by_programme] == [PROGRAMME_P]
    assert f"{STEM}-programmes.png" not in [image.file_name for image in drawn]


def test_report_without_events_draws_no_chart(database, catalogs):
    with database.reading() as uow:
        report = build_report(uow, Q3, None, ALMATY, parse_age_bands(DEFAULT_AGE_BANDS), NOW)

    assert charts(catalogs.translator("en"), report) == []


def test_chart_font_has_every_letter_of_a_kazakh_title(database, catalogs):
    t = catalogs.translator("kk")
    with database.reading() as uow:
        report = build_report(uow, Q3, None, ALMATY, parse_age_bands(DEFAULT_AGE_BANDS), NOW)
    title = (t.gettext("Events and attendance by month") + " · " + period_title(t, report)
             + " Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі")
    font = FT2Font(str(chart_font()))

    missing = [letter for letter in title if letter != " " and ord(letter) not in
               font.get_charmap()]

    assert (font.family_name, missing) == ("DejaVu Sans", [])


def test_kopir_report_writes_the_files(database, database_url, tmp_path, monkeypatch, capsys):
    seed_report(database)
    monkeypatch.setenv("KOPIR_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    code = main(["report", "--from", "2026-07-01", "--to", "2026-09-30", "--library",
                 "Youth Library", "--lang", "ru", "--out", str(tmp_path / "out")])

    assert code == 0
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == [
        f"{STEM}-ages.png", f"{STEM}-months.png", f"{STEM}.csv", f"{STEM}.txt",
        f"{STEM}.xlsx"]
    assert (tmp_path / "out" / f"{STEM}.txt").read_text() == (
        "С 01.07.2026 по 30.09.2026 проведено 1 мероприятие (из них 1 онлайн-конференция) "
        "с охватом 2 человека; участники из 1 страны.\n")


def test_kopir_report_refuses_an_unknown_library(database, database_url, tmp_path,
                                                 monkeypatch, capsys):
    monkeypatch.setenv("KOPIR_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)

    code = main(["report", "--from", "2026-07-01", "--to", "2026-09-30", "--library", "Nowhere",
                 "--out", str(tmp_path / "out")])

    assert (code, capsys.readouterr().err) == (2, "kopir report: no library named 'Nowhere'\n")


@pytest.mark.parametrize(("language", "delimiter"),
                         [("kk", ";"), ("ru", ";"), ("uk", ";"), ("en", ",")])
def test_report_csv_reads_back_with_the_delimiter_of_the_language(database, catalogs, language,
                                                                  delimiter):
    seed_report(database)
    t = catalogs.translator(language)
    report = q3_report(database)

    content = report_files(t, report)[2].content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))

    expected: list[list[str]] = []
    for table in tables(t, report):
        expected += [[], [table.title], table.header,
                     *[["" if cell is None else str(cell) for cell in row] for row in table.rows]]
    assert (content[:3], rows) == (b"\xef\xbb\xbf", expected[1:])
