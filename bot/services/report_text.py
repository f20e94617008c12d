"""The report in words: the period's name, the ready paragraph in the libraries' report
style ("За 9 месяцев 2026 года проведено 26 мероприятий (из них 18 видеомостов) с охватом
312 человек, ..."), and every table with its headers, in the organizer's language.

Each clause of the paragraph is one message with its own plural forms (the count is in the
clause), so every language words and declines it as its reports do; clauses follow in the
same order in every language. Numbers go through babel; years never do ("2026", not
"2 026").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date

from bot.core.i18n import N_, Nn_, Plural, Translator
from bot.services.catalog import localized
from bot.services.report import ADULT_AGE, PeriodKind, Report
from storage.models import EventKind

# One message per quarter, so each language writes its numeral as its reports do
# ("III квартал", "Q3").
QUARTER_TITLES = (N_("Q1 {year}"), N_("Q2 {year}"), N_("Q3 {year}"), N_("Q4 {year}"))
# Translators: opens the report's paragraph ("За I квартал 2026 года").
QUARTER_LEADS = (N_("In Q1 {year}"), N_("In Q2 {year}"), N_("In Q3 {year}"),
                 N_("In Q4 {year}"))
# Translators: in the report's paragraph, "(of them 18 video-bridges, 4 online conferences)".
KIND_COUNTS: dict[str, Plural] = {
    EventKind.VIDEO_BRIDGE: Nn_("{n} video-bridge", "{n} video-bridges"),
    EventKind.CONFERENCE: Nn_("{n} online conference", "{n} online conferences"),
    EventKind.CHAT_CONFERENCE: Nn_("{n} chat-conference", "{n} chat-conferences"),
    EventKind.OFFLINE: Nn_("{n} event in the library", "{n} events in the library"),
}
OTHER_KIND = Nn_("{n} other event", "{n} other events")
KIND_NAMES: dict[str, str] = {
    EventKind.VIDEO_BRIDGE: N_("Video-bridge"),
    EventKind.CONFERENCE: N_("Online conference"),
    EventKind.CHAT_CONFERENCE: N_("Chat-conference"),
    EventKind.OFFLINE: N_("In the library"),
}
AUDIENCES = {
    "everyone": N_("everyone"),
    "language": N_("readers of one language"),
    "event": N_("an event's registrants"),
    "waitlist": N_("an event's waiting list"),
    "contest": N_("a contest's participants"),
    "side": N_("one side of a contest"),
    "jurors": N_("jurors"),
}
NO_EVENTS = N_("No events were held in this period: there is nothing to report yet.")


def day(t: Translator, value: date) -> str:
    """A date as library reports write it: 01.01.2026 (in English 1 Jan 2026)."""
    pattern = "d MMM yyyy" if t.language == "en" else "dd.MM.yyyy"
    return t.in_script(format_date(value, pattern, locale=t.babel_locale))


def period_title(t: Translator, report: Report) -> str:
    """The period as a heading: "I квартал 2026 года", "9 месяцев 2026 года", "2026 год"."""
    period = report.period
    year = str(period.first.year)
    if period.kind is PeriodKind.QUARTER:
        return t.gettext(QUARTER_TITLES[period.quarter - 1]).format(year=year)
    if period.kind is PeriodKind.NINE_MONTHS:
        return t.gettext("Nine months of {year}").format(year=year)
    if period.kind is PeriodKind.YEAR:
        return t.gettext("Year {year}").format(year=year)
    return f"{day(t, period.first)} – {day(t, period.last)}"


def _period_lead(t: Translator, report: Report) -> str:
    """How the paragraph opens: "За I квартал 2026 года", "2026 жылы", "In 2026"."""
    period = report.period
    year = str(period.first.year)
    _ = t.gettext
    if period.kind is PeriodKind.QUARTER:
        return _(QUARTER_LEADS[period.quarter - 1]).format(year=year)
    if period.kind is PeriodKind.NINE_MONTHS:
        return _("In the first nine months of {year}").format(year=year)
    if period.kind is PeriodKind.YEAR:
        return _("In {year}").format(year=year)
    return _("From {first} to {last}").format(first=day(t, period.first),
                                               last=day(t, period.last))


def paragraph(t: Translator, report: Report) -> str:
    """The ready paragraph for the library's report, or "no events" when none was held."""
    if report.events == 0:
        return t.gettext(NO_EVENTS)
    number = t.number
    text = t.ngettext("{period}, {n} event was held", "{period}, {n} events were held",
                      report.events).format(period=_period_lead(t, report),
                                            n=number(report.events))
    kinds = [_counted(t, KIND_COUNTS.get(kind, OTHER_KIND), count)
             for kind, count in report.by_kind.items()]
    text += " " + t.gettext("(of them {kinds})").format(kinds=", ".join(kinds))
    text += t.ngettext(" with a reach of {n} person", " with a reach of {n} people",
                       report.came).format(n=number(report.came))
    if report.under_18:
        text += t.ngettext(
            # Translators: follows "with a reach of N people" in the report's paragraph.
            ", including {n} child or teenager under {age}",
            ", including {n} children and teenagers under {age}",
            report.under_18).format(n=number(report.under_18), age=ADULT_AGE)
    if report.countries:
        text += t.ngettext("; participants from {n} country", "; participants from {n} countries",
                           report.countries).format(n=number(report.countries))
    return text + "."


def _counted(t: Translator, plural: Plural, count: int) -> str:
    return t.ngettext(plural.singular, plural.plural, count).format(n=t.number(count))


# --- tables --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    key: str  # file-name-safe: the CSV section and chart names
    title: str
    header: list[str]
    rows: list[list[object]]


def kind_name(t: Translator, kind: str) -> str:
    return t.gettext(KIND_NAMES[kind]) if kind in KIND_NAMES else kind


def month_name(t: Translator, month: date) -> str:
    return t.in_script(format_date(month, "LLLL yyyy", locale=t.babel_locale))


def tables(t: Translator, report: Report) -> list[Table]:
    """Every table of the report, headers in `t`'s language; empty tables stay (with their
    headers), so the workbook always has the same sheets."""
    _ = t.gettext
    unknown = _("not stated")
    built: list[tuple[str, str, list[str], list[list[object]]]] = [
        ("summary", _("Summary"), [_("Indicator"), _("Value")], _summary(t, report)),
        ("kinds", _("Events by kind"), [_("Kind"), _("Events")],
         [[kind_name(t, kind), count] for kind, count in report.by_kind.items()]),
        ("months", _("By month"), [_("Month"), _("Events"), _("Registrations"), _("Came")],
         [[month_name(t, row.month), row.events, row.registered, row.came]
          for row in report.by_month]),
        ("branches", _("By library"),
         [_("Library"), _("Events"), _("Registrations"), _("Came"), _("No-shows")],
         [[row.library or _("without a library"), row.events, row.registered, row.came,
           row.no_shows] for row in report.by_branch]),
        ("programmes", _("By programme"),
         [_("Programme"), _("Events"), _("Registrations"), _("Came")],
         [[row.programme or _("No programme"), row.events, row.registered, row.came]
          for row in report.by_programme]),
        ("countries", _("By country"), [_("Country"), _("Came"), _("Readers")],
         [[row.name or unknown, row.came, row.readers] for row in report.by_country]),
        ("cities", _("By city"), [_("City"), _("Came"), _("Readers")],
         [[row.name or unknown, row.came, row.readers] for row in report.by_city]),
        ("ages", _("By age"), [_("Age"), _("Came")],
         [[row.band.label if row.band else _("age not known"), row.came]
          for row in report.by_age]),
        ("partners", _("Partner libraries"), [_("Partner library"), _("City"), _("Events")],
         [[row.library, row.city, row.events] for row in report.partners]),
        ("contests", _("Contests"),
         [_("Contest"), _("Closed"), _("Entries"), _("Countries"), _("Winners")],
         [[_title(t, row.titles), day(t, row.closes_at.astimezone(report.zone).date()),
           row.entries, row.countries, row.winners] for row in report.contests]),
        ("announcements", _("Announcements"),
         [_("Started"), _("Audience"), _("Recipients"), _("Delivered")],
         [[day(t, row.started_at.astimezone(report.zone).date()),
           _(AUDIENCES[row.audience_kind]) if row.audience_kind in AUDIENCES
           else row.audience_kind, row.audience, row.delivered] for row in report.broadcasts]),
    ]
    return [Table(key, title, header, rows) for key, title, header, rows in built]


def _title(t: Translator, titles: dict[str, str]) -> str:
    return localized(titles, t.language, None)


def _summary(t: Translator, report: Report) -> list[list[object]]:
    _ = t.gettext
    average = report.average_rating
    lines: list[tuple[str, object]] = [
        (_("Events held"), report.events),
        (_("Registrations"), report.registered),
        (_("Came (reach)"), report.came),
        (_("of them under {age}").format(age=ADULT_AGE), report.under_18),
        (_("No-shows"), report.no_shows),
        (_("Left on the waiting list"), report.waitlisted),
        (_("Different readers registered"), report.readers),
        (_("Different readers who came"), report.readers_came),
        (_("Ratings given"), report.ratings),
        # Translators: the report's summary table; the readers' 1-5 ratings of the events.
        (_("Average rating (of 5)"), "—" if average is None else round(average, 1)),
        (_("Countries of participants"), report.countries),
        (_("Partner libraries"), len(report.partners)),
        (_("Partner cities"), report.partner_cities),
        (_("Contests closed"), len(report.contests)),
        (_("Contest entries"), sum(row.entries for row in report.contests)),
        (_("Announcements"), len(report.broadcasts)),
        (_("Announcement messages delivered"), sum(row.delivered for row in report.broadcasts)),
    ]
    rows: list[list[object]] = [[_("Period"), period_title(t, report)]]
    if report.libraries:
        rows.append([_("Libraries"), ", ".join(report.libraries)])
    return rows + [[label, value] for label, value in lines]

