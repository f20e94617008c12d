"""Texts and keyboards of the organizer's announcement screens: the /broadcast
questions, the status message that follows a running broadcast, and /broadcasts.

`handlers.broadcast` drives the conversation and `handlers.broadcast_status`
the status messages; this module only knows how things read.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from enum import Enum

from babel.dates import format_timedelta
from telegram import InlineKeyboardMarkup

from bot.core.i18n import LANGUAGE_NAMES, LANGUAGES, N_, Translator
from bot.services.broadcasts import (
    ADMIN_AUDIENCES,
    Audience,
    AudienceKind,
    BroadcastFigures,
)
from bot.services.catalog import event_title
from bot.services.contests import contest_title, side_name
from bot.services.event_fields import typed_moment
from handlers.common import form_button, form_data, keyboard
from storage.broadcast_models import Broadcast, BroadcastStatus, MediaKind
from storage.contest_models import Contest
from storage.models import Event

FORM_KEY = "broadcast_form"
USE_BUTTONS = N_("Please choose one of the buttons below.")
# Long titles would make buttons wrap into unreadable stubs.
BUTTON_TITLE_LENGTH = 48


class Step(Enum):
    """Conversation states of /broadcast; the values appear in callback data."""

    MESSAGE = "msg"  # the text, or a photo or document with its caption
    LANGUAGE = "lang"  # which language that text is in (the default version)
    VERSIONS = "ver"  # menu: add a version in another language, or continue
    VERSION = "vt"  # the text in the language picked in that menu
    BUTTON = "btn"  # a button to an event or contest card, or none
    BUTTON_TARGET = "bt"  # which event or contest
    AUDIENCE = "aud"  # who gets it
    AUDIENCE_TARGET = "at"  # which language, event, contest or side
    CONFIRM = "ok"  # previews and the count: send now, schedule or cancel
    SCHEDULE = "when"  # the date and time to send it


AUDIENCE_NAMES = {
    AudienceKind.EVERYONE: N_("Everyone"),
    AudienceKind.LANGUAGE: N_("Readers of one language"),
    AudienceKind.EVENT: N_("Registrants of an event"),
    AudienceKind.WAITLIST: N_("Waiting list of an event"),
    AudienceKind.CONTEST: N_("Participants of a contest"),
    AudienceKind.SIDE: N_("One side of a contest"),
    AudienceKind.JURORS: N_("Jurors"),
}
# Language names change form inside a sentence ("Қазақша" is a button's label, not a word
# of a sentence), so each language has its own sentences.
AUDIENCE_LANGUAGES = {
    # Translators: an audience, after "Audience:".
    "kk": N_("readers who chose Kazakh"),
    "kk_Latn": N_("readers who chose Kazakh in the Latin alphabet"),
    "ru": N_("readers who chose Russian"),
    "uk": N_("readers who chose Ukrainian"),
    "en": N_("readers who chose English"),
}
ASK_TEXT_IN = {
    "kk": N_("Send the text in Kazakh."),
    "kk_Latn": N_("Send the text in Kazakh in the Latin alphabet."),
    "ru": N_("Send the text in Russian."),
    "uk": N_("Send the text in Ukrainian."),
    "en": N_("Send the text in English."),
}
ASK_CAPTION_IN = {
    "kk": N_("Send the caption in Kazakh (up to 1024 characters)."),
    "kk_Latn": N_("Send the caption in Kazakh in the Latin alphabet (up to 1024 characters)."),
    "ru": N_("Send the caption in Russian (up to 1024 characters)."),
    "uk": N_("Send the caption in Ukrainian (up to 1024 characters)."),
    "en": N_("Send the caption in English (up to 1024 characters)."),
}
# Translators: states of a broadcast, shown after "Announcement #3:".
STATES = {
    BroadcastStatus.SCHEDULED: N_("scheduled"),
    BroadcastStatus.RUNNING: N_("sending"),
    BroadcastStatus.PAUSED: N_("paused"),
    BroadcastStatus.CANCELLED: N_("cancelled"),
    BroadcastStatus.DONE: N_("finished"),
    BroadcastStatus.DRAFT: N_("draft"),
}


def data(step: Step, action: str, value: object = None) -> str:
    return form_data("bc", step.value, action, value)


def parse_data(raw: str | None) -> tuple[str, str, str | None] | None:
    """(step value, action, value) of a /broadcast button; None for malformed data."""
    return form_button(raw, "bc")


def _short(title: str) -> str:
    return title if len(title) <= BUTTON_TITLE_LENGTH else title[: BUTTON_TITLE_LENGTH - 1] + "…"


def _back(t: Translator, step: Step) -> list[tuple[str, str]]:
    return [(t.gettext("« Back"), data(step, "back"))]


# --- the questions ---------------------------------------------------------------------------


def ask_message(t: Translator) -> str:
    _ = t.gettext
    return _(
        "New announcement. Send its text: bold, italic and links made in Telegram reach "
        "readers as they are, no HTML needed. Or send a photo or a document with the text as "
        "its caption (up to 1024 characters).\n\nSend /cancel at any time to stop."
    )


def ask_language(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    rows = [[(LANGUAGE_NAMES[code], data(Step.LANGUAGE, "v", code))] for code in LANGUAGES]
    text = _("Which language is it written in? Readers who get no version in their own "
             "language get this one.")
    return text, keyboard([*rows, _back(t, Step.LANGUAGE)])


def ask_versions(t: Translator, form: dict) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    default = form["language"]
    versions = form.get("versions", {})
    names = [LANGUAGE_NAMES[default] + " " + _("(default)")]
    names += [LANGUAGE_NAMES[code] for code in LANGUAGES if code in versions]
    # Translators: {names} lists language names, the default one marked "(default)".
    text = _("Versions: {names}. Readers who chose another language get the default version. "
             "Add a version in another language, or continue.").format(names=", ".join(names))
    rows = [
        [(("✎ " if code in versions else "+ ") + LANGUAGE_NAMES[code],
          data(Step.VERSIONS, "add", code))]
        for code in LANGUAGES if code != default
    ]
    rows.append([(_("Continue"), data(Step.VERSIONS, "next"))])
    return text, keyboard([*rows, _back(t, Step.VERSIONS)])


def ask_version(t: Translator, form: dict) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    caption = form.get("media_kind", MediaKind.NONE) != MediaKind.NONE
    text = _((ASK_CAPTION_IN if caption else ASK_TEXT_IN)[form["translating"]])
    return text, keyboard([_back(t, Step.VERSION)])


def ask_button(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    rows = [
        [(_("Event card"), data(Step.BUTTON, "v", "event"))],
        [(_("Contest card"), data(Step.BUTTON, "v", "contest"))],
        [(_("No button"), data(Step.BUTTON, "none"))],
    ]
    return _("Add a button under the message that opens an event or a contest?"), keyboard(
        [*rows, _back(t, Step.BUTTON)])


def ask_event(t: Translator, step: Step, events: list[Event], language: str,
              zone: tzinfo) -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [(_short(f"{t.short_date(event.starts_at.astimezone(zone).date())} "
                 f"{event_title(event, language)}"), data(step, "v", event.id))]
        for event in events
    ]
    return t.gettext("Which event?"), keyboard([*rows, _back(t, step)])


def ask_contest(t: Translator, step: Step, contests: list[Contest], language: str,
                *, all_jurors: bool = False) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[(_short(contest_title(contest, language)), data(step, "v", contest.id))]
            for contest in contests]
    if all_jurors:
        rows.append([(t.gettext("Jurors of all contests"), data(step, "v", "all"))])
    return t.gettext("Which contest?"), keyboard([*rows, _back(t, step)])


def ask_side(t: Translator, contest: Contest, language: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[(side_name(contest, side["key"], language), data(Step.AUDIENCE_TARGET, "side", i))]
            for i, side in enumerate(contest.sides)]
    return t.gettext("Which side?"), keyboard([*rows, _back(t, Step.AUDIENCE_TARGET)])


def ask_audience(t: Translator, *, admin: bool) -> tuple[str, InlineKeyboardMarkup]:
    """Everyone and one language's readers reach beyond a library: admins only."""
    rows = [[(t.gettext(name), data(Step.AUDIENCE, "v", kind.value))]
            for kind, name in AUDIENCE_NAMES.items() if admin or kind not in ADMIN_AUDIENCES]
    return t.gettext("Who should get it?"), keyboard([*rows, _back(t, Step.AUDIENCE)])


def ask_audience_language(t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[(LANGUAGE_NAMES[code], data(Step.AUDIENCE_TARGET, "v", code))] for code in LANGUAGES]
    text = t.gettext("Which language? The announcement goes to readers who chose it.")
    return text, keyboard([*rows, _back(t, Step.AUDIENCE_TARGET)])


def summary(t: Translator, form: dict, audience_text: str, button_text: str, count: int,
            *, paid_option: bool) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    default = form["language"]
    names = [LANGUAGE_NAMES[default] + " " + _("(default)")]
    names += [LANGUAGE_NAMES[code] for code in LANGUAGES if code in form.get("versions", {})]
    lines = [
        _("Above: the announcement exactly as readers will get it."),
        "",
        _("Versions: {names}").format(names=", ".join(names)),
        _("Button: {button}").format(button=button_text),
        _("Audience: {audience}").format(audience=audience_text),
        t.ngettext("It will go to {n} reader.", "It will go to {n} readers.", count).format(
            n=t.number(count)),
    ]
    rows = [[(_("Send now"), data(Step.CONFIRM, "now")),
             (_("Schedule"), data(Step.CONFIRM, "later"))]]
    if paid_option:
        label = (_("Paid fast sending: on") if form.get("paid")
                 else _("Paid fast sending: off"))
        rows.append([(label, data(Step.CONFIRM, "paid"))])
    rows.append([(_("Change the audience"), data(Step.CONFIRM, "back")),
                 (_("Cancel"), data(Step.CONFIRM, "cancel"))])
    return "\n".join(lines), keyboard(rows)


def ask_schedule(t: Translator, zone: tzinfo,
                 example: datetime) -> tuple[str, InlineKeyboardMarkup]:
    local = example.astimezone(zone)
    # Translators: {zone} names the clock, e.g. "Almaty time" (see "{city} time");
    # {example} is a date and time as typed, e.g. "21.12.2026 15:00".
    text = t.gettext(
        "When should it go out? Send the date and time ({zone}), for example: {example}"
    ).format(zone=t.zone_time(zone), example=typed_moment(local.date(), local.time()))
    return text, keyboard([_back(t, Step.SCHEDULE)])


# --- how a broadcast reads -------------------------------------------------------------------


def audience_text(t: Translator, audience: Audience, event: Event | None,
                  contest: Contest | None, language: str) -> str:
    _ = t.gettext
    kind = audience.kind
    if kind is AudienceKind.EVERYONE:
        return _("everyone")
    if kind is AudienceKind.LANGUAGE:
        phrase = AUDIENCE_LANGUAGES.get(audience.language or "")
        return _(phrase) if phrase is not None else "?"
    if kind in (AudienceKind.EVENT, AudienceKind.WAITLIST):
        title = event_title(event, language) if event is not None else "?"
        if kind is AudienceKind.EVENT:
            return _("registrants of «{title}»").format(title=title)
        return _("the waiting list of «{title}»").format(title=title)
    if kind is AudienceKind.JURORS and audience.contest_id is None:
        return _("jurors of all contests")
    title = contest_title(contest, language) if contest is not None else "?"
    if kind is AudienceKind.CONTEST:
        return _("participants of «{title}»").format(title=title)
    if kind is AudienceKind.SIDE:
        side = side_name(contest, audience.side, language) if contest is not None else "?"
        return _("participants of «{title}» from {side}").format(title=title, side=side)
    return _("jurors of «{title}»").format(title=title)


def button_text(t: Translator, button: dict, event: Event | None, contest: Contest | None,
                language: str) -> str:
    _ = t.gettext
    if button.get("kind") == "event" and event is not None:
        return _("opens the event «{title}»").format(title=event_title(event, language))
    if button.get("kind") == "contest" and contest is not None:
        return _("opens the contest «{title}»").format(title=contest_title(contest, language))
    return _("none")


def duration_text(t: Translator, seconds: float) -> str:
    return t.in_script(format_timedelta(timedelta(seconds=round(seconds)),
                                        locale=t.babel_locale, threshold=1.5))


def status_text(t: Translator, broadcast: Broadcast, figures: BroadcastFigures,
                audience: str, zone: tzinfo) -> str:
    _ = t.gettext
    state = _(STATES[BroadcastStatus(broadcast.status)])
    if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.scheduled_at is not None:
        state = _("scheduled for {when}").format(when=t.datetime(broadcast.scheduled_at, zone))
    lines = [
        # Translators: first line of a broadcast's status; {state} is "sending", "paused",
        # "finished", "cancelled" or "scheduled for <date>".
        _("📣 Announcement #{id}: {state}").format(id=broadcast.id, state=state),
        _("Audience: {audience}").format(audience=audience),
    ]
    if broadcast.status == BroadcastStatus.SCHEDULED:
        return "\n".join(lines)
    n = t.number
    lines.append(_("Sent: {sent} of {total}").format(sent=n(figures.sent), total=n(figures.total)))
    # Translators: messages of the announcement not sent yet.
    lines.append(_("Waiting: {n}").format(n=n(figures.pending)))
    # Translators: readers who blocked the bot or deleted their account; not sent to.
    lines.append(_("Blocked the bot: {n}").format(n=n(figures.blocked)))
    lines.append(_("Failed: {n}").format(n=n(figures.failed)))
    if figures.uncertain:
        # Translators: sends that timed out; they may have arrived and are not repeated.
        lines.append(_("Not confirmed (timed out): {n}").format(n=n(figures.uncertain)))
    if figures.cancelled:
        lines.append(_("Cancelled: {n}").format(n=n(figures.cancelled)))
    if broadcast.status == BroadcastStatus.RUNNING:
        if figures.rate_per_s is not None:
            lines.append(_("Rate: {rate} per second").format(rate=n(round(figures.rate_per_s, 1))))
        if figures.eta_seconds is not None and figures.pending:
            lines.append(_("Time left: about {time}").format(
                time=duration_text(t, figures.eta_seconds)))
    if broadcast.finished_at is not None and broadcast.started_at is not None:
        took = (broadcast.finished_at - broadcast.started_at).total_seconds()
        lines.append(_("Took: {time}").format(time=duration_text(t, took)))
    return "\n".join(lines)


def status_markup(t: Translator, broadcast: Broadcast) -> InlineKeyboardMarkup | None:
    _ = t.gettext
    if broadcast.status == BroadcastStatus.RUNNING:
        return keyboard([[(_("Pause"), f"bs:pause:{broadcast.id}"),
                          (_("Cancel"), f"bs:cancel:{broadcast.id}")]])
    if broadcast.status == BroadcastStatus.PAUSED:
        return keyboard([[(_("Resume"), f"bs:resume:{broadcast.id}"),
                          (_("Cancel"), f"bs:cancel:{broadcast.id}")]])
    return None
