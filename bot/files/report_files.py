"""The report's files: the paragraph as text, every table in an XLSX workbook (one sheet
each) and in one CSV, and the charts as PNG images.

The CSV is one file with the tables one after another (each under its title, an empty row
between them) rather than a ZIP of CSVs: one document to open, and a spreadsheet shows it
as it shows the workbook. It is written like every export's CSV (`bot.files.exports.
csv_content`): ";" and decimal commas for a kk, ru or uk organizer, "," for English, UTF-8
with a byte order mark, so spreadsheet programs read Cyrillic and Kazakh right, and every
cell neutralised: a library or city typed as "=HYPERLINK(...)" stays text.

Charts: matplotlib's Agg renderer, chosen here (a `Figure` on a `FigureCanvasAgg`, never
pyplot's global backend), imported when the first chart is drawn so the bot does not pay
for matplotlib at start-up. DejaVu Sans, which ships with matplotlib, has every Cyrillic and
Kazakh letter (ә ғ қ ң ө ұ ү һ і); it is named by file, not by family, so no other font is
picked up on another machine. A chart with nothing to show is not drawn.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Font

from bot.core.i18n import Translator
from bot.core.settings import Settings
from bot.files.exports import ExportFile, csv_content, inert_xlsx_cell
from bot.services.report import Period, PeriodKind, Report, build_report, library_by_name
from bot.services.report_text import Table, month_name, paragraph, period_title, tables
from storage.uow import Database

if TYPE_CHECKING:
    from matplotlib.axes import Axes

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
CHART_COLOURS = ("#2f6f9f", "#e08a2c")


def stem(report: Report) -> str:
    """report-2026-01-01-2026-09-30: the files' common name."""
    return f"report-{report.period.first.isoformat()}-{report.period.last.isoformat()}"


def report_files(t: Translator, report: Report) -> list[ExportFile]:
    """The paragraph (.txt), the workbook (.xlsx) and the CSV, in that order."""
    built = tables(t, report)
    text = paragraph(t, report) + "\n"
    return [ExportFile(f"{stem(report)}.txt", text.encode("utf-8")),
            report_xlsx(t, report, built), report_csv(t.language, report, built)]


def report_xlsx(t: Translator, report: Report, built: list[Table]) -> ExportFile:
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for table in built:
        sheet = book.create_sheet(_sheet_title(table.title))
        sheet.append(table.header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            inert_xlsx_cell(cell)
        for number, row in enumerate(table.rows, start=2):
            sheet.append(row)
            for cell in sheet[number]:
                inert_xlsx_cell(cell)
        sheet.freeze_panes = "A2"
        sheet.column_dimensions["A"].width = 40
    buffer = io.BytesIO()
    book.save(buffer)
    return ExportFile(f"{stem(report)}.xlsx", buffer.getvalue())


def _sheet_title(title: str) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\."""
    return _SHEET_FORBIDDEN.sub(" ", title)[:31]


def report_csv(language: str, report: Report, built: list[Table]) -> ExportFile:
    rows: list[Sequence[object]] = []
    for index, table in enumerate(built):
        if index:
            rows.append([])
        rows += [[table.title], table.header, *table.rows]
    return ExportFile(f"{stem(report)}.csv", csv_content(language, rows))


# --- charts --------------------------------------------------------------------------------


def chart_font() -> Path:
    """DejaVu Sans from matplotlib's own data: the font every chart is drawn in."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def charts(t: Translator, report: Report) -> list[ExportFile]:
    """Events and attendance per month, attendance by age band, by library, by programme
    (when two or more have events); each only when it has something to show (none for a
    period without events)."""
    if report.events == 0:
        return []
    _ = t.gettext
    title = period_title(t, report)
    drawn: list[ExportFile] = []
    months = [month_name(t, row.month) for row in report.by_month]
    drawn.append(_monthly(t, title, months, report))
    ages = [(row.band.label if row.band else _("age not known"), row.came)
            for row in report.by_age]
    if any(came for _label, came in ages):
        heading = _("Came, by age")
        drawn.append(_bars(f"{stem(report)}-ages.png", f"{heading} · {title}", ages))
    branches = [(row.library or _("without a library"), row.came) for row in report.by_branch]
    if len(branches) > 1 and any(came for _label, came in branches):
        heading = _("Came, by library")
        drawn.append(_bars(f"{stem(report)}-libraries.png", f"{heading} · {title}", branches))
    programmes = [(row.programme or _("No programme"), row.came) for row in report.by_programme]
    if sum(1 for row in report.by_programme if row.programme is not None) > 1:
        heading = _("Came, by programme")
        drawn.append(_bars(f"{stem(report)}-programmes.png", f"{heading} · {title}",
                           programmes))
    return drawn


def _figure(height: float):  # noqa: ANN202 (matplotlib is imported lazily)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, height), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _font(size: float = 10):  # noqa: ANN202
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(chart_font()), size=size)


def _png(figure) -> bytes:  # noqa: ANN001
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _style(axes: Axes, labels: list[str], *, horizontal: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    # Counts: no "0.5 events" on the axis.
    (axes.xaxis if horizontal else axes.yaxis).set_major_locator(MaxNLocator(integer=True))
    font = _font(9)
    if horizontal:
        axes.set_yticks(range(len(labels)), labels, fontproperties=font)
    else:
        axes.set_xticks(range(len(labels)), labels, fontproperties=font, rotation=30,
                        ha="right")
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontproperties(font)
    axes.spines[["top", "right"]].set_visible(False)


def _monthly(t: Translator, title: str, months: list[str], report: Report) -> ExportFile:
    _ = t.gettext
    figure = _figure(6)
    heading = _("Events and attendance by month")
    figure.suptitle(f"{heading} · {title}", fontproperties=_font(13))
    events_axes, came_axes = figure.subplots(2, 1, sharex=True)
    for axes, values, label, colour in (
        (events_axes, [row.events for row in report.by_month], _("Events"), CHART_COLOURS[0]),
        (came_axes, [row.came for row in report.by_month], _("Came"), CHART_COLOURS[1]),
    ):
        bars = axes.bar(range(len(values)), values, color=colour)
        axes.bar_label(bars, [t.number(value) for value in values], fontproperties=_font(8))
        axes.set_ylabel(label, fontproperties=_font(10))
        _style(axes, months, horizontal=False)
    return ExportFile(f"{stem(report)}-months.png", _png(figure))


def _bars(name: str, title: str, rows: list[tuple[str, int]]) -> ExportFile:
    figure = _figure(max(2.5, 0.45 * len(rows) + 1.2))
    axes = figure.subplots()
    figure.suptitle(title, fontproperties=_font(13))
    labels = [label if len(label) <= 40 else label[:39] + "…" for label, _came in rows]
    values = [came for _label, came in rows]
    positions = list(range(len(rows)))[::-1]  # the first row on top
    bars = axes.barh(positions, values, color=CHART_COLOURS[0])
    axes.bar_label(bars, [str(value) for value in values], fontproperties=_font(8))
    axes.set_yticks(positions, labels)
    _style(axes, [label for _p, label in sorted(zip(positions, labels, strict=True))],
           horizontal=True)
    return ExportFile(name, _png(figure))



# --- kopir report --------------------------------------------------------------------------


def report_command(settings: Settings, first: str, last: str, library: str | None,
                   language: str | None, out: Path, *, now: datetime | None = None) -> int:
    """`kopir report`: the same files as /report, written to `out` (an operator's command:
    every library, or the one named). 0 when written, 2 for a wrong argument."""
    from bot.core.clock import SystemClock
    from bot.core.i18n import LANGUAGES, Catalogs
    from storage.db import make_engine

    try:
        period = Period(PeriodKind.DATES, date.fromisoformat(first), date.fromisoformat(last))
    except ValueError:
        sys.stderr.write("kopir report: --from and --to are dates like 2026-01-01\n")
        return 2
    if period.last < period.first:
        sys.stderr.write("kopir report: --from is after --to\n")
        return 2
    if language is not None and language not in LANGUAGES:
        sys.stderr.write(f"kopir report: --lang is one of {', '.join(LANGUAGES)}\n")
        return 2
    database = Database(make_engine(settings.database_url))
    try:
        with database.reading() as uow:
            libraries = None
            if library is not None:
                found = library_by_name(uow, library)
                if found is None:
                    sys.stderr.write(f"kopir report: no library named {library!r}\n")
                    return 2
                libraries = frozenset({found})
            report = build_report(uow, period, libraries, settings.timezone,
                                  settings.age_bands, now or SystemClock().now())
    finally:
        database.dispose()
    t = Catalogs.load().translator(language, settings.default_language)
    out.mkdir(parents=True, exist_ok=True)
    written = report_files(t, report) + charts(t, report)
    for file in written:
        (out / file.file_name).write_bytes(file.content)
    sys.stdout.write(paragraph(t, report) + "\n")
    sys.stdout.write(f"{len(written)} files written to {out}\n")
    return 0
