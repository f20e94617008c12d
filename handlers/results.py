"""/results for organizers: the preview, Freeze, Publish, and the exports as files.

No conversation: every step is a button whose data carries the contest id (and
the audience), checked again on each press, so a forged or replayed press is
refused or finds the service refusing (frozen twice, published twice). The
steps: `ct:results:<id>` preview -> `rs:fz` -> `rs:fzy` freeze; `rs:pb` ->
`rs:pa:<id>:<p|j|o>` (who gets the winners list) -> `rs:pby` publish;
`rs:no` cancels a question; `rs:csv`, `rs:xlsx`, `rs:zip` send files.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.context import AppContext
from bot.core.i18n import Translator
from bot.files import exports
from bot.files.work_files import NotWhatItSays, clean
from bot.services import results
from bot.services.contests import ContestNotFound, contest_title, get_contest, is_open
from bot.services.result_actions import (
    contest_page,
    freeze_results,
    preview_with_conflicts,
    publish_results,
    zip_sources,
)
from bot.services.results import ResultsRefused, ResultsView
from bot.services.roles import Role
from handlers import guards
from handlers import results_screens as screens
from handlers.common import (
    Context,
    answer,
    chat_of,
    chunks,
    ctx_of,
    query_data,
    query_of,
    replace_message,
    sender_of,
)
from storage.contest_models import Contest, EntryContent

_DATA = re.compile(r"^rs:([a-z]+):(\d{1,9})(?::([pjo]))?$")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("results", results_command))
    app.add_handler(CallbackQueryHandler(preview_pressed, pattern=r"^ct:results:\d{1,9}$"))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^rs:"))


async def results_command(update: Update, context: Context) -> None:
    allowed = await guards.organizer(update, context)
    if allowed is None:
        return
    _user, t, role = allowed
    text, markup = await _contest_page(context, t, role, 0)
    await answer(update, text, reply_markup=markup)


async def preview_pressed(update: Update, context: Context) -> None:
    contest_id = int(query_data(update).rsplit(":", 1)[1])
    allowed = await guards.contest_organizer(update, context, contest_id)
    if allowed is None:
        return
    _user, t = allowed
    try:
        view, conflicts = await _preview(context, contest_id)
    except ContestNotFound:
        await _contest_gone(update, t)
        return
    await query_of(update).answer()
    await _send_preview(update, t, view, conflicts)


async def on_button(update: Update, context: Context) -> None:
    match = _DATA.match(query_data(update))
    # `rs:list` carries a page; every other `rs:` button a contest of some library.
    allowed = (await guards.contest_organizer(update, context, int(match.group(2)))
               if match and match.group(1) != "list" else await guards.organizer(update, context))
    if allowed is None:
        return
    t = allowed[1]
    handler = _ACTIONS.get(match.group(1)) if match else None
    if match is None or handler is None or (
            match.group(1) in _WITH_AUDIENCE) != bool(match.group(3)):
        await _contest_gone(update, t)
        return
    try:
        await handler(Press(update, context, t, int(match.group(2)), match.group(3)))
    except ContestNotFound:
        await _contest_gone(update, t)
    except ResultsRefused as refusal:
        await _alert(update, refusal.render(t))


# --- actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Press:
    """A checked `rs:*` press: an organizer's, with the number and audience from its data."""

    update: Update
    context: Context
    t: Translator
    # The contest id (the page for `rs:list`).
    number: int
    # "p" | "j" | "o" for `rs:pa` and `rs:pby`, else None.
    audience: str | None

    @property
    def app(self) -> AppContext:
        return ctx_of(self.context)

    @property
    def chosen_audience(self) -> str:
        """The audience of an `rs:pa` or `rs:pby` press (checked when it was dispatched)."""
        if self.audience is None:
            raise ValueError("this press names no audience")
        return self.audience

    async def done(self) -> None:
        await query_of(self.update).answer()


async def _list_page(press: Press) -> None:
    await press.done()
    role = await guards.role_of_user(press.app, sender_of(press.update).id)
    await replace_message(
        press.update, *await _contest_page(press.context, press.t, role, press.number))


async def _freeze_asked(press: Press) -> None:
    # The preview, to warn of the entries that would stay unranked.
    view, _conflicts = await _preview(press.context, press.number)
    contest = view.contest
    # The same refusals as `results.freeze`, before asking rather than after.
    if contest.frozen_at is not None:
        raise ResultsRefused(results.ALREADY_FROZEN)
    if is_open(contest, press.app.clock.now()):
        raise ResultsRefused(results.STILL_OPEN)
    await press.done()
    text, markup = screens.freeze_question(press.t, view)
    await answer(press.update, text, reply_markup=markup)


async def _freeze_confirmed(press: Press) -> None:
    view, conflicts = await press.app.call(freeze_results, press.number, press.app.clock.now())
    await press.done()
    await replace_message(press.update, press.t.gettext(
        "The results of «{contest}» are frozen: the jury is locked. Check them, then publish."
    ).format(contest=contest_title(view.contest, press.t.language)), None)
    await _send_preview(press.update, press.t, view, conflicts)


async def _publish_asked(press: Press) -> None:
    contest = await _publishable(press)
    await press.done()
    text, markup = screens.audience_question(press.t, contest)
    await answer(press.update, text, reply_markup=markup)


async def _audience_chosen(press: Press) -> None:
    contest = await _publishable(press)
    view, _conflicts = await _preview(press.context, press.number)
    participants = len({row.user_id for row in view.rows})
    await press.done()
    await replace_message(
        press.update,
        *screens.publish_question(press.t, contest, press.chosen_audience, participants))


async def _publish_confirmed(press: Press) -> None:
    app, t = press.app, press.t
    published = await app.call(publish_results, press.number, app.clock.now(),
                               screens.AUDIENCES[press.chosen_audience],
                               organizer_id=sender_of(press.update).id)
    queued = published.queued
    await press.done()
    await replace_message(press.update, t.ngettext(
        "The results of «{contest}» are published: {n} message is on its way.",
        "The results of «{contest}» are published: {n} messages are on their way.",
        queued,
    ).format(contest=contest_title(published.contest, t.language), n=queued), None)


async def _cancelled(press: Press) -> None:
    await press.done()
    await replace_message(press.update, press.t.gettext("Nothing changed."), None)


async def _send_csv(press: Press) -> None:
    view, _conflicts = await _preview(press.context, press.number)
    await press.done()
    await _send_file(press.update, await asyncio.to_thread(exports.results_csv, press.t, view))


async def _send_xlsx(press: Press) -> None:
    view, _conflicts = await _preview(press.context, press.number)
    await press.done()
    await _send_file(press.update, await asyncio.to_thread(exports.results_xlsx, press.t, view))


async def _send_zip(press: Press) -> None:
    contest, entries = await press.app.read(zip_sources, press.number)
    if not entries:
        await _alert(press.update, press.t.gettext("There are no entries to put in a ZIP yet."))
        return
    await press.done()
    await chat_of(press.update).send_chat_action(ChatAction.UPLOAD_DOCUMENT)
    bot = press.context.bot
    # Files go into the archive cleaned of their authors' metadata (bot.files.work_files); a
    # photo sent as a photo is Telegram's own JPEG, already without any.
    by_file = {entry.file_id: entry for entry, _author in entries if entry.file_id}

    async def fetch(file_id: str) -> bytes:
        try:
            file = await bot.get_file(file_id)
            content = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise exports.FetchFailed(str(error)) from error
        entry = by_file[file_id]
        if entry.content not in (EntryContent.IMAGE_FILE, EntryContent.DOCUMENT):
            return content
        try:
            return await asyncio.to_thread(
                clean, entry.content, entry.file_name, content, entry.mime_type)
        except NotWhatItSays as error:
            # Never put into the archive uncleaned: it is listed as missing instead.
            raise exports.FetchFailed(str(error)) from error

    archive = await exports.entries_zip(press.t, contest, entries, fetch)
    for part in archive.parts:
        await _send_file(press.update, part)
    if archive.missing:
        await answer(press.update, press.t.gettext(
            "These works could not be downloaded: {codes}.").format(
            codes=", ".join(archive.missing)))


_ACTIONS = {
    "list": _list_page,
    "fz": _freeze_asked,
    "fzy": _freeze_confirmed,
    "pb": _publish_asked,
    "pa": _audience_chosen,
    "pby": _publish_confirmed,
    "no": _cancelled,
    "csv": _send_csv,
    "xlsx": _send_xlsx,
    "zip": _send_zip,
}
_WITH_AUDIENCE = {"pa", "pby"}


# --- helpers -------------------------------------------------------------------------------


async def _contest_page(context: Context, t: Translator, role: Role, page: int):  # noqa: ANN202
    app = ctx_of(context)
    found = await app.read(contest_page, role, page, screens.PAGE_SIZE)
    return screens.contest_list(t, found.contests, found.page, found.pages, app.clock.now())


async def _preview(context: Context, contest_id: int) -> tuple[ResultsView, int]:
    app = ctx_of(context)
    return await app.read(preview_with_conflicts, contest_id, app.clock.now())


async def _publishable(press: Press) -> Contest:
    """The contest, if Publish may be offered now (the same refusals as `results.publish`)."""
    contest = await press.app.read(get_contest, press.number)
    if contest.frozen_at is None:
        raise ResultsRefused(results.NOT_FROZEN)
    if contest.published_at is not None:
        raise ResultsRefused(results.ALREADY_PUBLISHED)
    return contest


async def _send_preview(update: Update, t: Translator, view: ResultsView, conflicts: int) -> None:
    parts = chunks(screens.preview_text(t, view, conflicts))
    for part in parts[:-1]:
        await answer(update, part)
    await answer(update, parts[-1], reply_markup=screens.preview_keyboard(t, view))


async def _send_file(update: Update, file: exports.ExportFile) -> None:
    await chat_of(update).send_document(document=file.content, filename=file.file_name)


async def _alert(update: Update, text: str) -> None:
    await query_of(update).answer(text, show_alert=True)


async def _contest_gone(update: Update, t: Translator) -> None:
    await _alert(update, t.gettext(
        "This button is out of date: the contest no longer exists or has changed."))
