"""/contests: open and upcoming contests, paged with buttons; contest cards; Close.

Readers see the contests they can still enter; organizers also those closed and
not yet published, to reach their jury and results. The card's Enter, Jury,
Entries and Results buttons are handled by `handlers.entries`, `handlers.jury`
and `handlers.results`; Close is handled here, after a confirmation.
"""

from __future__ import annotations

from datetime import tzinfo
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import Translator
from bot.messages.awards import award_name
from bot.services.catalog import zone_of
from bot.services.contests import (
    ContestCard,
    ContestListItem,
    ContestNotFound,
    close_contest_now,
    contest_card,
    contest_list,
    contest_title,
    stage_of,
    with_entry_count,
)
from handlers import fitting, guards
from handlers.common import (
    Context,
    answer,
    callback_number,
    ctx_of,
    keyboard,
    query_data,
    query_of,
    reader,
    reader_zone,
    replace_message,
)
from handlers.contest_form import kind_label, shorten
from storage.contest_models import Contest
from storage.models import User

PAGE_SIZE = 5
BUTTON_TITLE_LENGTH = 48
# A card must fit in one message (4096 characters) whatever the organizer wrote:
# the rules get what the rest leaves.
CARD_LIMIT = 4000
PRIZES_SHOWN = 10
PRIZE_SHOWN = 150
# When many long sides, criteria and prizes leave the rules less than RULES_ROOM, names
# are cut to NAME_SHOWN characters and prizes to PRIZE_SHORT.
RULES_ROOM = 300
NAME_SHOWN = 40
PRIZE_SHORT = 80
# Stages in which submissions can still be closed early.
CLOSABLE = ("upcoming", "open")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("contests", list_contests))
    app.add_handler(CallbackQueryHandler(page_pressed, pattern=r"^ct:list:"))
    app.add_handler(CallbackQueryHandler(card_pressed, pattern=r"^ct:card:"))
    app.add_handler(CallbackQueryHandler(close_asked, pattern=r"^ct:close:"))
    app.add_handler(CallbackQueryHandler(close_confirmed, pattern=r"^ct:closey:"))
    app.add_handler(CallbackQueryHandler(close_kept, pattern=r"^ct:closen:"))
    # Forged or malformed contest buttons that no handler above (or before) took.
    app.add_handler(CallbackQueryHandler(unknown_button, pattern=r"^ct:"))


# --- the list ------------------------------------------------------------------------------


async def list_contests(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    text, markup = await _render_page(context, user, t, 0)
    await answer(update, text, reply_markup=markup)


async def page_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    page = callback_number(query_data(update), "ct:list:")
    if page is None:
        await contest_gone(update, t)
        return
    await query_of(update).answer()
    await replace_message(update, *await _render_page(context, user, t, page))


async def _render_page(context: Context, user: User, t: Translator,
                       page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = t.gettext
    app = ctx_of(context)
    items = await app.read(contest_list, app.clock.now(), t.language,
                           organizer=await guards.role_of_user(app, user.id))
    if not items:
        return _("There are no open contests now. Libraries announce essay and photo contests "
                 "here: please look again soon."), None
    pages = -(-len(items) // PAGE_SIZE)
    # A page past the end (the list shrank meanwhile) shows the last one.
    page = min(max(page, 0), pages - 1)
    first = page * PAGE_SIZE + 1
    lines = [_("Contests:") if pages == 1 else _("Contests, page {page} of {pages}:").format(
        page=page + 1, pages=pages), ""]
    zone = reader_zone(context, user)
    rows: list[list[tuple[str, str]]] = []
    for number, item in enumerate(items[first - 1:first - 1 + PAGE_SIZE], start=first):
        lines.append(_list_line(t, number, item, zone))
        label = f"{number}. {shorten(item.title, BUTTON_TITLE_LENGTH)}"
        rows.append([(label, f"ct:card:{item.id}")])
    navigation = []
    if page > 0:
        navigation.append(("◀", f"ct:list:{page - 1}"))
    if page + 1 < pages:
        navigation.append(("▶", f"ct:list:{page + 1}"))
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), keyboard(rows)


def _list_line(t: Translator, number: int, item: ContestListItem, zone: tzinfo) -> str:
    _ = t.gettext
    kind = kind_label(t, item.kind)
    if item.stage == "open":
        # Translators: one line of the contests list, e.g.
        # "1. 📝 Essay contest «Title», until 31 January 2027, 23:59".
        text = _("{number}. {kind} «{title}», until {when}")
        when = t.datetime(item.closes_at, zone)
    elif item.stage == "upcoming":
        text = _("{number}. {kind} «{title}», opens {when}")
        when = t.datetime(item.opens_at, zone)
    else:
        text, when = _("{number}. {kind} «{title}», submissions closed"), ""
    return text.format(number=number, kind=kind, title=item.title, when=when)


# --- the card ------------------------------------------------------------------------------


async def card_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    contest_id = callback_number(query_data(update), "ct:card:")
    card = await _load_card(context, user, t, contest_id) if contest_id is not None else None
    if card is None:
        await contest_gone(update, t)
        return
    await query_of(update).answer()
    await replace_message(update, *render_card(card, t, await _manages(context, user, card)))


async def show_contest_card(update: Update, context: Context, contest_id: int) -> None:
    """Send a contest's card as a new message (deep links, after creating or closing)."""
    user, t = await reader(update, context)
    card = await _load_card(context, user, t, contest_id)
    if card is None:
        await answer(update, t.gettext(
            "This contest is no longer available. Send /contests to see the open ones."))
        return
    text, markup = render_card(card, t, await _manages(context, user, card))
    await answer(update, text, reply_markup=markup)


async def _manages(context: Context, user: User, card: ContestCard) -> bool:
    """Whether the card shows the organizer's buttons: to its library's organizers."""
    return (await guards.role_of_user(ctx_of(context), user.id)).manages(card.library_id)


async def _load_card(context: Context, user: User, t: Translator,
                     contest_id: int) -> ContestCard | None:
    app = ctx_of(context)
    try:
        return await app.read(contest_card, contest_id, user.id, t.language, app.clock.now(),
                              default_zone=app.settings.timezone.key)
    except ContestNotFound:
        return None


def render_card(card: ContestCard, t: Translator,
                organizer: bool) -> tuple[str, InlineKeyboardMarkup]:
    # Full names first; when the sides, criteria and prizes leave the rules too little
    # room, their names and the prizes are shortened.
    for name_limit, prize_limit in ((None, PRIZE_SHOWN), (NAME_SHOWN, PRIZE_SHORT)):
        lines, rules_at = _card_lines(card, t, name_limit, prize_limit, organizer)
        if fitting.length("\n".join(lines)) <= CARD_LIMIT - RULES_ROOM:
            break
    if card.rules:
        room = CARD_LIMIT - fitting.length("\n".join(lines)) - 2
        lines[rules_at:rules_at] = ["", shorten(card.rules, max(room, 100))]
    # Never expected (the room was measured), but a card that cannot be sent is worse.
    text = fitting.shorten("\n".join(lines), fitting.TEXT_LIMIT)
    return text, keyboard(_card_buttons(card, t, organizer))


def _card_lines(card: ContestCard, t: Translator, name_limit: int | None,
                prize_limit: int, organizer: bool = False) -> tuple[list[str], int]:
    """The card's lines without the rules, and where the rules go."""
    _ = t.gettext
    zone = zone_of(card.zone, ZoneInfo("UTC"))

    def name(text: str) -> str:
        return text if name_limit is None else shorten(text, name_limit)

    lines = [kind_label(t, card.kind), card.title]
    if card.theme:
        lines.append(_("Theme: {value}").format(value=card.theme))
    rules_at = len(lines)
    lines.append("")
    lines.append(_window(t, card, zone))
    lines.append(_("Ages {low}–{high} on {day}").format(
        low=card.age_min, high=card.age_max,
        day=t.date_before_suffix(card.age_reference_date)))  # kk: "… күнгі"
    sides = {side.key: side.name for side in card.sides}
    if sides:
        lines.append(_("Sides: {value}").format(
            value=", ".join(name(side) for side in sides.values())))
        lines.append(t.ngettext("{n} winner per side", "{n} winners per side",
                                card.quota_per_side).format(n=card.quota_per_side))
    else:
        lines.append(t.ngettext("{n} winner", "{n} winners", card.quota_per_side).format(
            n=card.quota_per_side))
    # Translators: what the contest's winners receive, e.g. "Winners receive: Diploma".
    lines.append(_("Winners receive: {value}").format(value=award_name(t, card.award)))
    criteria = ", ".join(f"{name(criterion.name)} {round(criterion.weight * 100):g}%"
                         for criterion in card.criteria)
    lines.append(_("Judged on: {criteria}; scale {low}–{high}").format(
        criteria=criteria, low=card.scale_min, high=card.scale_max))
    if card.prizes:
        lines += ["", _("Prizes:")]
        lines += [_("Place {place}: {prize}").format(place=prize.place,
                                                     prize=shorten(prize.text, prize_limit))
                  for prize in card.prizes[:PRIZES_SHOWN]]
        hidden = len(card.prizes) - PRIZES_SHOWN
        if hidden > 0:
            # Translators: ends a list cut short (partners of an event, prizes of a contest).
            lines.append(t.ngettext("…and {n} more", "…and {n} more", hidden).format(n=hidden))
    if card.organizer:
        lines.append(_("Organizer: {value}").format(value=card.organizer))
    own: list[str] = []
    if card.reader_side in sides:
        own.append(_("Your side: {side}").format(side=sides[card.reader_side]))
    # A reader's own count; the contest's organizers see its entries through Entries.
    if not organizer or card.my_entries:
        own.append(_("Your entries: {n} of {limit}").format(
            n=card.my_entries, limit=card.entries_per_participant))
    if card.user_is_juror:
        own.append(_("You are on the jury of this contest: send /jury to score the entries."))
    return lines + ([""] + own if own else []), rules_at


def _window(t: Translator, card: ContestCard, zone: tzinfo) -> str:
    _ = t.gettext
    if card.stage == "open":
        return "🕒 " + _("Entries are accepted until {when} ({zone})").format(
            when=t.datetime(card.closes_at, zone), zone=t.zone_time(card.zone))
    if card.stage == "upcoming":
        return "🕒 " + _("Entries are accepted from {opens} until {closes} ({zone})").format(
            opens=t.datetime(card.opens_at, zone), closes=t.datetime(card.closes_at, zone),
            zone=t.zone_time(card.zone))
    if card.stage == "published":
        return "🏆 " + _("Submissions are closed and the results are published.")
    return "🔒 " + _("Submissions are closed: the jury is at work.")


def _card_buttons(card: ContestCard, t: Translator,
                  organizer: bool) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    rows = []
    if card.is_open:
        rows.append([(_("Enter"), f"ct:enter:{card.contest_id}")])
    if organizer:
        rows.append([(_("Jury"), f"ct:jury:{card.contest_id}"),
                     (_("Entries"), f"ct:entries:{card.contest_id}")])
        last = [(_("Results"), f"ct:results:{card.contest_id}")]
        if card.stage in CLOSABLE:
            # Translators: button closing a contest to new entries before its deadline.
            last.append((_("Close submissions"), f"ct:close:{card.contest_id}"))
        rows.append(last)
    # Translators: the one label of every Back button (here: back to the list of contests).
    rows.append([(_("« Back"), "ct:list:0")])
    return rows


# --- closing submissions early -------------------------------------------------------------


async def _closable(update: Update, context: Context, prefix: str) -> tuple[Contest | None, int]:
    """The contest a Close button names, with its entry count, if the presser may close it.

    Otherwise the presser has been told why (an alert) and None is returned.
    """
    contest_id = callback_number(query_data(update), prefix)
    allowed = (await guards.contest_organizer(update, context, contest_id)
               if contest_id is not None else await guards.organizer(update, context))
    if allowed is None:
        return None, 0
    t = allowed[1]
    app = ctx_of(context)
    found = await app.read(with_entry_count, contest_id) if contest_id is not None else None
    if found is None:
        await contest_gone(update, t)
        return None, 0
    contest, count = found
    if stage_of(contest, app.clock.now()) not in CLOSABLE:
        await query_of(update).answer(
            t.gettext("Submissions to this contest are already closed."), show_alert=True)
        return None, 0
    return contest, count


async def close_asked(update: Update, context: Context) -> None:
    contest, count = await _closable(update, context, "ct:close:")
    if contest is None:
        return
    _user, t = await reader(update, context)
    _ = t.gettext
    await query_of(update).answer()
    await answer(
        update,
        t.ngettext("Close submissions to «{title}» now? {n} entry so far.",
                   "Close submissions to «{title}» now? {n} entries so far.", count).format(
            title=contest_title(contest, t.language), n=count),
        reply_markup=keyboard([[(_("Yes, close"), f"ct:closey:{contest.id}"),
                                (_("No, keep open"), f"ct:closen:{contest.id}")]]),
    )


async def close_confirmed(update: Update, context: Context) -> None:
    contest, _count = await _closable(update, context, "ct:closey:")
    if contest is None:
        return
    _user, t = await reader(update, context)
    app = ctx_of(context)
    try:
        _closed, count = await app.call(close_contest_now, contest.id, app.clock.now())
    except ContestNotFound:
        await contest_gone(update, t)
        return
    await query_of(update).answer()
    await replace_message(update, t.ngettext(
        "Submissions to «{title}» are closed: {n} entry.",
        "Submissions to «{title}» are closed: {n} entries.", count).format(
        title=contest_title(contest, t.language), n=count), None)
    await show_contest_card(update, context, contest.id)


async def close_kept(update: Update, context: Context) -> None:
    contest_id = callback_number(query_data(update), "ct:closen:")
    allowed = (await guards.contest_organizer(update, context, contest_id)
               if contest_id is not None else await guards.organizer(update, context))
    if allowed is None:
        return
    t = allowed[1]
    await query_of(update).answer()
    await replace_message(update, t.gettext("Nothing changed: submissions stay open."), None)


async def unknown_button(update: Update, context: Context) -> None:
    _user, t = await reader(update, context)
    await contest_gone(update, t)


async def contest_gone(update: Update, t: Translator) -> None:
    await query_of(update).answer(
        t.gettext("This button is out of date: the contest no longer exists or has changed."),
        show_alert=True,
    )
