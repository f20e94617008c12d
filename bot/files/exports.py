"""Files for organizers: the results as CSV and XLSX, the entries as a ZIP named by code.

Pure functions returning `ExportFile`s (name + bytes); the handler sends them as
documents. Downloading the works is the caller's: `entries_zip` takes a `fetch`
callable (file_id -> bytes), so this module knows nothing of Telegram.

Juror columns carry the jurors' names: the jury is blind to authors, not
organizers to their jury, and names are what a report to the partners needs.

When removed jurors' scores were left out, both files end with a note saying so,
one empty row under the table.

Texts typed by readers (titles, names) are written so that a spreadsheet never
takes them for formulas ("=HYPERLINK(...)" as a title stays text), in every cell,
the header's juror names included.

Every CSV (the results, the archive's index, the report in bot.files.report_files) is
written by `csv_content` for the organizer's language, as a spreadsheet in that language
opens it with a double click: where the decimal mark is a comma (kk, ru, uk), Excel's list
separator is ";" and a number reads "8,35"; in English "," and "8.35". Always UTF-8 with a
byte order mark, without which Excel takes the file for the local ANSI code page and
garbles Cyrillic and Kazakh names (in an English file too).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import mimetypes
import re
import zipfile
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from babel.numbers import get_decimal_symbol
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from bot.core.i18n import N_, Translator
from bot.services.contests import side_name
from bot.services.results import ResultRow, ResultsView
from storage.contest_models import Contest, Entry, EntryContent
from storage.models import User

log = logging.getLogger(__name__)

Fetch = Callable[[str], Awaitable[bytes]]

# Telegram lets a bot send documents up to 50 MB; parts stay below with room to spare.
ZIP_PART_LIMIT = 45 * 1024 * 1024
DECIMALS = 4
FLAGS = {"incomplete": N_("incomplete"), "ineligible": N_("ineligible")}
# A spreadsheet reads a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FetchFailed(Exception):
    """A work could not be downloaded; the archive goes out without it."""


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    content: bytes


@dataclass
class EntriesArchive:
    # One ZIP, or several parts when the works weigh more than one document may.
    parts: list[ExportFile] = field(default_factory=list)
    # Codes of the works that could not be downloaded.
    missing: list[str] = field(default_factory=list)


def stem(contest: Contest) -> str:
    """A file-name-safe name for the contest: its key, else its id."""
    key = re.sub(r"[^A-Za-z0-9_-]+", "-", contest.key or "").strip("-")
    return key or f"contest-{contest.id}"


# --- results -------------------------------------------------------------------------------


def removed_jurors_note(t: Translator, view: ResultsView) -> str | None:
    """Said under the results when removed jurors' scores were left out, else None."""
    if not view.removed_jurors:
        return None
    return t.ngettext(
        # Translators: under contest results; an organizer removed these jurors from the jury.
        "Scores of {n} removed juror are not counted.",
        "Scores of {n} removed jurors are not counted.",
        view.removed_jurors,
    ).format(n=view.removed_jurors)


def results_table(t: Translator, view: ResultsView) -> tuple[list[str], list[list[object]]]:
    """Header and rows, in `view`'s order (ranked by overall place, then the unranked).

    Figures are rounded to `DECIMALS` places; a juror's cell is empty when they
    did not score the entry. Yes/no columns say "yes" or nothing.
    """
    _ = t.gettext
    header = [
        # Translators: column headers of the results spreadsheet.
        _("Rank"), _("Side"), _("Place in side"), _("Shared"), _("Code"), _("Title"),
        _("Author"), _("Library"), *_juror_headers(view),
        _("Score"), _("Normalized"), _("Spread"), _("Jurors"), _("Flag"), _("Winner"),
    ]
    rows = [_result_cells(t, view, row) for row in view.rows]
    return header, rows


def _juror_headers(view: ResultsView) -> list[str]:
    """The jurors' names; a name two jurors share gets a number, so columns stay apart."""
    headers: list[str] = []
    seen: dict[str, int] = {}
    for juror in view.jurors:
        count = seen[juror.name] = seen.get(juror.name, 0) + 1
        headers.append(juror.name if count == 1 else f"{juror.name} ({count})")
    return headers


def _result_cells(t: Translator, view: ResultsView, row: ResultRow) -> list[object]:
    yes = t.gettext("yes")
    side = side_name(view.contest, row.side, t.language) if row.side else ""
    return [
        row.overall_place, side, row.place, yes if row.shared else "", row.code, row.title,
        row.author, row.library,
        *(_rounded(row.per_juror.get(juror.user_id)) for juror in view.jurors),
        _rounded(row.score), _rounded(row.normalized), _rounded(row.spread), row.jurors,
        t.gettext(FLAGS[row.flag]) if row.flag in FLAGS else (row.flag or ""),
        yes if row.winner else "",
    ]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


def results_csv(t: Translator, view: ResultsView) -> ExportFile:
    header, rows = results_table(t, view)
    table: list[Sequence[object]] = [header, *rows]
    note = removed_jurors_note(t, view)
    if note is not None:
        table += [[], [note]]
    return ExportFile(f"results-{stem(view.contest)}.csv", csv_content(t.language, table))


def csv_delimiter(language: str) -> str:
    """What a spreadsheet in `language` splits a CSV line on: ";" where the decimal mark is
    a comma (so "8,35" stays one cell), else ","."""
    return ";" if get_decimal_symbol(language) == "," else ","


def csv_content(language: str, rows: Iterable[Sequence[object]]) -> bytes:
    """The rows as a CSV file for an organizer reading `language` (see the module's
    docstring): typed texts neutralised, None as an empty cell, fractions with the
    language's decimal mark, UTF-8 with a byte order mark."""
    decimal = get_decimal_symbol(language)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=csv_delimiter(language), lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(cell, decimal) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def _csv_cell(cell: object, decimal: str) -> object:
    if cell is None:
        return ""
    if isinstance(cell, float):
        # str() keeps what the XLSX shows (8.35, 7.0); only the mark is the language's.
        return str(cell).replace(".", decimal)
    return _csv_text(cell)


def _csv_text(cell: object) -> object:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


def _xlsx_text(cell: Cell | MergedCell) -> None:
    """Keeps a typed text a text: openpyxl would store a string starting with "=" as a formula.

    A cell stored as a string is never evaluated, whatever it starts with, so only "=" needs
    this; headers (jurors' names) go through it as well as the rows.
    """
    if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
        cell.data_type = "s"


# The same neutralising for the other exports (bot.files.report_files).
inert_csv_cell = _csv_text
inert_xlsx_cell = _xlsx_text


def results_xlsx(t: Translator, view: ResultsView) -> ExportFile:
    header, rows = results_table(t, view)
    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):  # a new workbook has one worksheet, active
        raise TypeError("a new workbook without its worksheet")
    sheet.title = t.gettext("Results")[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        _xlsx_text(cell)
    for number, row in enumerate(rows, start=2):
        sheet.append(row)
        for cell in sheet[number]:
            _xlsx_text(cell)
    note = removed_jurors_note(t, view)
    if note is not None:
        # One empty row, then the note under the table.
        sheet.cell(row=len(rows) + 3, column=1, value=note)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return ExportFile(f"results-{stem(view.contest)}.xlsx", buffer.getvalue())


# --- entries -------------------------------------------------------------------------------


def entry_file_name(entry: Entry) -> str:
    """The work's name in the archive: its code and the kind of file it is."""
    if entry.content == EntryContent.TEXT:
        return f"{entry.code}.txt"
    if entry.content == EntryContent.PHOTO:
        # Telegram re-encodes photos sent as photos to JPEG.
        return f"{entry.code}.jpg"
    suffix = PurePosixPath(entry.file_name or "").suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = mimetypes.guess_extension(entry.mime_type or "") or ".bin"
    return f"{entry.code}{suffix}"


def entry_text(entry: Entry) -> bytes:
    """An essay typed in the chat, as a text file: its title, then the text."""
    return f"{entry.title}\n\n{entry.text or ''}\n".encode()


async def entries_zip(
    t: Translator,
    contest: Contest,
    entries: Sequence[tuple[Entry, User]],
    fetch: Fetch,
    *,
    part_limit: int = ZIP_PART_LIMIT,
) -> EntriesArchive:
    """The works named by code, with an index (code, title, author, library, side).

    Works are fetched one at a time and written at once, so no more than one
    part and one work are held in memory. Compressing runs in a worker thread,
    so the event loop keeps answering readers meanwhile.
    """
    archive = EntriesArchive()
    base = f"entries-{stem(contest)}"
    builder = _PartBuilder(part_limit)
    await asyncio.to_thread(builder.add, "index.csv", _index(t, contest, entries))
    for entry, _author in entries:
        if entry.content == EntryContent.TEXT:
            content = entry_text(entry)
        elif entry.file_id is None:
            archive.missing.append(entry.code)
            continue
        else:
            try:
                content = await fetch(entry.file_id)
            except FetchFailed as error:
                log.warning("work %s could not be downloaded: %s", entry.code, error)
                archive.missing.append(entry.code)
                continue
        await asyncio.to_thread(builder.add, entry_file_name(entry), content)
    contents = await asyncio.to_thread(builder.finish)
    if len(contents) == 1:
        archive.parts = [ExportFile(f"{base}.zip", contents[0])]
    else:
        archive.parts = [ExportFile(f"{base}-{number}.zip", content)
                         for number, content in enumerate(contents, start=1)]
    return archive


def _index(t: Translator, contest: Contest, entries: Sequence[tuple[Entry, User]]) -> bytes:
    _ = t.gettext
    table: list[Sequence[object]] = [
        [_("File"), _("Code"), _("Title"), _("Author"), _("Library"), _("Side")]]
    for entry, author in entries:
        side = side_name(contest, entry.side, t.language) if entry.side else ""
        table.append([entry_file_name(entry), entry.code, entry.title,
                      author.full_name or author.first_name, author.library or "", side])
    return csv_content(t.language, table)


class _PartBuilder:
    """ZIP parts that each stay under `limit` bytes (a single work bigger than that gets a
    part of its own)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.done: list[bytes] = []
        self._open()

    def _open(self) -> None:
        self.buffer = io.BytesIO()
        self.zip = zipfile.ZipFile(self.buffer, "w", compression=zipfile.ZIP_DEFLATED)
        self.files = 0

    def add(self, name: str, content: bytes) -> None:
        # Photos and PDFs hardly compress: their own size is the estimate.
        if self.files and self.buffer.tell() + len(content) > self.limit:
            self._close()
            self._open()
        self.zip.writestr(name, content)
        self.files += 1

    def _close(self) -> None:
        self.zip.close()
        self.done.append(self.buffer.getvalue())

    def finish(self) -> list[bytes]:
        self._close()
        return self.done
