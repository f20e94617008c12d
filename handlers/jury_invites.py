"""Jury invites: the organizers' Jury button on a contest card (jurors' progress,
conflicts and a fresh one-time invite link) and /start jury_<token> (joining)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.services.contests import ContestNotFound, contest_title
from bot.services.jury import InviteInvalid
from bot.services.jury_invites import INVITE_TTL, invite_juror, join_jury
from handlers import jury_screens as screens
from handlers.common import Context, ctx_of, reader
from handlers.event_form import ONLY_ORGANIZERS, chunks


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(jury_screen, pattern=r"^ct:jury:\d{1,9}$"))


async def jury_screen(update: Update, context: Context) -> None:
    """Jury button on a contest card: jurors' progress, conflicts, and a fresh invite."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    if not app.is_organizer(user.id):
        await update.callback_query.answer(t.gettext(ONLY_ORGANIZERS), show_alert=True)
        return
    contest_id = int(update.callback_query.data.split(":")[2])
    try:
        invitation = await app.call(invite_juror, contest_id, user.id, app.clock.now())
    except ContestNotFound:
        await update.callback_query.answer(t.gettext("This contest no longer exists."),
                                           show_alert=True)
        return
    await update.callback_query.answer()
    overview = invitation.overview
    for chunk in chunks(screens.overview_text(t, overview)):
        await update.effective_chat.send_message(chunk)
    contest = overview.contest
    link = f"https://t.me/{context.bot.username}?start=jury_{invitation.token}"
    await update.effective_chat.send_message(screens.invite_text(
        t, contest, link, app.clock.now() + INVITE_TTL, user.timezone or contest.timezone))


async def join_by_link(update: Update, context: Context, token: str) -> None:
    """/start jury_<token>: join the jury, or hear that the invitation is not valid."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        joined = await app.call(join_jury, token, user.id, app.clock.now())
    except InviteInvalid as error:
        await update.effective_chat.send_message(error.render(t))
        return
    title = contest_title(joined.contest, t.language)
    text = (t.gettext("You are already on the jury of «{title}». Send /jury to score the entries.")
            if joined.already else
            t.gettext("Welcome to the jury of «{title}»! Send /jury to see the entries and score "
                      "them."))
    await update.effective_chat.send_message(text.format(title=title))
