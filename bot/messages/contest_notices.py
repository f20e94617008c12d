"""What a participant, juror or organizer reads when a contest row of the outbox is
delivered, in their own language (see `bot.messages.notices` for the event kinds).

Like event notices, texts are rendered at send time from `ContestFacts` read in
the claim: a juror's progress is counted when the reminder goes out, not when it
was planned. A contest result goes out as ONE document (the certificate or the
letter of thanks) with the text as its caption, so it must fit `CAPTION_LIMIT`.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.i18n import N_, Translator
from bot.core.settings import Settings
from bot.messages.awards import award_attached
from bot.services.contests import contest_title, prize_text, side_name
from bot.services.outbox_contests import ContestFacts, EntryFacts
from storage.contest_models import Contest, WinnerNames
from storage.models import Notification, NotificationKind, User

# Telegram's limits: a caption, a message.
CAPTION_LIMIT = 1024
MESSAGE_LIMIT = 4096

PLACES = {
    # Translators: places in a contest, used alone ("1st place") and inside sentences.
    1: N_("1st place"),
    2: N_("2nd place"),
    3: N_("3rd place"),
    4: N_("4th place"),
    5: N_("5th place"),
}


def place_label(t: Translator, place: int, shared: bool) -> str:
    """"2nd place", or "2nd place (shared)" when another entry holds the same place."""
    if place in PLACES:
        label = t.gettext(PLACES[place])
    else:
        # Translators: a place beyond the fifth, e.g. "place 7".
        label = t.gettext("place {n}").format(n=place)
    if shared:
        # Translators: {place} is e.g. "3rd place"; two or more entries hold it.
        return t.gettext("{place} (shared)").format(place=label)
    return label


def is_award(payload: dict) -> bool:
    """A winner's certificate is due (else a letter of thanks)."""
    return bool(payload.get("winner")) and isinstance(payload.get("place"), int)


def render(
    t: Translator,
    notification: Notification,
    contest: Contest,
    facts: ContestFacts,
    user: User,
    settings: Settings,
    now: datetime,
) -> str:
    kind = notification.kind
    payload = notification.payload or {}
    if kind == NotificationKind.CONTEST_RESULT:
        return fit(result_caption(t, contest, payload, facts), CAPTION_LIMIT)
    if kind == NotificationKind.WINNERS_LIST:
        return fit(winners_text(t, contest, payload, facts), MESSAGE_LIMIT)
    if kind == NotificationKind.JURY_REMINDER:
        scored, total = facts.progress or (0, 0)
        return jury_reminder_text(t, contest, scored, total, _zone(user, contest, settings))
    raise ValueError(f"no text for notifications of kind {kind!r}")


def result_caption(t: Translator, contest: Contest, payload: dict, facts: ContestFacts) -> str:
    """A participant's own outcome: place and prize, or thanks for taking part.

    Entries not ranked (ineligible at freezing, or too few jurors) get the same
    thanks as the others: the reason is for the organizers to explain, if at all.
    """
    _ = t.gettext
    title = contest_title(contest, t.language)
    entry = facts.entry(payload.get("entry_id"))
    code, work = (entry.code, entry.title) if entry is not None else ("", "")
    if not is_award(payload):
        return "\n".join([
            "🌿 " + _("The results of «{contest}» are published.").format(contest=title),
            _("Thank you for taking part with your entry {code} «{title}»!").format(
                code=code, title=work),
            _("Your letter of thanks is attached."),
        ])
    lines = [
        "🏆 " + _("The results of «{contest}» are published.").format(contest=title),
        # Translators: {place} is e.g. "2nd place (shared)".
        _("Congratulations! Your entry {code} «{title}» won {place}.").format(
            code=code, title=work,
            place=place_label(t, payload["place"], bool(payload.get("shared")))),
    ]
    prize = prize_text(contest, payload["place"], t.language)
    if prize:
        lines.append(_("Prize: {prize}").format(prize=prize))
    lines.append(award_attached(t, contest.award))
    return "\n".join(lines)


def winners_text(t: Translator, contest: Contest, payload: dict, facts: ContestFacts) -> str:
    """The winners by side (in the order the payload gives them: by side, then place), named
    as the organizer chose (`winner_name`): the list goes to all participants."""
    _ = t.gettext
    lines = ["🏆 " + _("Winners of «{contest}»").format(contest=contest_title(contest, t.language))]
    winners = payload.get("winners") or []
    if not winners:
        lines.append(_("No entry was ranked, so there are no winners."))
    side: object = object()
    for winner in winners:
        entry = facts.entry(winner.get("entry_id"))
        if entry is None:
            continue
        winner_side: str | None = winner.get("side")
        if winner_side != side:
            side = winner_side
            if contest.sides:
                lines += ["", side_name(contest, winner_side, t.language) if winner_side
                          else _("No side")]
        lines.append(_winner_line(t, contest, winner, entry))
    return "\n".join(lines)


def _winner_line(t: Translator, contest: Contest, winner: dict, entry: EntryFacts) -> str:
    place = place_label(t, winner["place"], bool(winner.get("shared")))
    name = winner_name(contest.winner_names, entry.author)
    # (An author who erased their data has no name left: their line names the code only.)
    if not name:
        # Translators: one line of a winners list that names no one: place, entry code, title.
        return t.gettext("{place}: {code} «{title}»").format(
            place=place, code=entry.code, title=entry.title)
    author = ", ".join(part for part in (name, entry.library) if part)
    # Translators: one line of a winners list: place, entry code and title, author and library.
    return t.gettext("{place}: {code} «{title}» — {author}").format(
        place=place, code=entry.code, title=entry.title, author=author)


def winner_name(how: str, full_name: str) -> str | None:
    """The winner as the organizer chose (`Contest.winner_names`): "Aigerim Bekova" (full),
    "Aigerim B." (initial: the first name and the surname's initial), or None (code: the
    entry code names the work, and neither name nor library is given)."""
    if how == WinnerNames.CODE:
        return None
    words = full_name.split()
    if how == WinnerNames.FULL or len(words) < 2:
        return " ".join(words)
    return f"{words[0]} {words[-1][0]}."


def jury_reminder_text(
    t: Translator, contest: Contest, scored: int, total: int, zone: ZoneInfo
) -> str:
    text = t.ngettext(
        "You have scored {scored} of {n} entry of «{contest}».",
        "You have scored {scored} of {n} entries of «{contest}».",
        total,
    ).format(scored=scored, n=total, contest=contest_title(contest, t.language))
    if contest.jury_deadline is not None:
        text += " " + t.gettext("The jury deadline is {when}.").format(
            when=t.datetime(contest.jury_deadline, zone))
    return text + " /jury"


def fit(text: str, limit: int) -> str:
    """Cut a text Telegram would refuse as too long; the ellipsis says something is left out."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _zone(user: User, contest: Contest, settings: Settings) -> ZoneInfo:
    """The juror's own zone, else the contest's, else the bot's."""
    for name in (user.timezone, contest.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return settings.timezone
