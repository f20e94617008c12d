"""Entering a contest, and replacing an entry's work (see entries.mmd). /myentries,
Withdraw and the organizers' list are in handlers.entry_lists.

The answers are kept in `user_data` until Submit, which writes the entry in one
unit of work through `bot.services.entries`; /cancel, Cancel or a timeout leave
nothing behind. Every button names what it acts on, and the service checks that
the entry is the presser's own, so forged data changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from enum import Enum
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.core.i18n import N_, Translator
from bot.files.work_files import NotWhatItSays, clean
from bot.services.contests import ContestNotFound, contest_title
from bot.services.entries import (
    WorkDraft,
    check_content,
    check_not_sent,
    parse_caption,
    parse_title,
    wrong_kind,
)
from bot.services.entry_actions import changeable_entry, enterable_contest, send_entry
from bot.services.entry_refusals import (
    FILE_NOT_LOADED,
    NOT_WHAT_IT_SAYS,
    PROFILE_INCOMPLETE,
    EntryRefused,
)
from handlers import entry_lists
from handlers.common import (
    ActiveFlow,
    Context,
    answer,
    conversation,
    ctx_of,
    enter_flow,
    keyboard,
    leave_flow,
    message_of,
    query_of,
    reader,
    text_of,
    user_data_of,
)
from handlers.entry_lists import alert, contest_gone, drop_buttons, number_in
from storage.contest_models import ContestKind, EntryContent

log = logging.getLogger(__name__)

FLOW = "entry"
DRAFT_KEY = "entry_draft"
END = ConversationHandler.END
STOP_HINT = N_("Send /cancel to stop: nothing is stored until you press Submit.")
NAME_HINT = N_(
    "Your name must not appear inside the work itself: the jury judges blind. The author, "
    "company, camera and place recorded in the file's properties are removed for you."
)
BUTTON_TITLE_LENGTH = 40
_ID = r"(\d{1,9})"


class EntryStep(Enum):
    TITLE = "title"
    WORK = "work"
    CAPTION = "caption"
    CONFIRM = "confirm"


def register(app: Application) -> None:
    in_flow = ActiveFlow(app, FLOW)
    fresh = filters.UpdateType.MESSAGE & ~filters.COMMAND & in_flow
    text = fresh & filters.TEXT
    app.add_handler(conversation(
        "entry",
        entry_points=[
            CallbackQueryHandler(enter_pressed, pattern=rf"^ct:enter:{_ID}$"),
            CallbackQueryHandler(replace_pressed, pattern=rf"^en:rep:{_ID}$"),
        ],
        states={
            EntryStep.TITLE: [MessageHandler(text, title_typed),
                              CallbackQueryHandler(title_kept, pattern=r"^en:keep$")],
            EntryStep.WORK: [MessageHandler(fresh & (filters.TEXT | filters.PHOTO
                                                     | filters.Document.ALL), work_sent)],
            EntryStep.CAPTION: [MessageHandler(text, caption_typed),
                                CallbackQueryHandler(caption_skipped, pattern=r"^en:skip$")],
            EntryStep.CONFIRM: [CallbackQueryHandler(submit_pressed, pattern=r"^en:ok$")],
        },
        fallbacks=[
            CallbackQueryHandler(cancel_pressed, pattern=r"^en:no$"),
            CommandHandler("cancel", cancel_command, filters=ActiveFlow(app, FLOW, when_idle=True)),
            MessageHandler(fresh & ~filters.StatusUpdate.ALL, unexpected),
        ],
        timed_out=timed_out,
        allow_reentry=True,
    ))
    entry_lists.register(app)
    # Buttons of an entry that was submitted, cancelled or lost in a restart; forged ones.
    app.add_handler(CallbackQueryHandler(out_of_date, pattern=r"^en:"))


# --- starting ------------------------------------------------------------------------------


async def enter_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    app = ctx_of(context)
    contest_id = number_in(update)
    try:
        contest = await app.read(enterable_contest, contest_id, user.id, app.clock.now())
    except ContestNotFound:
        await contest_gone(update, t)
        return END
    except EntryRefused as refusal:
        await query_of(update).answer()
        markup = None
        if refusal.msgid == PROFILE_INCOMPLETE:
            # The contest rides along: once the profile is saved, its card comes back.
            markup = keyboard([[(t.gettext("Fill in my profile"), f"prof:edit:{contest_id}")]])
        await answer(update, refusal.render(t), reply_markup=markup)
        return END
    await query_of(update).answer()
    user_data_of(context)[DRAFT_KEY] = {"contest_id": contest_id, "kind": contest.kind,
                                    "contest": contest_title(contest, t.language)}
    enter_flow(context, FLOW)
    intro = t.gettext("Entering «{contest}».").format(contest=contest_title(contest, t.language))
    return await _ask(update, context, t, EntryStep.TITLE, intro)


async def replace_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        entry, contest = await app.read(
            changeable_entry, number_in(update), user.id, app.clock.now())
    except (EntryRefused, ContestNotFound) as refusal:
        message = refusal.render(t) if isinstance(refusal, EntryRefused) else None
        await alert(update, message or t.gettext("This contest no longer exists."))
        return END
    await query_of(update).answer()
    user_data_of(context)[DRAFT_KEY] = {
        "contest_id": contest.id, "kind": contest.kind,
        "contest": contest_title(contest, t.language),
        "replaces": entry.id, "code": entry.code, "old_title": entry.title,
    }
    enter_flow(context, FLOW)
    intro = t.gettext("A new work for your entry {code} in «{contest}».").format(
        code=entry.code, contest=contest_title(contest, t.language))
    return await _ask(update, context, t, EntryStep.TITLE, intro)


# --- questions -----------------------------------------------------------------------------


def _question(t: Translator, step: EntryStep, draft: dict) -> tuple[str, list]:
    _ = t.gettext
    photo = draft["kind"] == ContestKind.PHOTO
    if step is EntryStep.TITLE:
        text = _("What is the title of your work? Up to 200 characters.")
        if "old_title" in draft:
            shown = _shorten(draft["old_title"])
            return text, [[(_("Keep: {title}").format(title=shown), "en:keep")]]
        return text, []
    if step is EntryStep.WORK and photo:
        return _("Now send your photo: as a photo, or as a JPEG or PNG file (a file keeps "
                 "full quality)."), []
    if step is EntryStep.WORK:
        return _("Now send your essay: as one text message, or as a PDF, DOCX, ODT or TXT "
                 "file up to 20 MB."), []
    if step is EntryStep.CAPTION:
        return _("Add a caption to your photo (up to 1000 characters), or skip it."), [
            [(_("Skip"), "en:skip")]]
    return _summary(t, draft), [[(_("Submit"), "en:ok"), (_("Cancel"), "en:no")]]


async def _ask(update: Update, context: Context, t: Translator, step: EntryStep,
               before: str | None = None) -> EntryStep:
    draft = user_data_of(context)[DRAFT_KEY]
    draft["step"] = step.value
    text, rows = _question(t, step, draft)
    if step is EntryStep.TITLE:
        text = f"{text}\n\n{t.gettext(STOP_HINT)}"
    if before:
        text = f"{before}\n\n{text}"
    await answer(update, text, reply_markup=keyboard(rows) if rows else None)
    return step


def _summary(t: Translator, draft: dict) -> str:
    _ = t.gettext
    work = draft["work"]
    lines = [_("Please check your entry:"), "",
             _("Contest: «{contest}»").format(contest=draft["contest"]),
             _("Title: {title}").format(title=draft["title"]),
             _("Work: {work}").format(work=_work_text(t, work))]
    if draft["kind"] == ContestKind.PHOTO:
        lines.append(_("Caption: {caption}").format(caption=work.get("caption") or "—"))
    lines += ["", _(NAME_HINT)]
    if "replaces" in draft:
        lines += ["", _("This replaces the work of your entry {code}, which keeps its code. "
                        "If the jury has already scored the old work, those scores will be "
                        "removed, so that the jury judges the new one.").format(
                            code=draft["code"])]
    return "\n".join(lines)


def _work_text(t: Translator, work: dict) -> str:
    _ = t.gettext
    content = work["content"]
    if content == EntryContent.PHOTO:
        return _("a photo")
    if content == EntryContent.TEXT:
        n = len(work["text"])
        return t.ngettext("text of {n} character", "text of {n} characters", n).format(n=n)
    return _("the file {name}").format(name=work.get("file_name") or "—")


def _draft(context: Context) -> dict[str, Any] | None:
    return user_data_of(context).get(DRAFT_KEY)


# --- answers -------------------------------------------------------------------------------


async def title_typed(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    try:
        draft["title"] = parse_title(text_of(update))
    except EntryRefused as refusal:
        return await _ask(update, context, t, EntryStep.TITLE, refusal.render(t))
    return await _ask(update, context, t, EntryStep.WORK)


async def title_kept(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    draft = _draft(context)
    await query_of(update).answer()
    if draft is None or "old_title" not in draft:
        return END
    enter_flow(context, FLOW)
    draft["title"] = draft["old_title"]
    return await _ask(update, context, t, EntryStep.WORK)


def work_of(message: Message, kind: str) -> WorkDraft:
    """The work a message carries; the checks decide whether it is acceptable."""
    if message.photo:
        # Telegram sends several sizes of a photo, smallest first; the jury gets the
        # largest (on a tie, the later one).
        largest = sorted(message.photo, key=lambda size: (size.width * size.height,
                                                          size.file_size or 0))[-1]
        return WorkDraft(content=EntryContent.PHOTO, title="", caption=message.caption,
                         file_id=largest.file_id, file_unique_id=largest.file_unique_id,
                         file_size=largest.file_size)
    if message.document:
        document = message.document
        content = EntryContent.IMAGE_FILE if kind == ContestKind.PHOTO else EntryContent.DOCUMENT
        return WorkDraft(content=content, title="", caption=message.caption,
                         file_id=document.file_id, file_unique_id=document.file_unique_id,
                         file_name=document.file_name, mime_type=document.mime_type,
                         file_size=document.file_size)
    return WorkDraft(content=EntryContent.TEXT, title="", text=message.text)


async def work_sent(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    work = work_of(message_of(update), draft["kind"])
    try:
        check_content(draft["kind"], work)
        await ctx_of(context).read(check_not_sent, draft["contest_id"], work)
        await check_cleanable(context.bot, work)
    except EntryRefused as refusal:
        return await _ask(update, context, t, EntryStep.WORK, refusal.render(t))
    draft["work"] = {key: value for key, value in asdict(work).items() if key != "title"}
    draft["work"]["caption"] = None
    if draft["kind"] != ContestKind.PHOTO:
        return await _ask(update, context, t, EntryStep.CONFIRM)
    if not work.caption:
        return await _ask(update, context, t, EntryStep.CAPTION)
    # A caption sent with the photo answers the caption question.
    return await _take_caption(update, context, t, work.caption)


async def check_cleanable(bot: Bot, work: WorkDraft) -> None:
    """Refuses a file that is not what its name says (see bot.files.work_files): it is downloaded
    and cleaned once, as the jury's copy will be, and the result thrown away. A photo sent
    as a photo is Telegram's own JPEG, without metadata."""
    if work.content not in (EntryContent.IMAGE_FILE, EntryContent.DOCUMENT) or work.file_id is None:
        return
    try:
        file = await bot.get_file(work.file_id)
        data = bytes(await file.download_as_bytearray())
    except TelegramError as error:
        log.warning("could not load a work's file: %s", error)
        raise EntryRefused(FILE_NOT_LOADED) from error
    try:
        await asyncio.to_thread(clean, work.content, work.file_name, data, work.mime_type)
    except NotWhatItSays as error:
        raise EntryRefused(NOT_WHAT_IT_SAYS, format=error.format) from error


async def caption_typed(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    if _draft(context) is None:
        return END
    return await _take_caption(update, context, t, text_of(update))


async def _take_caption(update: Update, context: Context, t: Translator, text: str) -> object:
    draft = _draft(context)
    if draft is None:  # the callers checked
        return END
    try:
        draft["work"]["caption"] = parse_caption(text)
    except EntryRefused as refusal:
        return await _ask(update, context, t, EntryStep.CAPTION, refusal.render(t))
    return await _ask(update, context, t, EntryStep.CONFIRM)


async def caption_skipped(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    draft = _draft(context)
    await query_of(update).answer()
    if draft is None:
        return END
    enter_flow(context, FLOW)
    draft["work"]["caption"] = None
    return await _ask(update, context, t, EntryStep.CONFIRM)


async def unexpected(update: Update, context: Context) -> object:
    """A sticker, voice message or the like; or typing where buttons were asked."""
    _user, t = await reader(update, context)
    draft = _draft(context)
    if draft is None:
        return END
    step = EntryStep(draft["step"])
    if step is EntryStep.WORK:
        explanation = wrong_kind(draft["kind"]).render(t)
    elif step is EntryStep.CONFIRM:
        explanation = t.gettext("Please press Submit or Cancel below.")
    else:
        explanation = t.gettext("Please answer with a text message.")
    return await _ask(update, context, t, step, explanation)


# --- the end -------------------------------------------------------------------------------


async def submit_pressed(update: Update, context: Context) -> object:
    user, t = await reader(update, context)
    _ = t.gettext
    draft = _draft(context)
    if draft is None:
        _end(context)
        await query_of(update).answer()
        await drop_buttons(update)
        return END
    app = ctx_of(context)
    work = WorkDraft(title=draft["title"], **draft["work"])
    try:
        # The draft and the buttons stay until the entry is written: a busy database
        # (DatabaseBusy, answered by the error handler) leaves Submit to press again.
        submitted = await app.call(send_entry, draft["contest_id"], user.id, work,
                                   app.clock.now(), replaces=draft.get("replaces"))
    except (EntryRefused, ContestNotFound) as refusal:
        _end(context)
        await query_of(update).answer()
        await drop_buttons(update)
        if isinstance(refusal, EntryRefused):
            await answer(update, refusal.render(t) + "\n\n" + _("Nothing was stored."))
        else:
            await answer(update, _("This contest no longer exists. Nothing was stored."))
        return END
    _end(context)
    await query_of(update).answer()
    await drop_buttons(update)
    entry, removed = submitted.entry, submitted.scores_removed
    if removed is None:
        text = _("Your entry {code} is in. The jury will see only this code, not your name.")
        text += "\n\n" + _("Until entries close, you can replace or withdraw it in /myentries.")
    elif removed:
        text = _("Your entry {code} now has the new work. The jury's scores of the old work "
                 "were removed: the jury will judge the new one.")
    else:
        text = _("Your entry {code} now has the new work.")
    await answer(update, text.format(code=entry.code))
    return END


async def cancel_pressed(update: Update, context: Context) -> object:
    await query_of(update).answer()
    await drop_buttons(update)
    return await cancel_command(update, context)


async def cancel_command(update: Update, context: Context) -> object:
    _user, t = await reader(update, context)
    _end(context)
    await answer(update, t.gettext("The entry is cancelled; nothing was stored."))
    return END


async def timed_out(update: Update, context: Context) -> None:
    _end(context)
    _user, t = await reader(update, context)
    await answer(update, t.gettext(
        "The entry form was closed because it had no answer for a long time. Nothing was saved. "
        "Press Enter on the contest card to start again."
    ))


def _end(context: Context) -> None:
    user_data_of(context).pop(DRAFT_KEY, None)
    leave_flow(context, FLOW)


async def out_of_date(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await alert(update, t.gettext("This button is out of date. Please use the latest message."))


def _shorten(title: str) -> str:
    if len(title) <= BUTTON_TITLE_LENGTH:
        return title
    return title[: BUTTON_TITLE_LENGTH - 1].rstrip() + "…"
