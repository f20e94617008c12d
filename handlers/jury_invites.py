"""Jury invites: the organizers' Jury button on a contest card (jurors' progress,
conflicts and a fresh one-time invite link) and /start jury_<token> (joining)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.services import jury
from bot.services.contests import ContestNotFound, contest_title
from bot.services.jury import InviteInvalid
from bot.services.jury_invites import INVITE_TTL, create_invite, join_by_token, joined_already
from handlers import jury_screens as screens
from handlers.common import Context, ctx_of, reader
from handlers.event_form import ONLY_ORGANIZERS, chunks


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(jury_screen, pattern=r"^ct:jury:\d+$"))


async def jury_screen(update: Update, context: Context) -> None:
    """Jury button on a contest card: jurors' progress, conflicts, and a fresh invite."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    if not app.is_organizer(user.id):
        await update.callback_query.answer(t.gettext(ONLY_ORGANIZERS), show_alert=True)
        return
    try:
        with app.uow() as uow:
            overview = jury.jury_overview(uow, int(update.callback_query.data.split(":")[2]))
            token = create_invite(uow, overview.contest.id, user.id, app.clock.now())
            uow.commit()
    except ContestNotFound:
        await update.callback_query.answer(t.gettext("This contest no longer exists."),
                                           show_alert=True)
        return
    await update.callback_query.answer()
    for chunk in chunks(screens.overview_text(t, overview)):
        await update.effective_chat.send_message(chunk)
    contest = overview.contest
    link = f"https://t.me/{context.bot.username}?start=jury_{token}"
    await update.effective_chat.send_message(screens.invite_text(
        t, contest, link, app.clock.now() + INVITE_TTL, user.timezone or contest.timezone))


async def join_by_link(update: Update, context: Context, token: str) -> None:
    """/start jury_<token>: join the jury, or hear that the invitation is not valid."""
    user, t = await reader(update, context)
    app = ctx_of(context)
    with app.uow() as uow:
        try:
            already = joined_already(uow, token, user.id)
            contest = join_by_token(uow, token, user.id, app.clock.now())
        except InviteInvalid as error:
            await update.effective_chat.send_message(error.render(t))
            return
        uow.commit()
    app.wake_sender()
    title = contest_title(contest, t.language)
    text = (t.gettext("You are already on the jury of «{title}». Send /jury to score the entries.")
            if already else
            t.gettext("Welcome to the jury of «{title}»! Send /jury to see the entries and score "
                      "them."))
    await update.effective_chat.send_message(text.format(title=title))
