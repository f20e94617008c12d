"""/events: upcoming events, paged with buttons, and event cards."""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.i18n import N_, Translator
from bot.messages.notices import own_zone_known
from bot.services.catalog import (
    PAGE_SIZE,
    EventCard,
    EventPage,
    event_card,
    upcoming_page,
)
from bot.services.registration import EventUnavailable
from handlers import fitting, guards
from handlers.common import (
    Context,
    answer,
    callback_number,
    ctx_of,
    keyboard,
    own_zone,
    query_data,
    query_of,
    reader,
    reader_zone,
    replace_message,
    stale_button,
)
from storage.models import EventKind, RegistrationStatus, User

KIND_LABELS = {
    EventKind.VIDEO_BRIDGE: ("🎥", N_("Video-bridge")),
    EventKind.CONFERENCE: ("🎙", N_("Online conference")),
    EventKind.CHAT_CONFERENCE: ("💬", N_("Chat-conference")),
    EventKind.OFFLINE: ("🏛", N_("In the library")),
}
BUTTON_TITLE_LENGTH = 48
CARD_LIMIT = fitting.TEXT_LIMIT - fitting.MARGIN
# What a card keeps for its city times and partners before the description is cut.
LISTS_ROOM = 800


def register(app: Application) -> None:
    app.add_handler(CommandHandler("events", list_events))
    app.add_handler(CallbackQueryHandler(page_pressed, pattern=r"^ev:list:"))
    app.add_handler(CallbackQueryHandler(card_pressed, pattern=r"^ev:card:"))
    app.add_handler(CallbackQueryHandler(partners_pressed, pattern=r"^ev:partners:"))


async def list_events(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    text, markup = _render_page(await _page(context, user, 0), t)
    await answer(update, text, reply_markup=markup)


async def page_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    page = callback_number(query_data(update), "ev:list:")
    if page is None:
        await stale_button(update, t)
        return
    await answered_and_replaced(update, *_render_page(await _page(context, user, page), t))


async def card_pressed(update: Update, context: Context) -> None:
    user, t = await reader(update, context)
    event_id = callback_number(query_data(update), "ev:card:")
    card = await load_card(context, user, event_id) if event_id is not None else None
    if card is None:
        await stale_button(update, t)
        return
    organizer = await _manages(context, user, card)
    await answered_and_replaced(update, *render_card(card, t, organizer, yours=_yours(user)))


async def partners_pressed(update: Update, context: Context) -> None:
    """The full partners list of a card that had to cut it short, as new messages."""
    user, t = await reader(update, context)
    event_id = callback_number(query_data(update), "ev:partners:")
    card = await load_card(context, user, event_id) if event_id is not None else None
    if card is None:
        await stale_button(update, t)
        return
    await query_of(update).answer()
    for text in partners_texts(card, t):
        await answer(update, text)


async def show_event_card(update: Update, context: Context, event_id: int) -> None:
    """Send an event's card as a new message (deep links, other handlers after a change)."""
    user, t = await reader(update, context)
    card = await load_card(context, user, event_id)
    if card is None:
        await answer(update, t.gettext(
            "This event is no longer available: it was cancelled or has already started. "
            "Send /events to see upcoming ones."
        ))
        return
    text, markup = render_card(card, t, await _manages(context, user, card), yours=_yours(user))
    await answer(update, text, reply_markup=markup)


async def refresh_card(update: Update, context: Context, event_id: int) -> None:
    """Redraw the card a button was pressed on, after the reader's status changed."""
    user, t = await reader(update, context)
    card = await load_card(context, user, event_id)
    if card is not None:
        await replace_message(update, *render_card(card, t, await _manages(context, user, card),
                                                   yours=_yours(user)))


async def _manages(context: Context, user: User, card: EventCard) -> bool:
    """Whether the card shows the organizer's buttons: to its library's organizers."""
    return (await guards.role_of_user(ctx_of(context), user.id)).manages(card.library_id)


async def load_card(context: Context, user: User, event_id: int) -> EventCard | None:
    app = ctx_of(context)
    try:
        return await app.read(
            event_card, event_id, user.id, user.language, reader_zone(context, user),
            app.clock.now(),
        )
    except EventUnavailable:
        return None


async def answered_and_replaced(
    update: Update, text: str, markup: InlineKeyboardMarkup | None
) -> None:
    """Stop the button's spinner and redraw its message together: two requests at once,
    so the reader waits one round trip to Telegram, not two."""
    await asyncio.gather(query_of(update).answer(), replace_message(update, text, markup))


async def _page(context: Context, user: User, page: int) -> EventPage:
    app = ctx_of(context)
    return await app.read(
        upcoming_page, page, user.language, reader_zone(context, user), app.clock.now()
    )


def _render_page(page: EventPage, t: Translator) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = t.gettext
    if not page.items:
        return _(
            "There are no upcoming events yet. Libraries announce new video-bridges and "
            "conferences here: please look again soon."
        ), None
    first = page.page * PAGE_SIZE + 1
    lines = [
        _("Upcoming events:")
        if page.pages == 1
        else _("Upcoming events, page {page} of {pages}:").format(
            page=page.page + 1, pages=page.pages
        ),
        "",
    ]
    rows: list[list[tuple[str, str]]] = []
    for number, item in enumerate(page.items, start=first):
        when = t.datetime(item.starts_at, own_zone(item.starts_at))
        # Translators: one line of the events list: number, kind, title, start time.
        lines.append(_("{number}. {kind} «{title}», {when}").format(
            number=number, kind=kind_label(t, item.kind), title=item.title, when=when
        ))
        rows.append([(f"{number}. {_shorten(item.title)}", f"ev:card:{item.id}")])
    navigation = []
    if page.has_previous:
        navigation.append(("◀", f"ev:list:{page.page - 1}"))
    if page.has_next:
        navigation.append(("▶", f"ev:list:{page.page + 1}"))
    if navigation:
        rows.append(navigation)
    return "\n".join(lines), keyboard(rows)


def _yours(user: User) -> bool:
    """Whether the card's times are in the reader's own zone (from their profile)."""
    return own_zone_known(user)


def render_card(
    card: EventCard, t: Translator, organizer: bool, *, yours: bool = False
) -> tuple[str, InlineKeyboardMarkup]:
    """The card, within one message whatever the organizers wrote: many partners (or
    cities) are cut short with "…and N more" and a button sending them all. `yours`: the
    start is in the reader's own zone and says "your time"; otherwise it names the city."""
    _ = t.gettext
    cities = [
        # Translators: the start time in a partner city, e.g. "Kyiv: 5 December 2026, 12:00".
        _("{city}: {when}").format(
            city=city.city, when=t.datetime(city.starts_at, own_zone(city.starts_at)))
        for city in card.city_times
    ]
    partners = [f"{partner.name} ({partner.city})" for partner in card.partners]
    description = card.description
    room = CARD_LIMIT - fitting.length(_card_text(card, t, description, [], [], yours))
    if room < LISTS_ROOM and description:
        # Only a description near its longest leaves the lists too little room.
        description = fitting.shorten(
            description, max(fitting.length(description) - (LISTS_ROOM - room), 1))
        room = CARD_LIMIT - fitting.length(_card_text(card, t, description, [], [], yours))
    text = _card_text(card, t, description, cities, partners, yours)
    cut = fitting.length(text) > CARD_LIMIT
    if cut:
        text = _fitted_card(card, t, description, cities, partners, room, yours)
    return text, keyboard(_card_buttons(card, t, organizer, all_partners=cut))


def _fitted_card(card: EventCard, t: Translator, description: str, cities: list[str],
                 partners: list[str], room: int, yours: bool) -> str:
    """The card with its city times and partners cut to share `room` characters."""
    def more(n: int) -> str:
        # Translators: ends a list cut short (partners of an event, prizes of a contest).
        return t.ngettext("…and {n} more", "…and {n} more", n).format(n=n)

    # What the partners line adds besides the names: a line break and "Partners: ".
    prefix = fitting.length(t.gettext("Partners: {partners}").format(partners="")) + 1
    cities_room = room
    if partners:
        # The city times take what the partners leave, and half when both are long.
        share = min(fitting.length("; ".join(partners)), max(room - prefix, 0) // 2)
        cities_room = room - prefix - share
    shown_cities = fitting.take_fitting(cities, cities_room - 1, "\n", more) if cities else []
    used = fitting.length("\n".join(shown_cities)) + 1 if shown_cities else 0
    shown_partners = (fitting.take_fitting(partners, room - used - prefix, "; ", more)
                      if partners else [])
    text = _card_text(card, t, description, shown_cities, shown_partners, yours)
    # Never expected (the room was measured), but a card that cannot be sent is worse.
    return fitting.shorten(text, fitting.TEXT_LIMIT)


def _card_text(card: EventCard, t: Translator, description: str, cities: list[str],
               partners: list[str], yours: bool) -> str:
    _ = t.gettext
    lines = [kind_label(t, card.kind), card.title]
    if description:
        lines += ["", description]
    lines += ["", "🕒 " + t.moment_in(card.starts_at, own_zone(card.starts_at), yours=yours)]
    lines += cities
    if card.address:
        lines.append("📍 " + card.address)
    lines.append(t.ngettext(
        "Duration: {n} minute", "Duration: {n} minutes", card.duration_minutes
    ).format(n=card.duration_minutes))
    if partners:
        lines.append(_("Partners: {partners}").format(partners="; ".join(partners)))
    lines.append(_seats(card, t))
    if card.status == RegistrationStatus.REGISTERED:
        lines += ["", "✅ " + _("You are registered.")]
    elif card.status == RegistrationStatus.WAITLISTED:
        lines += ["", "⏳ " + _("You are on the waiting list: number {position}.").format(
            position=card.waitlist_position
        )]
    return "\n".join(lines)


def partners_texts(card: EventCard, t: Translator) -> list[str]:
    """Every partner of the event with the start in its city, in as many messages as needed."""
    _ = t.gettext
    times = {city.city: city.starts_at for city in card.city_times}
    lines = [_("Partners of «{title}»:").format(title=card.title)]
    for number, partner in enumerate(card.partners, start=1):
        when = times.get(partner.city)
        # Translators: one line of an event's full partners list: number, library name,
        # its city and the start time there, e.g. "3. Youth library (Kyiv): 5 December, 12:00".
        lines.append(_("{number}. {name} ({city}): {when}").format(
            number=number, name=partner.name, city=partner.city,
            when=t.datetime(when, own_zone(when)) if when is not None else "—"))
    return fitting.split_lines("\n".join(lines))


def _seats(card: EventCard, t: Translator) -> str:
    if card.seats_left is None:
        return t.gettext("Seats: no limit")
    if card.seats_left == 0:
        return t.gettext("No seats left: waiting list only")
    return t.ngettext("{n} seat left", "{n} seats left", card.seats_left).format(n=card.seats_left)


def _card_buttons(
    card: EventCard, t: Translator, organizer: bool, *, all_partners: bool = False
) -> list[list[tuple[str, str]]]:
    _ = t.gettext
    if card.status == RegistrationStatus.REGISTERED:
        action = (_("Cancel registration"), f"reg:cancel:{card.id}")
    elif card.status == RegistrationStatus.WAITLISTED:
        action = (_("Leave the waiting list"), f"reg:cancel:{card.id}")
    elif card.full:
        action = (_("Join the waiting list"), f"ev:wait:{card.id}")
    else:
        action = (_("Register"), f"ev:reg:{card.id}")
    rows = [[action]]
    if organizer:
        rows.append([(_("Edit"), f"org:edit:{card.id}"), (_("Registrants"), f"org:regs:{card.id}")])
        rows.append([(_("Cancel event"), f"org:cancel:{card.id}")])
    if all_partners:
        # Translators: button under an event card whose partners list was cut short;
        # {n} is the number of partner libraries.
        rows.append([(_("All partners ({n})").format(n=len(card.partners)),
                      f"ev:partners:{card.id}")])
    # Translators: button on an event card going back to the list of events.
    rows.append([(_("« Back"), "ev:list:0")])
    return rows


def kind_label(t: Translator, kind: EventKind) -> str:
    icon, label = KIND_LABELS[kind]
    return f"{icon} {t.gettext(label)}"


def _shorten(title: str) -> str:
    if len(title) <= BUTTON_TITLE_LENGTH:
        return title
    return title[: BUTTON_TITLE_LENGTH - 1].rstrip() + "…"
