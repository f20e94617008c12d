"""Texts and keyboards of the results screens; `handlers.results` drives them."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup

from bot.core.i18n import N_, Translator
from bot.files.exports import removed_jurors_note
from bot.services.contests import contest_title, side_name, stage_of
from bot.services.results import ResultRow, ResultsView
from handlers.common import keyboard
from storage.contest_models import Contest

PAGE_SIZE = 10
BUTTON_TITLE = 40
# Audience codes in callback data -> `bot.services.results.AUDIENCES`.
AUDIENCES = {"p": "participants", "j": "jurors", "o": "organizer"}
STAGES = {
    "upcoming": N_("upcoming"),
    "open": N_("open"),
    "closed": N_("closed"),
    "frozen": N_("frozen"),
    "published": N_("published"),
}


def contest_list(
    t: Translator, contests: list[Contest], page: int, pages: int, now
) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = t.gettext
    if not contests:
        return _("There are no contests yet. Create one with /newcontest."), None
    rows = []
    for contest in contests:
        title = contest_title(contest, t.language)
        if len(title) > BUTTON_TITLE:
            title = title[: BUTTON_TITLE - 1] + "…"
        label = f"{title} · {_(STAGES[stage_of(contest, now)])}"
        rows.append([(label, f"ct:results:{contest.id}")])
    turns = []
    if page > 0:
        turns.append(("◀", f"rs:list:{page - 1}"))
    if page + 1 < pages:
        turns.append(("▶", f"rs:list:{page + 1}"))
    if turns:
        rows.append(turns)
    return _("Choose a contest to see its results:"), keyboard(rows)


def preview_text(t: Translator, view: ResultsView, conflicts: int) -> str:
    """Per side, ranked rows "1. E-017 «Title» — 8.4 (spread 0.6)" ("=2." for a shared
    place), then the entries not ranked, with why."""
    _ = t.gettext
    contest = view.contest
    title = contest_title(contest, t.language)
    if view.published:
        heading = _("Results of «{contest}»: published").format(contest=title)
    elif view.frozen:
        heading = _("Results of «{contest}»: frozen").format(contest=title)
    else:
        heading = _("Results of «{contest}»: preview (not final)").format(contest=title)
    entries, jurors = len(view.rows), len(view.jurors)
    counts = " · ".join([
        t.ngettext("{n} entry", "{n} entries", entries).format(n=entries),
        t.ngettext("{n} juror", "{n} jurors", jurors).format(n=jurors),
        t.ngettext("{n} declared conflict of interest", "{n} declared conflicts of interest",
                   conflicts).format(n=conflicts),
    ])
    lines = [heading, counts]
    note = removed_jurors_note(t, view)
    if note is not None:
        lines.append(note)
    lines.append(_("Winners per side: {n}; more when a place is shared.").format(
        n=contest.quota_per_side))
    if not view.rows:
        lines += ["", _("No entries yet.")]
    for side, rows in _by_side(view):
        lines.append("")
        if contest.sides:
            lines.append(side_name(contest, side, t.language) if side else _("No side"))
        lines += [row_text(t, contest, row) for row in rows]
    return "\n".join(lines)


def _by_side(view: ResultsView) -> list[tuple[str | None, list[ResultRow]]]:
    """Groups in the contest's order of sides, then any other; rows keep the view's order."""
    order = [side.get("key") for side in view.contest.sides]
    groups: dict[str | None, list[ResultRow]] = {}
    for row in view.rows:
        groups.setdefault(row.side, []).append(row)
    known = [(key, groups.pop(key)) for key in order if key in groups]
    return known + list(groups.items())


def row_text(t: Translator, contest: Contest, row: ResultRow) -> str:
    _ = t.gettext
    work = _("{code} «{title}»").format(code=row.code, title=row.title)
    parts = [work]
    if row.score is not None:
        parts.append(figures(t, contest, row))
    if row.flag is None:
        place = f"={row.place}." if row.shared else f"{row.place}."
        return f"{place} " + " — ".join(parts)
    if row.flag == "ineligible":
        # Translators: an entry whose author no longer meets the age or country rules.
        parts.append(_("ineligible"))
    else:
        parts.append(too_few_jurors(t, row.jurors, contest.min_jurors))
    return "• " + " — ".join(parts)


def too_few_jurors(t: Translator, jurors: int, needed: int) -> str:
    """Why an entry is not ranked: "scored by 1 juror, at least 2 needed"."""
    if jurors == 0:
        # Translators: after an entry not ranked because no juror has scored it yet.
        return t.ngettext("no scores yet, at least {n} juror needed",
                          "no scores yet, at least {n} jurors needed", needed).format(n=needed)
    # Translators: after an entry not ranked because too few jurors scored it; {n} is the
    # contest's minimum number of jurors per entry.
    return t.ngettext("scored by {jurors} juror, at least {n} needed",
                      "scored by {jurors} jurors, at least {n} needed", jurors).format(
        jurors=jurors, n=needed)


def figures(t: Translator, contest: Contest, row: ResultRow) -> str:
    if row.score is None:  # `row_text` shows the figures of scored rows only
        raise ValueError(f"entry {row.code} has no score")
    score, spread = number(t, row.score), number(t, row.spread or 0.0)
    if contest.normalize and row.normalized is not None:
        return t.gettext("{score} (normalized {normalized}, spread {spread})").format(
            score=score, normalized=number(t, row.normalized), spread=spread)
    # Translators: an entry's score and the jurors' disagreement (standard deviation).
    return t.gettext("{score} (spread {spread})").format(score=score, spread=spread)


def number(t: Translator, value: float) -> str:
    # "+ 0.0" turns a rounded -0.0 into 0.0.
    return t.number(round(value, 2) + 0.0)


def preview_keyboard(t: Translator, view: ResultsView) -> InlineKeyboardMarkup:
    _ = t.gettext
    contest_id = view.contest.id
    rows = []
    if not view.frozen:
        rows.append([(_("Freeze"), f"rs:fz:{contest_id}")])
    elif not view.published:
        rows.append([(_("Publish"), f"rs:pb:{contest_id}")])
    rows.append([("CSV", f"rs:csv:{contest_id}"), ("XLSX", f"rs:xlsx:{contest_id}"),
                 (_("ZIP of entries"), f"rs:zip:{contest_id}")])
    return keyboard(rows)


def freeze_question(t: Translator, view: ResultsView) -> tuple[str, InlineKeyboardMarkup]:
    """The question, warning first of the entries that freezing leaves without a place."""
    _ = t.gettext
    contest = view.contest
    lines = [_("Freeze the results of «{contest}»? The jury is locked and the places in the "
               "preview become final.").format(contest=contest_title(contest, t.language))]
    incomplete = sum(row.flag == "incomplete" for row in view.rows)
    ineligible = sum(row.flag == "ineligible" for row in view.rows)
    if incomplete:
        lines += ["", t.ngettext(
            "{n} entry will stay unranked: fewer jurors scored it than the {m} needed. To "
            "rank it, ask the jury to score it before freezing.",
            "{n} entries will stay unranked: fewer jurors scored them than the {m} needed. To "
            "rank them, ask the jury to score them before freezing.",
            incomplete).format(n=incomplete, m=contest.min_jurors)]
    if ineligible:
        if not incomplete:
            lines.append("")
        lines.append(t.ngettext(
            "{n} entry will stay unranked: its author no longer meets the contest's conditions "
            "(age, country or side).",
            "{n} entries will stay unranked: their authors no longer meet the contest's "
            "conditions (age, country or side).", ineligible).format(n=ineligible))
    text = "\n".join(lines)
    return text, keyboard([[(_("Yes, freeze"), f"rs:fzy:{contest.id}"),
                            (_("Cancel"), f"rs:no:{contest.id}")]])


def audience_question(t: Translator, contest: Contest) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    text = _("Every participant will hear their own outcome with a certificate or a letter of "
             "thanks. Who should get the list of winners of «{contest}»?").format(
        contest=contest_title(contest, t.language))
    return text, keyboard([
        [(_("All participants"), f"rs:pa:{contest.id}:p")],
        [(_("The jurors"), f"rs:pa:{contest.id}:j")],
        [(_("Only me"), f"rs:pa:{contest.id}:o")],
        [(_("Cancel"), f"rs:no:{contest.id}")],
    ])


def publish_question(
    t: Translator, contest: Contest, audience: str, participants: int
) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    who = {"participants": _("all participants"), "jurors": _("the jurors"),
           "organizer": _("only you")}[AUDIENCES[audience]]
    text = t.ngettext(
        "Publish the results of «{contest}»? {n} participant will be told their outcome; the "
        "winners list goes to {who}. This cannot be undone.",
        "Publish the results of «{contest}»? {n} participants will be told their outcome; the "
        "winners list goes to {who}. This cannot be undone.",
        participants,
    ).format(contest=contest_title(contest, t.language), n=participants, who=who)
    return text, keyboard([[(_("Yes, publish"), f"rs:pby:{contest.id}:{audience}"),
                            (_("Cancel"), f"rs:no:{contest.id}")]])
