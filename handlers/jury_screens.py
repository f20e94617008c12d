"""Texts and keyboards of the jury screens; `handlers.jury` drives them.

What reaches a juror is built only from `BlindEntry` and the contest's own
settings, never from an entry's author.
"""

from __future__ import annotations

import asyncio
import logging
import math
from datetime import datetime

from telegram import Bot, Chat, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.core.i18n import N_, Translator
from bot.files.work_files import NotWhatItSays, clean
from bot.services.contests import contest_title, criterion_names
from bot.services.jury import (
    BlindEntry,
    JurorProgress,
    JuryLocked,
    JuryOverview,
    OtherScore,
    ScoredEntry,
)
from bot.services.jury_invites import JurorSeat
from handlers.common import chunks, keyboard
from storage.contest_models import Contest, EntryContent

log = logging.getLogger(__name__)

FOR_JURORS = N_("This is for jury members only.")
JURY_LOCKED = JuryLocked.default_msgid
FROZEN = N_("The results are frozen: scores can no longer change.")
PAGE_SIZE = 10
CAPTION_LIMIT = 1024
BUTTON_TITLE = 32
# Telegram takes at most 100 buttons in a keyboard.
REMOVE_BUTTONS = 90


def progress_text(t: Translator, scored: int, total: int) -> str:
    # Translators: a juror's progress, e.g. "12 of 40 scored"; {n} is the number of entries.
    return t.ngettext("{scored} of {n} scored", "{scored} of {n} scored", total).format(
        scored=scored, n=total)


def overview_text(t: Translator, overview: JuryOverview, open_invites: int) -> str:
    """For organizers: the jurors with their progress, the conflicts, the jurors removed
    and the invitations still open."""
    _ = t.gettext
    contest = overview.contest
    lines = [_("Jury of «{title}»").format(title=contest_title(contest, t.language))]
    if overview.jurors:
        count = len(overview.jurors)
        lines.append(t.ngettext("{n} juror:", "{n} jurors:", count).format(n=count))
        lines += [f"{i}. {row.name} — {progress_text(t, row.scored, row.total)}"
                  for i, row in enumerate(overview.jurors, start=1)]
    else:
        lines.append(_("No jurors yet."))
    if overview.removed:
        # Translators: followed by the names of the jurors an organizer removed.
        lines.append(_("Removed from the jury (their scores do not count): {names}").format(
            names=", ".join(overview.removed)))
    if overview.conflicts:
        lines.append(_("Declared conflicts of interest:"))
        lines += [f"• {c.juror_name} — {c.entry_code}" for c in overview.conflicts]
    else:
        lines.append(_("No conflicts of interest declared."))
    if overview.own_entries:
        lines.append(_("Jurors' own entries (they do not score them):"))
        lines += [f"• {c.juror_name} — {c.entry_code}" for c in overview.own_entries]
    if contest.frozen_at is not None:
        lines.append(_(JURY_LOCKED))
        return "\n".join(lines)
    lines.append(t.ngettext(
        # Translators: invitation links to the jury that nobody has opened yet.
        "{n} invitation link is still open (unused and not expired).",
        "{n} invitation links are still open (unused and not expired).",
        open_invites).format(n=open_invites))
    # Translators: "New invite link" is the label of the button under this text.
    lines.append(_("Press New invite link to get a one-time link for one more juror."))
    return "\n".join(lines)


def overview_keyboard(t: Translator, overview: JuryOverview) -> InlineKeyboardMarkup:
    """New invite link and a Remove button per juror (none once the results are frozen), then
    Back to the contest card the screen replaced."""
    contest = overview.contest
    rows: list[list[tuple[str, str]]] = []
    if contest.frozen_at is None:
        rows.append([(t.gettext("New invite link"), f"jy:new:{contest.id}")])
        # Translators: a button taking this juror off the jury (a confirmation follows).
        rows += [[(t.gettext("Remove {name}").format(name=short(row.name)),
                   f"jy:rm:{contest.id}:{row.seat_id}")]
                 for row in overview.jurors[:REMOVE_BUTTONS]]
    rows.append([(t.gettext("« Back"), f"ct:card:{contest.id}")])
    return keyboard(rows)


def removal_question(t: Translator, seat: JurorSeat) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    text = _("Remove {name} from the jury of «{title}»? Their scores will no longer count in "
             "the results. They can come back only through a new invite link.").format(
        name=seat.name, title=contest_title(seat.contest, t.language))
    data = f"{seat.contest.id}:{seat.seat_id}"
    return text, keyboard([[(_("Yes, remove"), f"jy:rmy:{data}"),
                            (_("Cancel"), f"jy:no:{seat.contest.id}")]])


def removed_text(t: Translator, seat: JurorSeat) -> str:
    return t.gettext("{name} is removed from the jury of «{title}»: their scores no longer "
                     "count.").format(name=seat.name,
                                      title=contest_title(seat.contest, t.language))


def invite_text(t: Translator, contest: Contest, link: str, expires_at: datetime,
                zone: str) -> str:
    return t.gettext(
        "Invitation to the jury of «{title}». Open this link to join; it works once, until "
        "{when}:\n{link}"
    ).format(title=contest_title(contest, t.language),
             # The text is forwarded to someone else: the city names the clock.
             when=t.moment_in(expires_at, zone), link=link)


def header(t: Translator, code: str, title: str) -> str:
    return t.gettext("{code} «{title}»").format(code=code, title=title)


def scores_text(t: Translator, contest: Contest, code: str, title: str, values: list[int]) -> str:
    """The entry's code and title, then the points given so far, criterion by criterion."""
    names = criterion_names(contest, t.language)
    pairs = zip(contest.criteria, values, strict=False)
    return "\n".join([header(t, code, title)] + [f"{names[c['key']]}: {v}" for c, v in pairs])


def criterion_question(t: Translator, contest: Contest, entry_id: int, code: str, title: str,
                       values: list[int], saved: float | None) -> tuple[str, InlineKeyboardMarkup]:
    """The question for the next criterion, with one button per point of the scale."""
    _ = t.gettext
    criterion = contest.criteria[len(values)]
    text = scores_text(t, contest, code, title, values)
    if saved is not None:
        text += "\n" + _("Your saved score: {score}. Scoring again replaces it.").format(
            score=t.number(saved))
    text += "\n\n" + _("{criterion} ({low}–{high}):").format(
        criterion=criterion_names(contest, t.language)[criterion["key"]],
        low=contest.scale_min, high=contest.scale_max)
    points = list(range(contest.scale_min, contest.scale_max + 1))
    # 1..10 in two rows of five; longer scales in rows of at most seven.
    per_row = math.ceil(len(points) / math.ceil(len(points) / 7)) if len(points) > 5 else 5
    prefix = f"jr:v:{contest.id}:{entry_id}:{len(values)}"
    rows = [[(str(p), f"{prefix}:{p}") for p in points[i:i + per_row]]
            for i in range(0, len(points), per_row)]
    rows.append([(_("Conflict of interest"), f"jr:x:{contest.id}:{entry_id}"),
                 # Translators: button: leave this entry unscored for now, show the next one.
                 (_("Later"), f"jr:n:{contest.id}:{entry_id}")])
    return text, keyboard(rows)


def my_contests(t: Translator, mine: list[JurorProgress],
                removed: list[Contest]) -> tuple[str, InlineKeyboardMarkup | None]:
    """/jury: each contest of the juror with their progress, a button to open it; then the
    contests whose jury they were removed from."""
    lines = [t.gettext("Your jury work:")] if mine else []
    # Translators: after a juror's progress in /jury: the results can no longer change.
    frozen = t.gettext("results frozen")
    for row in mine:
        line = f"«{contest_title(row.contest, t.language)}» — "
        line += progress_text(t, row.scored, row.total)
        lines.append(line + (f" ({frozen})" if row.contest.frozen_at else ""))
    lines += [t.gettext("You are no longer on the jury of «{title}»: an organizer removed you."
                        ).format(title=contest_title(contest, t.language))
              for contest in removed]
    # A frozen contest has nothing left to open: its line says so.
    rows = [[(short(contest_title(row.contest, t.language)), f"jr:c:{row.contest.id}")]
            for row in mine if row.contest.frozen_at is None]
    return "\n".join(lines), keyboard(rows) if rows else None


def nothing_to_score(t: Translator, listing: str,
                     contest: Contest) -> tuple[str, InlineKeyboardMarkup | None]:
    """/jury for one contest with nothing to score: the list (`my_contests`) and why, in one
    message."""
    if contest.frozen_at is not None:
        return f"{listing}\n\n{t.gettext(FROZEN)}", None
    return listing + "\n\n" + t.gettext(
        "No more entries are waiting for your score. You can revise your scores until the "
        "results are frozen."), list_button(t, contest.id)


def nothing_left(t: Translator, contest: Contest, scored: int,
                 total: int) -> tuple[str, InlineKeyboardMarkup]:
    text = t.gettext("No more entries waiting for your score in «{title}» ({progress}). You can "
                     "revise your scores until the results are frozen.").format(
        title=contest_title(contest, t.language), progress=progress_text(t, scored, total))
    return text, list_button(t, contest.id)


def comment_prompt(t: Translator, contest: Contest, entry: BlindEntry, values: list[int],
                   limit: int) -> tuple[str, InlineKeyboardMarkup]:
    text = scores_text(t, contest, entry.code, entry.title, values) + "\n\n" + t.gettext(
        "Add a comment for the organizers (up to {limit} characters), or press Skip."
    ).format(limit=limit)
    return text, skip_button(t, contest.id, entry.id)


def summary(t: Translator, contest: Contest, entry: BlindEntry, values: list[int],
            comment: str | None, score: float) -> tuple[str, InlineKeyboardMarkup]:
    """Everything the juror is about to save, with Save and Score again."""
    _ = t.gettext
    lines = [scores_text(t, contest, entry.code, entry.title, values)]
    if comment:
        lines.append(_("Comment: {comment}").format(comment=comment))
    lines.append(_("Weighted score: {score}").format(score=t.number(score)))
    data = f"{contest.id}:{entry.id}"
    markup = keyboard([[(_("Save"), f"jr:save:{data}"), (_("Score again"), f"jr:redo:{data}")]])
    return "\n".join(lines), markup


def conflict_question(t: Translator, contest_id: int,
                      entry: BlindEntry) -> tuple[str, InlineKeyboardMarkup]:
    _ = t.gettext
    text = _("Declare a conflict of interest with {code} (for example, the author is a reader "
             "of your library)? The entry will not be shown to you again and your score for "
             "it, if any, will be deleted.").format(code=entry.code)
    data = f"{contest_id}:{entry.id}"
    return text, keyboard([[(_("Yes, declare"), f"jr:xy:{data}"), (_("No"), f"jr:xn:{data}")]])


def others_text(t: Translator, code: str, others: list[OtherScore]) -> str:
    if not others:
        return t.gettext("No other juror has scored {code} yet.").format(code=code)
    lines = [t.gettext("Other jurors' scores for {code}:").format(code=code)]
    lines += [t.gettext("Juror {number}: {score}").format(number=o.label, score=t.number(o.score))
              for o in others]
    return "\n".join(lines)


def scored_list(t: Translator, contest: Contest, scored: list[ScoredEntry],
                page: int) -> tuple[str, InlineKeyboardMarkup]:
    """The juror's scored entries, a page at a time; each button re-opens one to revise."""
    page = max(0, min(page, (len(scored) - 1) // PAGE_SIZE))
    shown = scored[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    rows = [[(f"{e.code} «{short(e.title)}» — {t.number(e.score)}",
              f"jr:e:{contest.id}:{e.entry_id}")] for e in shown]
    pager = [("◀", f"jr:l:{contest.id}:{page - 1}")] if page > 0 else []
    if (page + 1) * PAGE_SIZE < len(scored):
        pager.append(("▶", f"jr:l:{contest.id}:{page + 1}"))
    text = t.gettext("Your scores in «{title}». Choose an entry to score it again:").format(
        title=contest_title(contest, t.language))
    return text, keyboard(rows + ([pager] if pager else []))


def list_button(t: Translator, contest_id: int) -> InlineKeyboardMarkup:
    return keyboard([[(t.gettext("My scores (revise)"), f"jr:l:{contest_id}:0")]])


def skip_button(t: Translator, contest_id: int, entry_id: int) -> InlineKeyboardMarkup:
    return keyboard([[(t.gettext("Skip"), f"jr:nc:{contest_id}:{entry_id}")]])


def short(title: str) -> str:
    return title if len(title) <= BUTTON_TITLE else title[:BUTTON_TITLE - 1] + "…"


async def send_work(bot: Bot, chat: Chat, t: Translator, entry: BlindEntry) -> None:
    """The work itself: the essay's text, the photo, or the file under the entry's code."""
    caption = header(t, entry.code, entry.title)
    if entry.caption:
        caption = f"{caption}\n{entry.caption}"
    if entry.content == EntryContent.TEXT:
        for chunk in chunks(f"{caption}\n\n{entry.text or ''}"):
            await chat.send_message(chunk)
        return
    if entry.file_id is None:  # every entry but an essay is a file
        raise ValueError(f"entry {entry.id} has no file")
    if entry.content == EntryContent.PHOTO:
        await chat.send_photo(entry.file_id, caption=caption[:CAPTION_LIMIT])
        return
    # A file sent by its file_id keeps the author's file name, which often is their own
    # name, and its metadata (author, company, GPS): it is downloaded, cleaned
    # (bot.files.work_files) and sent again under the code (entries are at most 20 MB).
    try:
        file = await bot.get_file(entry.file_id)
        content = bytes(await file.download_as_bytearray())
    except TelegramError as error:
        log.warning("could not load the file of entry %s: %s", entry.id, error)
        await chat.send_message(t.gettext(
            "The file of {code} could not be loaded just now. Press Later and come back to it."
        ).format(code=entry.code))
        return
    try:
        content = await asyncio.to_thread(
            clean, entry.content, f"{entry.code}{entry.extension}", content)
    except NotWhatItSays as error:
        # Only an entry from before files were checked on arrival: never sent uncleaned.
        log.warning("the file of entry %s cannot be cleaned: %s", entry.id, error)
        await chat.send_message(t.gettext(
            "The file of {code} cannot be opened, so it is not shown. Please tell the "
            "organizers."
        ).format(code=entry.code))
        return
    await chat.send_document(content, filename=f"{entry.code}{entry.extension}",
                             caption=caption[:CAPTION_LIMIT])
