"""Winners' certificates and letters of thanks as PDF, in the participant's language.

Source Serif Pro (the `font_source_serif_pro` package) is embedded because the
PDF core fonts have no Cyrillic: its upright faces carry every Kazakh and
Ukrainian letter (Әә Ғғ Ққ Ңң Өө Ұұ Үү Һһ Іі, Єє Її Ґґ); its italics do not,
so none are used. Characters the font lacks (an emoji in a name) are left out
rather than printed as empty boxes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from bot.core.i18n import Translator
from bot.messages.contest_notices import place_label
from bot.services.contests import contest_title, localized, prize_text
from storage.contest_models import Contest

FAMILY = "SourceSerif"
# A4 landscape, in millimetres.
WIDTH, HEIGHT, MARGIN = 297, 210, 22
INK = (40, 40, 60)
GOLD = (176, 141, 87)


@dataclass(frozen=True)
class Award:
    """What one participant's document says."""

    contest: Contest
    full_name: str
    # Within the side; with `winner`, a certificate, else a letter of thanks.
    place: int | None
    shared: bool
    winner: bool
    day: date

    @property
    def is_certificate(self) -> bool:
        return self.winner and self.place is not None


def font_file(style: str = "Regular") -> Path:
    import font_source_serif_pro

    return Path(font_source_serif_pro.font_directory) / f"SourceSerifPro-{style}.ttf"


def file_name(t: Translator, award: Award) -> str:
    # Translators: file names of the PDF documents; keep them short, without slashes.
    stem = t.gettext("Certificate") if award.is_certificate else t.gettext("Letter of thanks")
    return f"{stem}.pdf"


def render(t: Translator, award: Award) -> bytes:
    """The PDF of `award`, every text through `t`."""
    _ = t.gettext
    contest = award.contest
    pdf = _document(award.day)
    organizer = localized(contest.organizer_names, t.language, contest.language)
    title = contest_title(contest, t.language)

    pdf.set_y(MARGIN + 10)
    _line(pdf, organizer, 13)
    pdf.ln(12)
    heading = _("Certificate") if award.is_certificate else _("Letter of thanks")
    _line(pdf, heading.upper(), 34, bold=True, color=GOLD)
    pdf.ln(8)
    if award.is_certificate:
        # Translators: on a certificate, before the participant's name.
        _line(pdf, _("is awarded to"), 14)
    else:
        # Translators: on a letter of thanks, before the participant's name.
        _line(pdf, _("is presented to"), 14)
    pdf.ln(4)
    _line(pdf, award.full_name, 28, bold=True)
    pdf.ln(6)
    if award.is_certificate and award.place is not None:
        place = place_label(t, award.place, award.shared)
        # Translators: on a certificate; {place} is e.g. "2nd place (shared)".
        _line(pdf, _("for {place} in the contest «{contest}»").format(place=place, contest=title),
              16)
        prize = prize_text(contest, award.place, t.language)
        if prize:
            pdf.ln(3)
            _line(pdf, _("Prize: {prize}").format(prize=prize), 14)
    else:
        # Translators: on a letter of thanks.
        _line(pdf, _("for taking part in the contest «{contest}»").format(contest=title), 16)
    pdf.set_y(HEIGHT - MARGIN - 22)
    _line(pdf, t.date(award.day), 12)
    return bytes(pdf.output())


def event_letter(t: Translator, library: str, full_name: str, event_title: str,
                 day: date) -> bytes:
    """A letter of thanks for taking part in an event, in the reader's language."""
    _ = t.gettext
    pdf = _document(day)
    pdf.set_y(MARGIN + 10)
    _line(pdf, library, 13)
    pdf.ln(12)
    _line(pdf, _("Letter of thanks").upper(), 34, bold=True, color=GOLD)
    pdf.ln(8)
    _line(pdf, _("is presented to"), 14)
    pdf.ln(4)
    _line(pdf, full_name, 28, bold=True)
    pdf.ln(6)
    # Translators: on a letter of thanks for an event; {date} is the event's day.
    _line(pdf, _("for taking part in «{event}» on {date}").format(
        event=event_title, date=t.date(day)), 16)
    pdf.set_y(HEIGHT - MARGIN - 22)
    _line(pdf, t.date(day), 12)
    return bytes(pdf.output())


def _document(day: date) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)
    pdf.add_font(FAMILY, "", str(font_file("Regular")))
    pdf.add_font(FAMILY, "B", str(font_file("Semibold")))
    # The day of the results, not the moment of sending: a re-sent copy is the same document.
    pdf.set_creation_date(datetime.combine(day, time(12), tzinfo=UTC))
    pdf.add_page()
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, WIDTH - 20, HEIGHT - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, WIDTH - 26, HEIGHT - 26)
    return pdf


def _line(
    pdf: FPDF, text: str, size: float, *, bold: bool = False, color: tuple = INK
) -> None:
    """Centred text, wrapped onto more lines when it is too long for one."""
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.multi_cell(0, size * 0.5, printable(text), align=Align.C,
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def printable(text: str) -> str:
    """`text` on one line, without the characters the font cannot draw (both faces
    share one repertoire)."""
    known = _characters()
    return " ".join("".join(char if ord(char) in known else " " for char in text).split())


@cache
def _characters() -> frozenset[int]:
    with TTFont(font_file("Regular"), lazy=True) as font:
        return frozenset(font.getBestCmap())
