"""Results as CSV and XLSX, entries as a ZIP named by code: bytes in, files checked back."""

from __future__ import annotations

import csv
import io
import random
import zipfile

import pytest
from openpyxl import load_workbook

from bot.files import exports
from bot.services import results
from bot.services.contests import side_name
from storage.contest_models import EntryContent
from tests.factories import NOW
from tests.result_factories import small_contest

HEADER = ["Rank", "Side", "Place in side", "Shared", "Code", "Title", "Author", "Library",
          "Marat Akhmetov", "Iryna Shevchenko", "Score", "Normalized", "Spread", "Jurors",
          "Flag", "Winner"]


@pytest.fixture
def en(catalogs):
    return catalogs.translator("en")


def view_of(database, contest):
    with database.uow() as uow:
        return results.preview(uow, contest.id, NOW)


def standing(database, contest):
    with database.uow() as uow:
        return uow.results.standing_entries(contest.id)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_results_csv_has_the_columns_and_one_row_per_entry(storage, en):
    made = small_contest(storage)

    exported = exports.results_csv(en, view_of(storage, made.contest))

    table = read_csv(exported.content)
    assert exported.file_name == f"results-contest-{made.contest.id}.csv"
    assert exported.content.startswith(b"\xef\xbb\xbf")
    assert table[0] == HEADER
    assert table[1:] == [
        ["1", "Kazakhstan", "1", "yes", "E-001", "Steppe wind", "Aigerim Serikova",
         "Karaganda Regional Youth Library", "8.7", "8.0", "8.35", "", "0.35", "2", "", "yes"],
        ["1", "Kazakhstan", "1", "yes", "E-003", "Home", "Dana Bekova", "Temirtau City Library",
         "8.0", "8.7", "8.35", "", "0.35", "2", "", "yes"],
        ["3", "Ukraine", "1", "", "E-002", "Дніпро", "Олена Коваль", "Kyiv Youth Library",
         "7.0", "6.0", "6.5", "", "0.5", "2", "", "yes"],
        ["", "Kazakhstan", "", "", "E-004", "Ауыл", "Әсел Құрманқызы", "Saran Library",
         "5.0", "", "5.0", "", "0.0", "1", "incomplete", ""],
    ]


def test_results_csv_names_the_file_after_the_contest_key(storage, en):
    made = small_contest(storage, key="essay 2026/kz-ua")

    exported = exports.results_csv(en, view_of(storage, made.contest))

    assert exported.file_name == "results-essay-2026-kz-ua.csv"


def test_titles_that_look_like_formulas_stay_text(storage, en):
    made = small_contest(storage)
    with storage.uow() as uow:
        uow.entries.get(made.entries["E-001"].id).title = "=HYPERLINK(\"http://x\",\"y\")"
        uow.commit()
    view = view_of(storage, made.contest)

    table = read_csv(exports.results_csv(en, view).content)
    sheet = load_workbook(io.BytesIO(exports.results_xlsx(en, view).content)).active

    assert table[1][5] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert (sheet["F2"].value, sheet["F2"].data_type) == ("=HYPERLINK(\"http://x\",\"y\")", "s")


FORMULA_NAMES = ['=HYPERLINK("http://x/?"&A2,"Open")', "+SUM(1,2)", "-2+3", "@SUM(1)",
                 "\t=1+1", "\r=1+1"]


def rename_juror(database, name: str) -> None:
    with database.uow() as uow:
        uow.users.get(8002).full_name = name
        uow.commit()


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_results_csv_juror_name_like_a_formula_stays_text_in_the_header(storage, en, name):
    made = small_contest(storage)
    rename_juror(storage, name)

    header = read_csv(exports.results_csv(en, view_of(storage, made.contest)).content)[0]

    assert header[9] == "'" + name


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_results_xlsx_juror_name_like_a_formula_stays_text_in_the_header(storage, en, name):
    made = small_contest(storage)
    rename_juror(storage, name)

    content = exports.results_xlsx(en, view_of(storage, made.contest)).content

    cell = load_workbook(io.BytesIO(content)).active["J1"]
    # XML reads a stored CR back as LF; the text is the same, and a text all the same.
    assert (cell.value.replace("\n", "\r"), cell.data_type) == (name.replace("\n", "\r"), "s")
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")


def test_results_xlsx_opens_with_the_same_table_and_numbers(storage, en):
    made = small_contest(storage)
    view = view_of(storage, made.contest)

    exported = exports.results_xlsx(en, view)

    sheet = load_workbook(io.BytesIO(exported.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert exported.file_name == f"results-contest-{made.contest.id}.xlsx"
    assert rows[0] == HEADER
    assert rows[3] == [3, "Ukraine", 1, None, "E-002", "Дніпро", "Олена Коваль",
                       "Kyiv Youth Library", 7.0, 6.0, 6.5, None, 0.5, 2, None, "yes"]
    assert len(rows) == 5


def test_juror_columns_with_the_same_name_are_told_apart(storage, en):
    made = small_contest(storage)
    with storage.uow() as uow:
        uow.users.get(8002).full_name = "Marat Akhmetov"
        uow.commit()

    header = read_csv(exports.results_csv(en, view_of(storage, made.contest)).content)[0]

    assert header[8:10] == ["Marat Akhmetov", "Marat Akhmetov (2)"]


def test_entry_file_names_follow_the_code_and_the_kind_of_work(storage):
    made = small_contest(storage)
    entry = made.entries["E-002"]

    names = [
        exports.entry_file_name(entry.model_copy(update=fields))
        for fields in (
            {"content": EntryContent.TEXT},
            {"content": EntryContent.PHOTO},
            {"content": EntryContent.IMAGE_FILE, "file_name": "my photo.PNG"},
            {"content": EntryContent.DOCUMENT, "file_name": "essay.docx"},
            {"content": EntryContent.DOCUMENT, "file_name": None, "mime_type": "application/pdf"},
            {"content": EntryContent.DOCUMENT, "file_name": "no extension", "mime_type": None},
        )
    ]

    assert names == ["E-002.txt", "E-002.jpg", "E-002.png", "E-002.docx", "E-002.pdf",
                     "E-002.bin"]


async def test_entries_zip_names_works_by_code_with_an_index(storage, en):
    made = small_contest(storage, files={
        "E-002": {"content": EntryContent.DOCUMENT, "text": None, "file_id": "doc-1",
                  "file_name": "Koval.pdf", "mime_type": "application/pdf"},
        "E-003": {"content": EntryContent.PHOTO, "text": None, "file_id": "photo-1"},
    })
    stored = {"doc-1": b"%PDF-1.4 essay", "photo-1": b"\xff\xd8jpeg"}

    async def fetch(file_id: str) -> bytes:
        return stored[file_id]

    archive = await exports.entries_zip(en, made.contest, standing(storage, made.contest), fetch)

    assert ([part.file_name for part in archive.parts], archive.missing) == (
        [f"entries-contest-{made.contest.id}.zip"], [])
    files = zipfile.ZipFile(io.BytesIO(archive.parts[0].content))
    assert files.namelist() == ["index.csv", "E-001.txt", "E-002.pdf", "E-003.jpg", "E-004.txt"]
    assert [files.read(name) for name in ("E-001.txt", "E-002.pdf", "E-003.jpg")] == [
        b"Steppe wind\n\nAn essay.\n", b"%PDF-1.4 essay", b"\xff\xd8jpeg"]
    assert read_csv(files.read("index.csv"))[:3] == [
        ["File", "Code", "Title", "Author", "Library", "Side"],
        ["E-001.txt", "E-001", "Steppe wind", "Aigerim Serikova",
         "Karaganda Regional Youth Library", "Kazakhstan"],
        ["E-002.pdf", "E-002", "Дніпро", "Олена Коваль", "Kyiv Youth Library", "Ukraine"],
    ]


async def test_entries_zip_goes_without_a_work_that_cannot_be_downloaded(storage, en):
    made = small_contest(storage, files={
        "E-003": {"content": EntryContent.PHOTO, "text": None, "file_id": "gone"},
    })

    async def fetch(file_id: str) -> bytes:
        raise exports.FetchFailed("file is too big")

    archive = await exports.entries_zip(en, made.contest, standing(storage, made.contest), fetch)

    files = zipfile.ZipFile(io.BytesIO(archive.parts[0].content))
    assert (archive.missing, files.namelist()) == (
        ["E-003"], ["index.csv", "E-001.txt", "E-002.txt", "E-004.txt"])


async def test_entries_zip_splits_into_parts_under_the_limit(storage, en):
    made = small_contest(storage, files={
        code: {"content": EntryContent.PHOTO, "text": None, "file_id": code}
        for code in ("E-001", "E-002", "E-003", "E-004")
    })

    async def fetch(file_id: str) -> bytes:
        # 10 kB that do not compress, like a photo
        return random.Random(file_id).randbytes(10_000)

    archive = await exports.entries_zip(en, made.contest, standing(storage, made.contest), fetch,
                                        part_limit=25_000)

    parts = [zipfile.ZipFile(io.BytesIO(part.content)).namelist() for part in archive.parts]
    assert [part.file_name for part in archive.parts] == [
        f"entries-contest-{made.contest.id}-{n}.zip" for n in (1, 2)]
    assert parts == [["index.csv", "E-001.jpg", "E-002.jpg"], ["E-003.jpg", "E-004.jpg"]]
    assert all(len(part.content) <= 25_000 for part in archive.parts)


# --- CSV for the organizer's spreadsheet -----------------------------------------------------

BOM = b"\xef\xbb\xbf"


def read_csv_with(content: bytes, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


@pytest.mark.parametrize("language", ["kk", "ru", "uk"])
def test_results_csv_uses_semicolons_and_decimal_commas_in_kk_ru_uk(storage, catalogs, language):
    t = catalogs.translator(language)
    made = small_contest(storage)
    view = view_of(storage, made.contest)

    content = exports.results_csv(t, view).content

    table = read_csv_with(content, ";")
    yes, kazakhstan = t.gettext("yes"), side_name(made.contest, "kz", language)
    assert content.startswith(BOM)
    assert (table[0], table[1]) == (exports.results_table(t, view)[0], [
        "1", kazakhstan, "1", yes, "E-001", "Steppe wind", "Aigerim Serikova",
        "Karaganda Regional Youth Library", "8,7", "8,0", "8,35", "", "0,35", "2", "", yes])


@pytest.mark.parametrize(
    ("language", "delimiter", "score"),
    [("kk", ";", "8,35"), ("ru", ";", "8,35"), ("uk", ";", "8,35"), ("en", ",", "8.35")],
)
def test_results_csv_starts_with_bom_and_splits_on_the_language_delimiter(
    storage, catalogs, language, delimiter, score
):
    made = small_contest(storage)

    content = exports.results_csv(catalogs.translator(language),
                                  view_of(storage, made.contest)).content

    first_line = content.split(b"\r\n")[0]
    table = read_csv_with(content, delimiter)
    assert (content[:3], first_line.count(delimiter.encode()), len(table[0]), table[1][10]) == (
        BOM, 15, 16, score)


@pytest.mark.parametrize("language", ["kk", "ru", "uk"])
async def test_entries_zip_index_uses_semicolons_in_kk_ru_uk(storage, catalogs, language):
    t = catalogs.translator(language)
    made = small_contest(storage)

    async def fetch(file_id: str) -> bytes:
        raise AssertionError("typed essays need no download")

    archive = await exports.entries_zip(t, made.contest, standing(storage, made.contest), fetch)

    index = zipfile.ZipFile(io.BytesIO(archive.parts[0].content)).read("index.csv")
    assert (index[:3], read_csv_with(index, ";")[:2]) == (BOM, [
        [t.gettext(word) for word in ("File", "Code", "Title", "Author", "Library", "Side")],
        ["E-001.txt", "E-001", "Steppe wind", "Aigerim Serikova",
         "Karaganda Regional Youth Library", side_name(made.contest, "kz", language)],
    ])


@pytest.mark.parametrize(("language", "expected"), [
    ("kk", "1,5;-2,25;;'=x;3.5"), ("ru", "1,5;-2,25;;'=x;3.5"), ("uk", "1,5;-2,25;;'=x;3.5"),
    ("en", "1.5,-2.25,,'=x,3.5"),
])
def test_csv_content_writes_fractions_and_empty_cells_for_the_language(language, expected):
    # A number is a number (a minus sign too); a typed text stays as typed, formulas inert.
    content = exports.csv_content(language, [[1.5, -2.25, None, "=x", "3.5"]])

    assert content == BOM + expected.encode() + b"\r\n"
