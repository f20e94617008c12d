"""/mydata (everything Kopir keeps about the reader, as text and as a JSON file), /deleteme
(erase it after a confirmation, see privacy.mmd) and the daily retention job.

The rules are in `bot.services.privacy` and `bot.services.retention`.
"""

from __future__ import annotations

import logging
from datetime import time, timedelta, tzinfo

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.core.context import app_context
from bot.core.i18n import LANGUAGE_NAMES, N_, Translator
from bot.runtime.ptb import job_queue_of
from bot.runtime.shared import once_across_processes
from bot.services.privacy import (
    MYDATA_FILE,
    EntryFact,
    JuryFact,
    ReaderData,
    RegistrationFact,
    erasable,
    erase_reader,
    mydata_json,
    reader_data,
)
from bot.services.retention import apply_retention
from handlers import profile
from handlers.common import (
    Context,
    answer,
    chat_of,
    chunks,
    ctx_of,
    keyboard,
    query_of,
    reader,
    reader_zone,
    user_data_of,
)
from storage.contest_models import EntryStatus
from storage.models import RegistrationStatus

log = logging.getLogger(__name__)

ERASE, KEEP = "me:erase", "me:keep"
# When the retention job runs each day, in the bot's time zone (`Settings.timezone`).
RETENTION_AT = time(3, 30)
REGISTRATION_STATUSES: dict[str, str] = {
    # Translators: a registration's status in /mydata ("«Title», date: registered").
    RegistrationStatus.REGISTERED: N_("registered"),
    # Translators: a registration's status in /mydata ("«Title», date: on the waiting list").
    RegistrationStatus.WAITLISTED: N_("on the waiting list"),
    RegistrationStatus.CANCELLED: N_("cancelled"),
}


def register(app: Application) -> None:
    app.add_handler(CommandHandler("mydata", show_my_data))
    app.add_handler(CommandHandler("deleteme", ask_to_erase))
    app.add_handler(CallbackQueryHandler(erase_pressed, pattern=rf"^{ERASE}$"))
    app.add_handler(CallbackQueryHandler(keep_pressed, pattern=rf"^{KEEP}$"))


def register_jobs(app: Application) -> None:
    """The retention job, once a day (see `bot.services.retention`)."""
    zone = app_context(app.bot_data).settings.timezone
    # Several processes on one database: one of them runs it each day.
    job = once_across_processes("kopir.retention", timedelta(hours=12), _retention_tick)
    job_queue_of(app).run_daily(job, RETENTION_AT.replace(tzinfo=zone), name="kopir.retention")


async def _retention_tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    app = app_context(context.bot_data)
    days = timedelta(days=app.settings.retention_days)
    await app.call(apply_retention, app.clock.now(), days)


async def show_my_data(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    data = await app.read(reader_data, user.id)
    if data.only_id_and_language:
        await answer(update, _nothing_kept(t, data))
        return
    for chunk in chunks(my_data_text(t, data, reader_zone(context, user))):
        await answer(update, chunk)
    await chat_of(update).send_document(
        document=mydata_json(data, app.clock.now()), filename=MYDATA_FILE)


async def ask_to_erase(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    _ = t.gettext
    if not await ctx_of(context).read(erasable, user.id):
        await answer(update, _("There is nothing to erase: Kopir keeps only your Telegram id "
                               "and your language, so that it can answer you."))
        return
    # Translators: the buttons under the /deleteme question: erase the data, or keep them.
    buttons = [[(_("Erase"), ERASE), (_("Keep"), KEEP)]]
    await answer(update, _confirmation(t), reply_markup=keyboard(buttons))


async def erase_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    app = ctx_of(context)
    erasure = await app.call(erase_reader, user.id, app.clock.now())
    # Answers to the profile questions not yet agreed to are forgotten too.
    user_data_of(context).pop(profile.DRAFT, None)
    if erasure.promoted:
        log.info("erasure: promoted %d from waiting lists", len(erasure.promoted))
    await query_of(update).answer()
    await query_of(update).edit_message_text(t.gettext(
        "Your data are erased. Kopir keeps only your Telegram id, your language and your "
        "time zone, so that it can still answer you. If you register for an event or enter "
        "a contest again, you will be asked for a new profile."))


async def keep_pressed(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await query_of(update).answer()
    await query_of(update).edit_message_text(
        t.gettext("Nothing was erased: your data stay as they were."))


# --- texts -----------------------------------------------------------------------------------


def _confirmation(t: Translator) -> str:
    # Translators: /deleteme asks this with the buttons Erase and Keep.
    return t.gettext(
        "Erase your data from Kopir?\n\n"
        "• Your profile and your consent are erased: name, date of birth, country, city, "
        "library or school.\n"
        "• Your registrations are cancelled; your seats go to the waiting list.\n"
        "• Your contest entries are withdrawn and their works deleted. Where the results "
        "are already final, only the entry's code, place and score stay, without your name.\n"
        "• If you are on a jury still at work, you leave it.\n\n"
        "Kopir keeps only your Telegram id, your language and your time zone, so that it "
        "can still answer you. This cannot be undone."
    )


def _nothing_kept(t: Translator, data: ReaderData) -> str:
    return t.gettext(
        "Kopir keeps only your Telegram id ({id}) and your language, so that it can answer "
        "you. There is no profile, registration, contest entry or jury work of yours."
    ).format(id=data.user_id)


def my_data_text(t: Translator, data: ReaderData, zone: tzinfo) -> str:
    """/mydata as text: the same facts as the file, in the reader's language and zone."""
    _ = t.gettext
    blocks = [_("This is everything Kopir keeps about you."), _(
        "Telegram id: {id}\nLanguage: {language}\nTime zone: {zone}"
    ).format(
        id=data.user_id,
        # Translators: /mydata, when the reader has not chosen a language yet.
        language=LANGUAGE_NAMES.get(data.language or "", _("not chosen")),
        # Translators: /mydata, when no time zone is stored for the reader.
        zone=t.zone_city(data.timezone) if data.timezone else _("not set"),
    )]
    if data.first_name:
        blocks.append(_("First name from Telegram: {name}").format(name=data.first_name))
    blocks.append(_profile_text(t, data, zone))
    if data.registrations:
        blocks.append("\n".join([_("Registrations:")] + [
            "• " + _registration_line(t, item, zone) for item in data.registrations]))
    if data.entries:
        blocks.append("\n".join([_("Contest entries:")]
                                + ["• " + _entry_line(t, item) for item in data.entries]))
    if data.jury:
        blocks.append("\n".join([_("Jury:")] + ["• " + _jury_line(t, seat, zone)
                                               for seat in data.jury]))
    if data.feedback:
        blocks.append("\n".join([_("Your ratings of events:")] + [
            "• " + _("«{title}»: {rating} of 5").format(title=item.title, rating=item.rating)
            + (f" — {item.comment}" if item.comment else "") for item in data.feedback]))
    blocks.append(_("The same, as a file, is below. To erase your data, send /deleteme."))
    return "\n\n".join(blocks)


def _profile_text(t: Translator, data: ReaderData, zone: tzinfo) -> str:
    _ = t.gettext
    facts = data.profile
    if facts is None:
        return _("Profile: none.")
    consent = facts.consent_at.astimezone(zone).date() if facts.consent_at else None
    return _(
        "Profile:\nName: {name}\nDate of birth: {birth_date}\nCountry: {country}\n"
        "City: {city}\nLibrary or school: {library}\nConsent given on: {consent_date}"
    ).format(
        name=facts.full_name or "—", country=facts.country or "—", city=facts.city or "—",
        birth_date=t.date(facts.birth_date) if facts.birth_date else "—",
        library=facts.library or "—", consent_date=t.date(consent) if consent else "—",
    )


def _registration_line(t: Translator, item: RegistrationFact, zone: tzinfo) -> str:
    status = REGISTRATION_STATUSES.get(item.status)
    # Translators: /mydata, one registration: «Event», its start: registered.
    return t.gettext("«{title}», {when}: {status}").format(
        title=item.title, when=t.datetime(item.starts_at, zone),
        status=t.gettext(status) if status else item.status)


def _entry_line(t: Translator, item: EntryFact) -> str:
    _ = t.gettext
    status = _("withdrawn") if item.status == EntryStatus.WITHDRAWN else _("submitted")
    if item.place is not None:
        status = _("place {place}").format(place=item.place)
    # Translators: /mydata, one contest entry: «Contest»: E-017 «Title», submitted.
    return _("«{contest}»: {code} «{title}», {status}").format(
        contest=item.contest, code=item.code, title=item.title, status=status)


def _jury_line(t: Translator, seat: JuryFact, zone: tzinfo) -> str:
    n = len(seat.scores)
    # Translators: /mydata, a jury the reader sits (or sat) on and the scores they gave.
    line = t.ngettext("«{contest}»: {n} score given", "«{contest}»: {n} scores given", n).format(
        contest=seat.contest, n=n)
    if seat.removed_at is not None:
        day = t.date(seat.removed_at.astimezone(zone).date())
        # Translators: after "«Contest»: 3 scores given" in /mydata, for a juror removed.
        line += " " + t.gettext("(off the jury since {date})").format(date=day)
    return line
