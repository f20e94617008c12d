"""/report (organizers: their libraries; admins: all): a period chosen with buttons, or two
dates typed (a short conversation, see report.mmd); then the paragraph, the charts as
photos and the workbook and CSV as documents, in the organizer's language.

The figures are read in a database thread; the files and charts are made in another
thread (matplotlib takes a moment), so other readers are answered meanwhile.
"""

from __future__ import annotations

import asyncio
from enum import Enum

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
)

from bot.core.i18n import Translator
from bot.files.exports import ExportFile
from bot.files.report_files import charts, report_files
from bot.services.report import (
    Period,
    PeriodInvalid,
    Report,
    ReportRefused,
    parse_dates,
    period_choice,
    report_for,
)
from bot.services.report_text import paragraph
from bot.services.roles import Access, Role
from handlers.common import (
    Context,
    chat_of,
    ctx_of,
    enter_flow,
    keyboard,
    leave_flow,
    one_question,
    query_data,
    query_of,
    reader_zone,
    text_of,
)
from handlers.guards import ONLY_ORGANIZERS, OTHER_LIBRARY, organizer, refuse
from storage.models import User

FLOW = "report"
END = ConversationHandler.END


class Step(Enum):
    DATES = "dates"


def register(app: Application) -> None:
    app.add_handler(CommandHandler("report", report_command))
    app.add_handler(one_question(
        app, FLOW, entry_points=[CallbackQueryHandler(dates_pressed, pattern=r"^rp:d$")],
        step=Step.DATES, answered=dates_typed, not_text=not_text, cancelled=cancel))
    app.add_handler(CallbackQueryHandler(period_pressed, pattern=r"^rp:(q|pq|9m|y|py)$"))


def _period_buttons(t: Translator):  # noqa: ANN202
    _ = t.gettext
    return keyboard([
        [(_("This quarter"), "rp:q"), (_("Last quarter"), "rp:pq")],
        [(_("9 months of this year"), "rp:9m")],
        [(_("This year"), "rp:y"), (_("Last year"), "rp:py")],
        [(_("Two dates…"), "rp:d")],
    ])


async def report_command(update: Update, context: Context) -> None:
    allowed = await organizer(update, context)
    if allowed is None:
        return
    _user, t, _role = allowed
    await chat_of(update).send_message(
        t.gettext("Report: choose the period."), reply_markup=_period_buttons(t))


async def period_pressed(update: Update, context: Context) -> None:
    allowed = await organizer(update, context)  # checked again on every press
    if allowed is None:
        return
    user, t, role = allowed
    app = ctx_of(context)
    today = app.clock.now().astimezone(reader_zone(context, user)).date()
    period = period_choice(query_data(update).removeprefix("rp:"), today)
    await query_of(update).answer()
    if period is not None:
        await _send_report(update, context, t, user, role, period)


async def dates_pressed(update: Update, context: Context) -> object:
    allowed = await organizer(update, context)
    if allowed is None:
        return END
    _user, t, _role = allowed
    await query_of(update).answer()
    enter_flow(context, FLOW)
    await chat_of(update).send_message(t.gettext(
        "Type the first and the last day of the period, for example 01.01.2026–30.09.2026. "
        "/cancel stops."))
    return Step.DATES


async def dates_typed(update: Update, context: Context) -> object:
    allowed = await organizer(update, context)
    if allowed is None:
        leave_flow(context, FLOW)
        return END
    user, t, role = allowed
    try:
        period = parse_dates(text_of(update))
    except PeriodInvalid as error:
        await chat_of(update).send_message(t.gettext(error.msgid))
        return Step.DATES
    leave_flow(context, FLOW)
    await _send_report(update, context, t, user, role, period)
    return END


async def not_text(update: Update, context: Context) -> object:
    allowed = await organizer(update, context)
    if allowed is None:
        return END
    await chat_of(update).send_message(allowed[1].gettext(
        "Please type the two dates as text, for example 01.01.2026–30.09.2026. /cancel stops."))
    return Step.DATES


async def cancel(update: Update, context: Context) -> object:
    leave_flow(context, FLOW)
    allowed = await organizer(update, context)
    if allowed is not None:
        await chat_of(update).send_message(allowed[1].gettext("Stopped; no report was made."))
    return END


async def _send_report(update: Update, context: Context, t: Translator, user: User,
                       role: Role, period: Period) -> None:
    app = ctx_of(context)
    # Periods and months in the organizer's own zone (their profile's, else the bot's).
    zone = reader_zone(context, user)
    try:
        report = await app.read(report_for, role, period, zone, app.settings.age_bands,
                                app.clock.now())
    except ReportRefused as error:
        await refuse(update, t, ONLY_ORGANIZERS if error.access is Access.NOT_ORGANIZER
                     else OTHER_LIBRARY)
        return
    chat = chat_of(update)
    await chat.send_message(paragraph(t, report))
    if report.empty:
        return
    files, images = await asyncio.to_thread(_made, t, report)
    for image in images:
        await chat.send_photo(image.content, filename=image.file_name)
    for document in files:
        await chat.send_document(document.content, filename=document.file_name)


def _made(t: Translator, report: Report) -> tuple[list[ExportFile], list[ExportFile]]:
    """The workbook and CSV (the paragraph is already in the chat), and the charts."""
    return report_files(t, report)[1:], charts(t, report)

