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
from bot.messages.awards import award_heading, award_name, award_title
from bot.messages.contest_notices import place_label
from bot.services.catalog import localized
from bot.services.contests import contest_title, prize_text
from storage.contest_models import AwardTitle, Contest

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


@dataclass(frozen=True)
class Wording:
    """A document's texts, top to bottom. The sentence around the name is translated whole
    ("{name}" inside it), so each language puts the name where its word order wants it:
    Kazakh ends with the verb ("... марапатталады"), Russian starts with it ("Награждается
    ..."); `before` and `after` are its two halves, the name printed large between them."""

    organizer: str
    heading: str
    before: str
    name: str
    after: str
    prize: str | None = None


# Marks the name's place in a translated sentence; no one types it in a name or a title.
_NAME = "\x00"


def file_name(t: Translator, award: Award) -> str:
    # The award's short name ("Diploma", "Грамота"), not the heading with its degree.
    stem = (award_name(t, award.contest.award) if award.is_certificate
            else t.gettext("Letter of thanks"))
    return f"{stem}.pdf"


def wording(t: Translator, award: Award) -> Wording:
    """What the document of `award` says, in `t`'s language."""
    _ = t.gettext
    contest = award.contest
    title = contest_title(contest, t.language)
    organizer = localized(contest.organizer_names, t.language, contest.language)
    if not (award.is_certificate and award.place is not None):
        # Translators: the sentence of a participant's letter of thanks; {name} is printed
        # large on its own line, so the text may go before and after it. Put it where your
        # word order wants it (kk: the verb last).
        sentence = _("Presented to {name} for taking part in the contest «{title}»")
        return Wording(organizer, _("Letter of thanks"),
                       *_split(sentence, award.full_name, title=title))
    kind = award_title(contest.award)
    place = place_label(t, award.place, award.shared)
    if kind in (AwardTitle.DIPLOMA, AwardTitle.CHARTER):
        # Translators: the sentence of a winner's diploma; {place} is e.g. "2nd place
        # (shared)". {name} is printed large on its own line; kk: the verb last.
        sentence = _("Awarded to {name} for {place} in the contest «{title}»")
    else:
        # Translators: the sentence of a winner's certificate or letter of thanks (ru
        # "вручается", uk "вручається"); {place} is e.g. "2nd place"; kk: the verb last.
        sentence = _("Presented to {name} for {place} in the contest «{title}»")
    prize = prize_text(contest, award.place, t.language)
    return Wording(organizer, award_heading(t, kind, award.place),
                   *_split(sentence, award.full_name, title=title, place=place),
                   prize=_("Prize: {prize}").format(prize=prize) if prize else None)


def event_wording(t: Translator, library: str, full_name: str, event_title: str,
                  day: date) -> Wording:
    """What a letter of thanks for taking part in an event says."""
    # Translators: the sentence of a letter of thanks for an event; {date} is the event's
    # day. {name} is printed large on its own line; kk: the verb last.
    sentence = t.gettext("Presented to {name} for taking part in «{event}» on {date}")
    return Wording(library, t.gettext("Letter of thanks"),
                   *_split(sentence, full_name, event=event_title,
                           date=t.date_before_suffix(day)))  # kk: "… күні"


def _split(sentence: str, name: str, **values: str) -> tuple[str, str, str]:
    """(before the name, the name, after it); a translation that lost {name} still shows it,
    after the sentence."""
    before, found, after = sentence.format(name=_NAME, **values).partition(_NAME)
    if not found:
        return before, name, ""
    return before.strip(), name, after.strip()


def render(t: Translator, award: Award) -> bytes:
    """The PDF of `award`, every text through `t`."""
    return _draw(t, wording(t, award), award.day)


def event_letter(t: Translator, library: str, full_name: str, event_title: str,
                 day: date) -> bytes:
    """A letter of thanks for taking part in an event, in the reader's language."""
    return _draw(t, event_wording(t, library, full_name, event_title, day), day)


def _draw(t: Translator, words: Wording, day: date) -> bytes:
    pdf = _document(day)
    pdf.set_y(MARGIN + 10)
    _line(pdf, words.organizer, 13)
    pdf.ln(12)
    # `t.upper`, not str.upper: in Latin Kazakh the capital of "i" is "İ" ("SERTİFİKAT").
    _line(pdf, t.upper(words.heading), 34, bold=True, color=GOLD)
    pdf.ln(8)
    if words.before:
        _line(pdf, words.before, 16)
        pdf.ln(4)
    _line(pdf, words.name, 28, bold=True)
    pdf.ln(6)
    if words.after:
        _line(pdf, words.after, 16)
    if words.prize:
        pdf.ln(3)
        _line(pdf, words.prize, 14)
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
