"""/myentries with Withdraw (Replace starts the entry conversation in handlers.entries),
and the organizers' list of a contest's entries."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import Translator
from bot.services.contests import ContestNotFound, contest_title, side_name
from bot.services.entries import EntryRow, MyEntry, my_entries, owned_entry
from bot.services.entry_actions import entry_list, withdraw_reader_entry
from bot.services.entry_refusals import EntryRefused
from handlers import guards
from handlers.common import (
    MESSAGE_LIMIT,
    Context,
    answer,
    ctx_of,
    keyboard,
    query_data,
    query_of,
    reader,
    replace_message,
)
from storage.contest_models import Contest, EntryStatus

log = logging.getLogger(__name__)

_ID = r"(\d{1,9})"


def register(app: Application) -> None:
    app.add_handler(CommandHandler("myentries", show_my_entries))
    app.add_handler(CallbackQueryHandler(withdraw_asked, pattern=rf"^en:wd:{_ID}$"))
    app.add_handler(CallbackQueryHandler(withdraw_confirmed, pattern=rf"^en:wdy:{_ID}$"))
    app.add_handler(CallbackQueryHandler(withdraw_kept, pattern=rf"^en:wdn:{_ID}$"))
    app.add_handler(CallbackQueryHandler(list_entries, pattern=rf"^ct:entries:{_ID}$"))


def number_in(update: Update) -> int:
    """The id at the end of the button's data (the patterns above admit only digits)."""
    return int(query_data(update).rsplit(":", 1)[1])


async def alert(update: Update, text: str) -> None:
    await query_of(update).answer(text, show_alert=True)


async def drop_buttons(update: Update) -> None:
    """Take the buttons off the message pressed, so it cannot be pressed again."""
    try:
        await query_of(update).edit_message_reply_markup(reply_markup=None)
    except BadRequest as error:
        # A forged press names a message that is not the bot's, or is gone.
        log.info("buttons not removed: %s", error.message)


async def contest_gone(update: Update, t: Translator) -> None:
    await alert(update, t.gettext(
        "This button is out of date: the contest no longer exists or has changed."))


# --- /myentries ----------------------------------------------------------------------------


async def show_my_entries(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    found = await app.read(my_entries, user.id, app.clock.now())
    if not found:
        await answer(update, t.gettext(
            "You have not entered any contest yet. Send /contests to see the open ones."))
        return
    lines = [t.gettext("Your contest entries:")]
    rows = []
    for item in found:
        lines += ["", f"«{contest_title(item.contest, t.language)}»",
                  f"{item.code} «{item.title}»: {_status_text(t, item)}"]
        if item.can_change:
            rows.append([(t.gettext("Replace {code}").format(code=item.code),
                          f"en:rep:{item.entry_id}"),
                         (t.gettext("Withdraw {code}").format(code=item.code),
                          f"en:wd:{item.entry_id}")])
    await _send_chunked(update, "\n".join(lines), rows)


def _status_text(t: Translator, item: MyEntry) -> str:
    _ = t.gettext
    if item.status == EntryStatus.WITHDRAWN:
        return _("withdrawn")
    if not item.published:
        return _("submitted")
    if item.place is None:
        return _("results published: thank you for taking part")
    if item.shared:
        text = _("shared place {place}").format(place=item.place)
    else:
        text = _("place {place}").format(place=item.place)
    return "🏆 " + text if item.winner else text


async def withdraw_asked(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        entry = await app.read(owned_entry, number_in(update), user.id, app.clock.now())
    except (EntryRefused, ContestNotFound) as refusal:
        await _refused(update, t, refusal)
        return
    _ = t.gettext
    await query_of(update).answer()
    await answer(
        update,
        _("Withdraw your entry {code} «{title}»? The jury will no longer see it.").format(
            code=entry.code, title=entry.title),
        reply_markup=keyboard([[(_("Yes, withdraw"), f"en:wdy:{entry.id}"),
                                (_("No, keep it"), f"en:wdn:{entry.id}")]]),
    )


async def withdraw_confirmed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        entry = await app.call(withdraw_reader_entry, number_in(update), user.id,
                               app.clock.now())
    except (EntryRefused, ContestNotFound) as refusal:
        await _refused(update, t, refusal)
        return
    await query_of(update).answer()
    await replace_message(
        update, t.gettext("Your entry {code} is withdrawn.").format(code=entry.code), None)


async def withdraw_kept(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await query_of(update).answer()
    await replace_message(
        update, t.gettext("Nothing changed: your entry stays in the contest."), None)


async def _refused(update: Update, t: Translator, refusal: Exception) -> None:
    if isinstance(refusal, EntryRefused):
        await alert(update, refusal.render(t))
    else:
        await contest_gone(update, t)


# --- organizers: the entries of a contest --------------------------------------------------


async def list_entries(update: Update, context: Context) -> None:
    allowed = await guards.contest_organizer(update, context, number_in(update))
    if allowed is None:
        return
    _user, t = allowed
    app = ctx_of(context)
    try:
        contest, rows = await app.read(entry_list, number_in(update))
    except ContestNotFound:
        await contest_gone(update, t)
        return
    await query_of(update).answer()
    n = sum(1 for row in rows if row.status == EntryStatus.SUBMITTED)
    lines = [t.gettext("Entries of «{contest}»").format(
        contest=contest_title(contest, t.language)),
        t.ngettext("{n} entry in the contest", "{n} entries in the contest", n).format(n=n)]
    lines += [_row_text(t, contest, row) for row in rows]
    await _send_chunked(update, "\n".join(lines), [])


def _row_text(t: Translator, contest: Contest, row: EntryRow) -> str:
    side = side_name(contest, row.side, t.language) if row.side else ""
    parts = [f"{row.code} «{row.title}»", row.author, row.library, side]
    text = " — ".join(part for part in parts if part)
    if row.status == EntryStatus.WITHDRAWN:
        text += " — " + t.gettext("withdrawn")
    return text


async def _send_chunked(update: Update, text: str, rows: list) -> None:
    """Telegram refuses messages over 4096 characters: long lists go in several."""
    parts, current = [], ""
    for line in text.split("\n"):
        if current and len(current) + 1 + len(line) > MESSAGE_LIMIT:
            parts.append(current)
            current = line[:MESSAGE_LIMIT]
        else:
            current = f"{current}\n{line}" if current else line[:MESSAGE_LIMIT]
    parts.append(current)
    for part in parts[:-1]:
        await answer(update, part)
    await answer(update, parts[-1], reply_markup=keyboard(rows) if rows else None)
