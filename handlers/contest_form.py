"""Texts and keyboards of the /newcontest form; `handlers.newcontest` drives it.

Each question is built from the answers so far (`form`, raw as given) and
their validated values (`values`, by step), so a Keep button and the summary
show what will be stored: dates in the contest's zone, criteria with weights.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from bot.core.settings import Settings
from bot.messages.awards import AWARD_NAMES, award_name
from bot.services.contest_groups import CriterionDraft, SideDraft, criteria_example
from bot.services.event_fields import typed_day, typed_moment
from handlers.common import form_button, form_data, keyboard
from handlers.event_form import OFFERED_ZONES, TITLE_IN_LANGUAGE, moment_text
from storage.contest_models import AwardTitle, ContestKind, TiePolicy, WinnerNames

FORM_KEY = "newcontest_form"
# A typed answer of a button: opening now, ages counted on the closing day, no deadline.
NOW_WORD = "now"
CLOSING_WORD = "closes"
DEADLINE_AFTER_DAYS = 14
SUGGESTED_WINDOW = timedelta(days=30)

KIND_NAMES = {ContestKind.ESSAY: N_("Essay contest"), ContestKind.PHOTO: N_("Photo contest")}
KIND_ICONS = {ContestKind.ESSAY: "📝", ContestKind.PHOTO: "📷"}
TIE_NAMES = {
    TiePolicy.SHARED: N_("Shared: 1, 2, 2, 4"),
    TiePolicy.DENSE: N_("Dense: 1, 2, 2, 3"),
}
WINNER_NAME_CHOICES = {
    # Translators: how the winners list names winners; the examples stay as they are.
    WinnerNames.FULL: N_("Full name: Aigerim Bekova"),
    WinnerNames.INITIAL: N_("First name and initial: Aigerim B."),
    WinnerNames.CODE: N_("Only the entry code: E-017"),
}
# Sides offered as buttons: names in every language, countries as readers may write them.
PRESET_SIDES = {
    "kz": SideDraft("kz", {"kk": "Қазақстан", "ru": "Казахстан", "uk": "Казахстан",
                           "en": "Kazakhstan"}, ["Kazakhstan", "Казахстан", "Қазақстан"]),
    "ua": SideDraft("ua", {"kk": "Украина", "ru": "Украина", "uk": "Україна", "en": "Ukraine"},
                    ["Ukraine", "Украина", "Україна"]),
    "ru": SideDraft("ru", {"kk": "Ресей", "ru": "Россия", "uk": "Росія", "en": "Russia"},
                    ["Russia", "Россия", "Ресей", "Росія"]),
}
DEFAULTS = {"ages": "15-19", "quota": "5", "entries": "1", "scale": "1-10", "jurors": "1"}


class Step(Enum):
    """Conversation states of /newcontest; the values appear in callback data."""

    KIND = "kind"
    LANGUAGE = "lang"
    TITLE = "title"
    TRANSLATIONS = "tr"  # menu: add the title in another language, or continue
    TRANSLATION = "tt"  # the title in the language picked in that menu
    THEME = "theme"
    RULES = "rules"
    PROGRAMME = "prog"  # only when programmes exist
    ORGANIZER = "org"
    TIMEZONE = "tz"
    OPENS = "opens"
    CLOSES = "closes"
    AGES = "ages"
    REFERENCE = "ref"
    SIDES = "sides"
    QUOTA = "quota"
    ENTRIES = "entries"
    CRITERIA = "crit"
    SCALE = "scale"
    TIES = "ties"
    PRIZES = "prizes"
    JURORS = "jurors"
    DEADLINE = "dl"
    NAMES = "names"  # how the winners list names winners
    AWARD = "award"  # what winners receive (`AwardTitle`): the heading of their documents
    SUMMARY = "sum"


ORDER = [step for step in Step if step is not Step.TRANSLATION]
# Questions collecting a list, one item per message, and the form key of each list.
LISTS = {Step.SIDES: "sides", Step.CRITERIA: "criteria", Step.PRIZES: "prizes"}


def asked(step: Step, form: dict) -> bool:
    """Whether the form asks `step`: the programme only when there are programmes."""
    return step is not Step.PROGRAMME or bool(form.get("programmes"))


def next_step(step: Step, form: dict) -> Step:
    if step is Step.TRANSLATION:
        return Step.TRANSLATIONS
    later = [s for s in ORDER[ORDER.index(step) + 1:] if asked(s, form)]
    return later[0] if later else ORDER[-1]


def previous_step(step: Step, form: dict) -> Step:
    if step is Step.TRANSLATION:
        return Step.TRANSLATIONS
    earlier = [s for s in ORDER[:ORDER.index(step)] if asked(s, form)]
    return earlier[-1] if earlier else ORDER[0]


def programme_name(form: dict, programme_id: object) -> str | None:
    """The name of the programme offered in the form with this id; None for none."""
    return next((name for number, name in form.get("programmes", [])
                 if number == programme_id), None)


def data(step: Step, action: str, value: str | None = None) -> str:
    return form_data("nc", step.value, action, value)


def parse_data(text: str | None) -> tuple[str, str, str | None] | None:
    """(step value, action, value) of a /newcontest button; None for malformed data."""
    return form_button(text, "nc")


# --- how answers read ----------------------------------------------------------------------


def kind_label(t: Translator, kind: ContestKind) -> str:
    return f"{KIND_ICONS[kind]} {t.gettext(KIND_NAMES[kind])}"


def named(names: dict[str, str], language: str) -> str:
    return names.get(language) or next(iter(names.values()), "")


def sides_text(t: Translator, sides: list[SideDraft]) -> str:
    return "; ".join(f"{named(side.names, t.language)} ({', '.join(side.countries)})"
                     for side in sides)


def criteria_text(t: Translator, criteria: list[CriterionDraft]) -> str:
    return ", ".join(f"{named(criterion.names, t.language)} {t.number(round(criterion.weight, 3))}"
                     for criterion in criteria)


def prizes_text(prizes: dict[str, dict[str, str]], language: str) -> str:
    return "; ".join(f"{place}: {named(texts, language)}" for place, texts in prizes.items())


def range_text(low: int, high: int) -> str:
    return f"{low}–{high}"


def value_text(step: Step, t: Translator, values: dict) -> str:
    """A validated answer as shown on a Keep button and in the summary."""
    _ = t.gettext
    value = values[step]
    zone = values.get(Step.TIMEZONE, "UTC")
    if step is Step.KIND:
        return _(KIND_NAMES[value])
    if step is Step.LANGUAGE:
        return LANGUAGE_NAMES[value]
    if step in (Step.OPENS, Step.CLOSES, Step.DEADLINE):
        return moment_text(t, value, zone) if value is not None else "—"
    if step in (Step.AGES, Step.SCALE):
        return range_text(*value)
    if step is Step.REFERENCE:
        return t.date(value)
    if step is Step.TIMEZONE:
        return t.zone_city(value)
    if step is Step.TIES:
        return _(TIE_NAMES[value])
    if step is Step.NAMES:
        return _(WINNER_NAME_CHOICES[value])
    if step is Step.AWARD:
        return award_name(t, value)
    if step is Step.SIDES:
        return sides_text(t, value) or _("none: everyone is ranked together")
    if step is Step.CRITERIA:
        return criteria_text(t, value)
    if step is Step.PRIZES:
        return prizes_text(value, values[Step.LANGUAGE]) or "—"
    return "—" if value is None else str(value)


def summary_text(t: Translator, form: dict, values: dict) -> str:
    _ = t.gettext

    def line(label: str, step: Step) -> str:
        # Long rules or many prizes would not fit in one message (4096 characters).
        return _(label).format(value=shorten(value_text(step, t, values), 500))

    lines = [_("Please check the contest:"), "", line(N_("Kind: {value}"), Step.KIND),
             line(N_("Language: {value}"), Step.LANGUAGE)]
    for code, title in titles_of(form).items():
        # Translators: {language} is a language's own name, e.g. "Қазақша".
        lines.append(_("Title ({language}): {value}").format(language=LANGUAGE_NAMES[code],
                                                             value=title))
    lines += [
        line(N_("Theme: {value}"), Step.THEME),
        line(N_("Rules: {value}"), Step.RULES),
        *([line(N_("Programme: {value}"), Step.PROGRAMME)] if asked(Step.PROGRAMME, form)
          else []),
        line(N_("Organizer: {value}"), Step.ORGANIZER),
        line(N_("Submissions open: {value}"), Step.OPENS),
        line(N_("Submissions close: {value}"), Step.CLOSES),
        _("Ages: {low}–{high} on {day}").format(
            low=values[Step.AGES][0], high=values[Step.AGES][1],
            day=t.date_before_suffix(values[Step.REFERENCE])),
        line(N_("Sides: {value}"), Step.SIDES),
        line(N_("Winners per side: {value}"), Step.QUOTA),
        line(N_("Entries per participant: {value}"), Step.ENTRIES),
        line(N_("Criteria: {value}"), Step.CRITERIA),
        line(N_("Scale: {value}"), Step.SCALE),
        line(N_("Ties: {value}"), Step.TIES),
        line(N_("Prizes: {value}"), Step.PRIZES),
        line(N_("Minimum jurors per entry: {value}"), Step.JURORS),
        line(N_("Jury deadline: {value}"), Step.DEADLINE),
        line(N_("Winners list names: {value}"), Step.NAMES),
        line(N_("Winners receive: {value}"), Step.AWARD),
    ]
    return "\n".join(lines)


def titles_of(form: dict) -> dict[str, str]:
    language = form["answers"][Step.LANGUAGE.value]
    extra = {code: title for code, title in form.get("extra_titles", {}).items()
             if code != language}
    return {language: form["answers"][Step.TITLE.value], **extra}


# --- questions -----------------------------------------------------------------------------


def _local_day(moment: datetime, zone: str, days: int) -> date:
    return (moment.astimezone(ZoneInfo(zone)) + timedelta(days=days)).date()


def _example(moment: datetime, zone: str, days: int, clock: time) -> str:
    """A date and time `days` after `moment` in `zone`, as typed: "21.12.2026 15:00"."""
    return typed_moment(_local_day(moment, zone, days), clock)


def _question_text(step: Step, t: Translator, form: dict, values: dict, now: datetime) -> str:
    _ = t.gettext
    zone = values.get(Step.TIMEZONE, "UTC")
    if step is Step.KIND:
        return _("New contest. Is it an essay contest or a photo contest?\n\n"
                 "Send /cancel at any time to stop.")
    if step is Step.LANGUAGE:
        return _("Which language is the contest run in? The titles, rules and names you type "
                 "are stored in it.")
    if step in (Step.TITLE, Step.TRANSLATION):
        code = form["translating"] if step is Step.TRANSLATION else values[Step.LANGUAGE]
        return _(TITLE_IN_LANGUAGE[code])
    if step is Step.TRANSLATIONS:
        return _("Readers see the title in their own language when there is one. "
                 "Add the title in another language?")
    if step is Step.THEME:
        return _("What is the theme? Send it in a few words (up to 300 characters).")
    if step is Step.RULES:
        return _("Send the rules: what participants must send and how it is judged (up to "
                 "3000 characters), or skip this step.")
    if step is Step.PROGRAMME:
        return _("Does the contest belong to a programme or project? Choose it, or None.")
    if step is Step.ORGANIZER:
        return _("Which library organizes the contest? Send its name: it appears on the "
                 "certificates.")
    if step is Step.TIMEZONE:
        return _("By which city's clock will you give the dates? Choose one, or send another "
                 "city (Karaganda, Kyiv).")
    if step is Step.OPENS:
        # Translators: {zone} names the clock, e.g. "Almaty time" (see "{city} time");
        # {example} is a date and time as typed, e.g. "21.12.2026 15:00".
        return _("When do submissions open? Press Now, or send the date and time ({zone}), "
                 "for example: {example}").format(
            zone=t.zone_time(zone), example=_example(now, zone, 7, time(9)))
    if step is Step.CLOSES:
        opens_at = values.get(Step.OPENS, now)
        # Translators: {zone} names the clock, e.g. "Almaty time" (see "{city} time");
        # {example} is a date and time as typed, e.g. "21.12.2026 15:00".
        return _("When do submissions close? Send the date and time ({zone}), for example: "
                 "{example}").format(
            zone=t.zone_time(zone),
            example=_example(opens_at, zone, SUGGESTED_WINDOW.days, time(23, 59)))
    if step is Step.AGES:
        return _("Which ages may take part? Send a range like 15-19.")
    if step is Step.REFERENCE:
        return _("On which day is the participants' age counted? Choose the closing date, or "
                 "send a date like {example}.").format(
            example=typed_day(_local_day(values[Step.CLOSES], zone, 0)))
    if step is Step.SIDES:
        text = _("Sides: participants are ranked within their side, and each side has its own "
                 "winners. Send one side per message as \"Name: countries\", for example "
                 "\"Kazakhstan: Kazakhstan, Казахстан, Қазақстан\", or press a country below. "
                 "Press Done when the list is complete (without sides everyone is ranked "
                 "together).")
        return _so_far(t, text, sides_text(t, form.get("sides", [])))
    if step is Step.QUOTA:
        return _("How many winners per side? Send a number from 1 to 100.")
    if step is Step.ENTRIES:
        return _("How many entries may each participant send? Send a number from 1 to 10.")
    if step is Step.CRITERIA:
        text = _("Judging criteria: send one per message with its weight, like \"Originality "
                 "0.4\"; the weights must add up to 1. Or press Default. Press Done when the "
                 "list is complete.")
        return _so_far(t, text, criteria_text(t, form.get("criteria", [])))
    if step is Step.SCALE:
        return _("On which scale do jurors score each criterion? Send it like 1-10.")
    if step is Step.TIES:
        return _("Entries with the same score share a place. How are the places after them "
                 "numbered?\n\nShared: 1, 2, 2, 4 — the place after a shared one is skipped.\n"
                 "Dense: 1, 2, 2, 3 — no place is skipped.")
    if step is Step.PRIZES:
        text = _("Prizes: send one per message as \"place: prize\", like \"1: 100,000 tenge "
                 "certificate\". Press Done when the list is complete, or Skip if no prizes "
                 "are announced.")
        return _so_far(t, text, prizes_text(form.get("prizes", {}), values[Step.LANGUAGE]))
    if step is Step.JURORS:
        return _("How many jurors must score an entry before it is ranked? Send a number from "
                 "1 to 50.")
    if step is Step.DEADLINE:
        # Translators: {zone} names the clock, e.g. "Almaty time" (see "{city} time");
        # {example} is a date and time as typed, e.g. "21.12.2026 15:00".
        return _("By when must the jury finish scoring? Send the date and time ({zone}), for "
                 "example: {example}, or choose below. Jurors who have not finished are "
                 "reminded a day before.").format(
            zone=t.zone_time(zone), example=_example(values[Step.CLOSES], zone, 10, time(18)))
    if step is Step.NAMES:
        return _("The list of winners goes to the contest's participants. How should it name "
                 "the winners?")
    if step is Step.AWARD:
        # Translators: "First-degree diploma" as translated elsewhere (ru "Диплом I степени").
        return _("What do the winners receive? It is the heading of their documents; a "
                 "diploma of the first three places has its degree (First-degree diploma). "
                 "Participants who did not win get a letter of thanks.")
    return summary_text(t, form, values)


def _so_far(t: Translator, text: str, listed: str) -> str:
    if not listed:
        return text
    return text + "\n\n" + t.gettext("So far: {value}").format(value=shorten(listed, 3000))


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _question_buttons(step: Step, t: Translator, form: dict, values: dict,
                      settings: Settings) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    answers = form["answers"]
    rows: list[list[tuple[str, str]]] = []

    def mark(value: str) -> str:
        return "✓ " if answers.get(step.value) == value else ""

    def choice(label: str, value: str) -> list[tuple[str, str]]:
        return [(mark(value) + label, data(step, "v", value))]

    if step is Step.KIND:
        rows = [choice(_(name), kind.value) for kind, name in KIND_NAMES.items()]
    elif step is Step.LANGUAGE:
        rows = [choice(LANGUAGE_NAMES[code], code) for code in LANGUAGES]
    elif step is Step.TRANSLATIONS:
        extra = form.get("extra_titles", {})
        rows = [[(("✓ " if code in extra else "+ ") + LANGUAGE_NAMES[code],
                  data(step, "add", code))]
                for code in LANGUAGES if code != values[Step.LANGUAGE]]
        rows.append([(_("Continue"), data(step, "next"))])
    elif step is Step.RULES:
        rows = [[(_("Skip"), data(step, "skip"))]]
    elif step is Step.PROGRAMME:
        chosen = answers.get(step.value, "")
        rows = [[(("✓ " if chosen == number else "") + name, data(step, "pick", number))]
                for number, name in form.get("programmes", [])]
        rows.append([(("✓ " if chosen is None else "") + _("None"), data(step, "none"))])
    elif step is Step.TIMEZONE:
        # The button names the city; its data keeps the zone's identifier.
        rows = [choice(t.zone_city(zone), zone) for zone in dict.fromkeys(
            (settings.timezone.key, *OFFERED_ZONES))]
    elif step is Step.OPENS:
        rows = [choice(_("Now"), NOW_WORD)]
    elif step is Step.REFERENCE:
        day = t.date(values[Step.CLOSES].astimezone(ZoneInfo(values[Step.TIMEZONE])).date())
        rows = [choice(_("The closing date ({day})").format(day=day), CLOSING_WORD)]
    elif step.value in DEFAULTS:
        value = DEFAULTS[step.value]
        rows = [choice(_("Default: {value}").format(value=value.replace("-", "–")), value)]
    elif step is Step.TIES:
        rows = [choice(_(name), policy.value) for policy, name in TIE_NAMES.items()]
    elif step is Step.NAMES:
        rows = [choice(_(name), how.value) for how, name in WINNER_NAME_CHOICES.items()]
    elif step is Step.AWARD:
        # The diploma is what winners got before the choice: it is the default.
        rows = [choice(_("Default: {value}").format(value=_(name)) if award is AwardTitle.DIPLOMA
                       else _(name), award.value) for award, name in AWARD_NAMES.items()]
    elif step is Step.DEADLINE:
        rows = [[(_("Two weeks after closing"), data(step, "v", f"+{DEADLINE_AFTER_DAYS}"))],
                [(_("No deadline"), data(step, "skip"))]]
    elif step is Step.SIDES:
        chosen = {side.key for side in form.get("sides", [])}
        rows = [[(named(side.names, t.language), data(step, "add", key))
                 for key, side in PRESET_SIDES.items() if key not in chosen]]
    elif step is Step.CRITERIA:
        rows = [[(_("Default: {value}").format(value=criteria_example(t)),
                  data(step, "default"))]]
    elif step is Step.SUMMARY:
        return [[(_("Confirm"), data(step, "ok"))],
                [(_("« Back"), data(step, "back")), (_("Cancel"), data(step, "cancel"))]]
    rows = [row for row in rows if row]
    if step in LISTS:
        listed = form.get(LISTS[step])
        label = _("Skip") if step is Step.PRIZES and not listed else _("Done")
        rows.append([(label, data(step, "done"))])
        if listed:
            rows.append([(_("Start the list again"), data(step, "clear"))])
    elif step in values and step not in (Step.KIND, Step.LANGUAGE, Step.TIES, Step.NAMES,
                                         Step.AWARD,
                                         Step.PROGRAMME):
        shown = shorten(value_text(step, t, values), 60)
        # Translators: a button keeping the answer already given to this question.
        rows.append([(_("Keep: {value}").format(value=shown), data(step, "keep"))])
    if step is not Step.KIND:
        rows.append([(_("« Back"), data(step, "back"))])
    return rows


def question(step: Step, t: Translator, form: dict, values: dict, settings: Settings,
             now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    text = _question_text(step, t, form, values, now)
    return text, keyboard(_question_buttons(step, t, form, values, settings))


def deep_link(bot_username: str, contest_id: int) -> str:
    return f"https://t.me/{bot_username}?start=contest_{contest_id}"
