"""Texts and keyboards of the organizer screens: the /newevent form, the registrants list.

`handlers.newevent` drives the conversation and keeps the answers in
`context.user_data[FORM_KEY]` until Confirm; this module knows what each step
asks, with which buttons, and how the answers read back to the organizer.
`handlers.manage` shares the event texts.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import Enum
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from bot.core.settings import Settings
from bot.services import event_fields as fields
from bot.services.organizer import Registrants
from handlers.common import form_button, form_data, keyboard
from storage.models import Event, EventKind, User

FORM_KEY = "newevent_form"
OFFERED_ZONES = ("Europe/Kyiv", "Europe/Moscow", "Europe/Minsk")
QUICK_DURATIONS = (60, 90, 120)
# One sentence per language: a language's self-name is a button label and does not
# take the grammatical form a sentence needs around it ("in Kazakh", "на казахском").
TITLE_IN_LANGUAGE = {
    "kk": N_("Send the title in Kazakh (up to 200 characters)."),
    "kk_Latn": N_("Send the title in Kazakh in the Latin alphabet (up to 200 characters)."),
    "ru": N_("Send the title in Russian (up to 200 characters)."),
    "uk": N_("Send the title in Ukrainian (up to 200 characters)."),
    "en": N_("Send the title in English (up to 200 characters)."),
}

KIND_NAMES = {
    EventKind.VIDEO_BRIDGE: N_("Video-bridge"),
    EventKind.CONFERENCE: N_("Online conference"),
    EventKind.CHAT_CONFERENCE: N_("Chat-conference"),
    EventKind.OFFLINE: N_("In the library"),
}


class Step(Enum):
    """Conversation states of /newevent; the values appear in callback data."""

    KIND = "kind"
    LANGUAGE = "lang"
    TITLE = "title"
    TRANSLATIONS = "tr"  # menu: add the title in another language, or continue
    TRANSLATION = "tt"  # the title in the language picked in that menu
    DESCRIPTION = "desc"
    PROGRAMME = "prog"  # only when programmes exist
    TIMEZONE = "tz"
    START = "start"
    DURATION = "dur"
    ADDRESS = "addr"  # offline events only
    LINK = "link"  # online events only
    CAPACITY = "cap"
    PARTNERS = "part"
    REMINDERS = "rem"
    SUMMARY = "sum"


ORDER = [step for step in Step if step is not Step.TRANSLATION]
# The form key holding each step's answer; steps absent here have no single answer.
ANSWER_KEYS = {
    Step.KIND: "kind",
    Step.LANGUAGE: "language",
    Step.TITLE: "title",
    Step.DESCRIPTION: "description",
    Step.PROGRAMME: "programme",
    Step.TIMEZONE: "timezone",
    Step.START: "starts_at",
    Step.DURATION: "duration",
    Step.ADDRESS: "address",
    Step.LINK: "link",
    Step.CAPACITY: "capacity",
    Step.REMINDERS: "offsets",
}


def asked(step: Step, form: dict) -> bool:
    """Whether the form asks `step`: an offline event has an address and no join link; the
    programme is asked only when there are programmes to choose from."""
    if step is Step.PROGRAMME:
        return bool(form.get("programmes"))
    offline = form.get("kind") == EventKind.OFFLINE
    if step is Step.ADDRESS:
        return offline
    if step is Step.LINK:
        return not offline
    return True


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


def programme_name(form: dict, programme_id: int | None) -> str:
    """The name of a programme offered in the form; "—" for none."""
    names = {number: name for number, name in form.get("programmes", [])}
    return names.get(programme_id, "—") if programme_id is not None else "—"


def titles_of(form: dict) -> dict[str, str]:
    extra = {code: title for code, title in form.get("extra_titles", {}).items()
             if code != form["language"]}
    return {form["language"]: form["title"], **extra}


# --- how answers read ----------------------------------------------------------------------


def duration_text(t: Translator, minutes: int) -> str:
    return t.ngettext("{n} minute", "{n} minutes", minutes).format(n=minutes)


def offsets_text(t: Translator, offsets: list[int]) -> str:
    if not offsets:
        return t.gettext("no reminders")
    parts = []
    for offset in offsets:
        if offset == 0:
            parts.append(t.gettext("at the start"))
        elif offset % 60 == 0:
            hours = offset // 60
            parts.append(
                t.ngettext("{n} hour before", "{n} hours before", hours).format(n=hours)
            )
        else:
            parts.append(
                t.ngettext("{n} minute before", "{n} minutes before", offset).format(n=offset)
            )
    return ", ".join(parts)


def capacity_text(t: Translator, capacity: int | None) -> str:
    return t.gettext("no limit") if capacity is None else t.number(capacity)


def moment_text(t: Translator, moment: datetime, zone: str) -> str:
    """A moment with the city whose clock it is given by: organizer screens show an
    event's zone, which is nobody's "your time"."""
    return t.moment_in(moment, zone)


def answer_text(step: Step, t: Translator, form: dict) -> str:
    """An answer as shown on a Keep button and in the summary."""
    value = form[ANSWER_KEYS[step]]
    if step is Step.KIND:
        return t.gettext(KIND_NAMES[EventKind(value)])
    if step is Step.LANGUAGE:
        return LANGUAGE_NAMES[value]
    if step is Step.TIMEZONE:
        return t.zone_city(value)
    if step is Step.START:
        return moment_text(t, value, form["timezone"])
    if step is Step.DURATION:
        return duration_text(t, value)
    if step is Step.CAPACITY:
        return capacity_text(t, value)
    if step is Step.REMINDERS:
        return offsets_text(t, value)
    if step is Step.PROGRAMME:
        return programme_name(form, value)
    if step in (Step.LINK, Step.DESCRIPTION, Step.ADDRESS):
        return value or "—"
    return str(value)


def summary_text(t: Translator, form: dict) -> str:
    _ = t.gettext
    lines = [_("Please check the event:"), ""]
    lines.append(_("Kind: {value}").format(value=answer_text(Step.KIND, t, form)))
    lines.append(_("Language: {value}").format(value=answer_text(Step.LANGUAGE, t, form)))
    for code, title in titles_of(form).items():
        # Translators: {language} is a language's own name, e.g. "Қазақша".
        lines.append(_("Title ({language}): {value}").format(
            language=LANGUAGE_NAMES[code], value=title))
    lines.append(_("Description: {value}").format(value=answer_text(Step.DESCRIPTION, t, form)))
    if asked(Step.PROGRAMME, form):
        lines.append(_("Programme: {value}").format(
            value=answer_text(Step.PROGRAMME, t, form)))
    lines.append(_("Start: {value}").format(value=answer_text(Step.START, t, form)))
    for partner in form.get("partners", []):
        # Translators: a line under "Start:" giving the start as seen in a partner
        # library's city; {value} is the date and time there followed by the time zone in
        # brackets, e.g. "  in Kyiv: 5 December 2026, 12:00 (Kyiv time)". Keep the indent.
        lines.append(_("  in {city}: {value}").format(
            city=partner.city, value=moment_text(t, form["starts_at"], partner.timezone)))
    lines.append(_("Duration: {value}").format(value=answer_text(Step.DURATION, t, form)))
    if asked(Step.ADDRESS, form):
        lines.append(_("Address: {value}").format(value=answer_text(Step.ADDRESS, t, form)))
    else:
        lines.append(_("Join link: {value}").format(value=answer_text(Step.LINK, t, form)))
    lines.append(_("Seats: {value}").format(value=answer_text(Step.CAPACITY, t, form)))
    lines.append(_("Partners: {value}").format(value=partners_text(t, form) or "—"))
    lines.append(_("Reminders: {value}").format(value=answer_text(Step.REMINDERS, t, form)))
    return "\n".join(lines)


def partners_text(t: Translator, form: dict) -> str:
    return "; ".join(
        f"{p.name}, {p.city} ({t.zone_time(p.timezone)})"
        for p in form.get("partners", [])
    )


def event_title(event: Event, language: str) -> str:
    """The event's title in `language`, falling back to the event's own language."""
    return event.titles.get(language) or event.titles.get(event.language) or ""


def registrants_text(t: Translator, found: Registrants) -> str:
    _ = t.gettext
    lines = [_("Registrants of «{title}»").format(title=event_title(found.event, t.language))]
    if found.registered:
        n = len(found.registered)
        lines.append(t.ngettext("{n} registered:", "{n} registered:", n).format(n=n))
        lines += _numbered(t, found.registered)
    else:
        lines.append(_("Nobody has registered yet."))
    if found.waitlisted:
        n = len(found.waitlisted)
        lines.append(t.ngettext("{n} on the waiting list:", "{n} on the waiting list:",
                                n).format(n=n))
        lines += _numbered(t, found.waitlisted)
    return "\n".join(lines)


def _numbered(t: Translator, users: list[User]) -> list[str]:
    lines = []
    for position, user in enumerate(users, start=1):
        name = user.full_name or user.first_name
        lines.append(f"{position}. {name}" + (f" — {user.library}" if user.library else ""))
    return lines


# --- questions -----------------------------------------------------------------------------


def _data(step: Step, action: str, value: str | None = None) -> str:
    return form_data("nf", step.value, action, value)


def parse_data(data: str | None) -> tuple[str, str, str | None] | None:
    """(step value, action, value) of a /newevent button; None for malformed data."""
    return form_button(data, "nf")


def _question_text(step: Step, t: Translator, form: dict, settings: Settings,
                   now: datetime) -> str:
    _ = t.gettext
    if step is Step.KIND:
        return _("New event. What kind of event is it?\n\nSend /cancel at any time to stop.")
    if step is Step.LANGUAGE:
        return _("Which language will the event be held in?")
    if step is Step.TITLE:
        return _(TITLE_IN_LANGUAGE[form["language"]])
    if step is Step.TRANSLATIONS:
        return _("Readers see the title in their own language when there is one. "
                 "Add the title in another language?")
    if step is Step.TRANSLATION:
        return _(TITLE_IN_LANGUAGE[form["translating"]])
    if step is Step.DESCRIPTION:
        return _("Send a short description (up to 2000 characters), or skip this step.")
    if step is Step.PROGRAMME:
        return _("Does the event belong to a programme or project? Choose it, or None.")
    if step is Step.TIMEZONE:
        return _("By which city's clock will you give the start time? Choose one, or send "
                 "another city (Karaganda, Kyiv).")
    if step is Step.START:
        day = (now.astimezone(ZoneInfo(form["timezone"])) + timedelta(days=14)).date()
        # Translators: {zone} names the clock, e.g. "Almaty time" (see "{city} time");
        # {example} is a date and time as typed, e.g. "21.12.2026 15:00".
        return _("When does it start? Send the date and time ({zone}), for example: "
                 "{example}").format(zone=t.zone_time(form["timezone"]),
                                     example=fields.typed_moment(day, time(15)))
    if step is Step.DURATION:
        return _("How long will it last? Send minutes (90) or hours and minutes (1h30m).")
    if step is Step.ADDRESS:
        return _("Where will it be held? Send the library's address (up to 300 characters), "
                 "for example: Central Library, 12 Abay Avenue, reading room 2.")
    if step is Step.LINK:
        return _("Send the join link (Zoom or another https:// link), or skip this step if "
                 "you will add it later.")
    if step is Step.CAPACITY:
        return _("How many readers can take part? Send a number, or choose no limit.")
    if step is Step.PARTNERS:
        text = _("Partner libraries: send one per message as \"Library name, City\" or "
                 "\"Library name, City, Time zone\". Press Done when the list is complete "
                 "(it may stay empty).")
        listed = partners_text(t, form)
        if listed:
            text += "\n\n" + _("Partners so far: {value}").format(value=listed)
        return text
    if step is Step.REMINDERS:
        return _("When should registrants be reminded? Send times before the start, like "
                 "\"24h, 1h, 0m\" (0m is at the start), or \"-\" for no reminders.")
    return summary_text(t, form)


def _question_buttons(step: Step, t: Translator, form: dict,
                      settings: Settings) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    rows: list[list[tuple[str, str]]] = []

    def mark(value: str, key: str) -> str:
        return "✓ " if form.get(key) == value else ""

    if step is Step.KIND:
        rows = [[(mark(kind, "kind") + _(name), _data(step, "v", kind.value))]
                for kind, name in KIND_NAMES.items()]
    elif step is Step.LANGUAGE:
        rows = [[(mark(code, "language") + LANGUAGE_NAMES[code], _data(step, "v", code))]
                for code in LANGUAGES]
    elif step is Step.TRANSLATIONS:
        extra = form.get("extra_titles", {})
        rows = [[(("✓ " if code in extra else "+ ") + LANGUAGE_NAMES[code],
                  _data(step, "add", code))]
                for code in LANGUAGES if code != form["language"]]
        rows.append([(_("Continue"), _data(step, "next"))])
    elif step is Step.DESCRIPTION or step is Step.LINK:
        rows = [[(_("Skip"), _data(step, "skip"))]]
    elif step is Step.PROGRAMME:
        chosen = form.get("programme", "")
        rows = [[(("✓ " if chosen == number else "") + name, _data(step, "pick", number))]
                for number, name in form.get("programmes", [])]
        rows.append([(("✓ " if "programme" in form and chosen is None else "") + _("None"),
                      _data(step, "none"))])
    elif step is Step.TIMEZONE:
        zones = dict.fromkeys((settings.timezone.key, *OFFERED_ZONES))
        # The button names the city; its data keeps the zone's identifier.
        rows = [[(t.zone_city(zone), _data(step, "v", zone))] for zone in zones]
    elif step is Step.DURATION:
        rows = [[(duration_text(t, m), _data(step, "v", str(m))) for m in QUICK_DURATIONS]]
    elif step is Step.CAPACITY:
        rows = [[(_("No limit"), _data(step, "v", "0"))]]
    elif step is Step.PARTNERS:
        rows = [[(_("Done"), _data(step, "done"))]]
        if form.get("partners"):
            rows.append([(_("Start the list again"), _data(step, "clear"))])
    elif step is Step.REMINDERS:
        rows = [[(_("Default: 24h, 1h, at the start"),
                  _data(step, "v", fields.DEFAULT_OFFSETS_TEXT))]]
    elif step is Step.SUMMARY:
        return [[(_("Confirm"), _data(step, "ok"))],
                [(_("« Back"), _data(step, "back")), (_("Cancel"), _data(step, "cancel"))]]
    key = ANSWER_KEYS.get(step)
    if key in form and step not in (Step.KIND, Step.LANGUAGE, Step.PROGRAMME):
        shown = answer_text(step, t, form)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        # Translators: a button that keeps the answer already given to this question
        # (the organizer came back to it with Back); {value} is that answer, e.g.
        # "Keep: Almaty" or "Keep: 90 minutes".
        rows.append([(_("Keep: {value}").format(value=shown), _data(step, "keep"))])
    if step is not Step.KIND:
        rows.append([(_("« Back"), _data(step, "back"))])
    return rows


def question(step: Step, t: Translator, form: dict, settings: Settings,
             now: datetime) -> tuple[str, InlineKeyboardMarkup]:
    text = _question_text(step, t, form, settings, now)
    return text, keyboard(_question_buttons(step, t, form, settings))


def deep_link(bot_username: str, event_id: int) -> str:
    return f"https://t.me/{bot_username}?start=event_{event_id}"
