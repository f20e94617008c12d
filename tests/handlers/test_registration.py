"""Register, the waiting list, cancelling and /my, end to end through the fake Bot API."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from bot.core.context import app_context
from bot.messages.notices import render as render_notice
from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services.organizer import EventChanges, edit_event
from bot.services.profile import ProfileDraft, save_profile
from bot.services.registration import cancel_reader, register
from storage.models import Event, NotificationKind
from tests.conftest import onboard
from tests.contest_factories import make_reader
from tests.factories import NOW, make_event
from tests.handlers.test_profile import ANSWERS, answer_questions, profile_row

ALMATY = ZoneInfo("Asia/Almaty")
STALE = "This button is out of date: the event no longer exists or has changed."


def give_profile(database, user_id):
    with database.uow() as uow:
        draft = ProfileDraft("Dana Bekova", date(2008, 5, 1), "Kazakhstan", "Karaganda", "School 1")
        save_profile(uow, user_id, draft, NOW)
        uow.commit()


def registration_status(database, event_id, user_id):
    with database.uow() as uow:
        registration = uow.registrations.get(event_id, user_id)
        return registration.status if registration else None


def confirmation(t, title, starts_at):
    return "✅ " + t.gettext(
        "You are registered for «{title}».\n"
        "Starts: {when}.\n\n"
        "We will remind you before the start. The join link will appear in /my shortly "
        "before the start. The file below adds the event to your calendar."
    ).format(title=title, when=t.moment_in(starts_at, ALMATY, yours=True))


async def open_card(user, event_id):
    await user.send(f"/start event_{event_id}")
    return await user.next_message()


async def test_register_first_time_asks_profile_then_confirms_with_ics(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 401, "en")
    event = make_event(database, titles={"en": "A model of the future"})
    t = catalogs.translator("en")
    await open_card(user, event.id)

    await user.press(t.gettext("Register"))
    intro = await user.next_message()
    await answer_questions(user)
    await user.press(t.gettext("Yes, I agree"))
    events = [await user.next_message() for _ in range(4)]

    document = events[3]["document"]
    ics = fake_api.file_bytes(document["file_id"]).decode()
    assert text_of(intro).split("\n\n") == [
        t.gettext(
            "Before your first registration, please answer five short questions. We ask them "
            "only once. Send /cancel to stop at any moment: nothing is stored until you agree."
        ),
        t.gettext("What is your full name (first name and surname)?"),
    ]
    assert [buttons_of(events[0]), text_of(events[1]), text_of(events[2])] == [
        [],
        t.gettext("Thank you! Your profile is saved."),
        confirmation(t, "A model of the future", event.starts_at),
    ]
    assert (document["file_name"], f"UID:kopir-event-{event.id}@kopir" in ics,
            f"URL:https://t.me/kopir_bot?start=event_{event.id}" in ics,
            "SUMMARY:A model of the future" in ics) == (
        f"kopir-event-{event.id}.ics", True, True, True
    )
    assert (registration_status(database, event.id, 401), profile_row(database, 401)[0]) == (
        "registered", ANSWERS[0]
    )


async def test_register_consent_refused_stores_nothing(bot_app, fake_api, database, catalogs):
    user = await onboard(fake_api, 402, "en")
    event = make_event(database)
    t = catalogs.translator("en")
    await open_card(user, event.id)
    await user.press(t.gettext("Register"))
    await user.next_message()
    await answer_questions(user)

    await user.press(t.gettext("No"))
    await user.next_message()  # the consent buttons are removed
    refused = await user.next_message()

    assert (text_of(refused), refused["reply_markup"]["inline_keyboard"]) == (
        t.gettext(
            "Without your consent we store nothing, and so we cannot register you: organizers "
            "need to know who takes part. Your answers have been forgotten. You can start again "
            "whenever you like."
        ),
        [[{"text": t.gettext("Start again"), "callback_data": f"ev:reg:{event.id}"}]],
    )
    assert (profile_row(database, 402), registration_status(database, event.id, 402)) == (
        (None, None, None, None, None, None), None
    )


async def test_register_with_profile_updates_card_and_confirms(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 403, "en")
    give_profile(database, 403)
    event = make_event(database, capacity=5, titles={"en": "Bridge"})
    t = catalogs.translator("en")
    card = await open_card(user, event.id)

    await user.press(t.gettext("Register"))
    edited, confirmed, calendar = [await user.next_message() for _ in range(3)]

    assert (edited["message_id"], text_of(edited).split("\n")[-3:], buttons_of(edited)) == (
        card["message_id"],
        [t.ngettext("{n} seat left", "{n} seats left", 4).format(n=4), "",
         "✅ " + t.gettext("You are registered.")],
        [[t.gettext("Cancel registration")], [t.gettext("« Back")]],
    )
    assert (text_of(confirmed), calendar["document"]["file_name"]) == (
        confirmation(t, "Bridge", event.starts_at), f"kopir-event-{event.id}.ics"
    )


async def test_full_event_waiting_list_then_cancel_promotes_first_in_line(
    bot_app, fake_api, database, catalogs, settings
):
    first = await onboard(fake_api, 404, "en")
    second = await onboard(fake_api, 405, "en")
    for user_id in (404, 405):
        give_profile(database, user_id)
    event = make_event(database, capacity=1, titles={"en": "Bridge"})
    t = catalogs.translator("en")
    await open_card(first, event.id)
    await first.press(t.gettext("Register"))
    await first.handled()
    first.drain()

    await open_card(second, event.id)
    await second.press(t.gettext("Join the waiting list"))
    await second.next_message()  # the card, now with "Leave the waiting list"
    waitlisted = await second.next_message()
    await first.press(t.gettext("Cancel registration"))
    await first.next_message()  # the card, now with "Register"
    cancelled = await first.next_message()
    told = await second.next_message()  # the sender delivers the PROMOTED notice

    with database.uow() as uow:
        notice = uow.notifications.by_key(f"promoted:{event.id}:405:{NOW.isoformat()}")
        reminders = [r.offset_minutes for r in uow.notifications.reminders(event.id, 405)]
        expected_notice = render_notice(
            t, notice, uow.events.get(event.id), uow.users.get(405), settings, NOW
        )
    assert (text_of(waitlisted), text_of(cancelled), text_of(told)) == (
        t.gettext(
            "The event «{title}» is full, so you are on the waiting list: number {position}. "
            "When a seat frees up, it is yours automatically and we will tell you."
        ).format(title="Bridge", position=1),
        t.gettext("Your registration for «{title}» is cancelled.").format(title="Bridge"),
        expected_notice,
    )
    assert (registration_status(database, event.id, 404),
            registration_status(database, event.id, 405), notice.kind, reminders) == (
        "cancelled", "registered", NotificationKind.PROMOTED, [24 * 60, 60, 0]
    )


async def test_register_on_outdated_card_of_now_full_event_offers_waiting_list(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 406, "en")
    await onboard(fake_api, 407, "en")
    give_profile(database, 406)
    give_profile(database, 407)
    event = make_event(database, capacity=1, titles={"en": "Bridge"})
    t = catalogs.translator("en")
    await open_card(user, event.id)
    with database.uow() as uow:
        register(uow, event.id, 407, NOW)
        uow.commit()

    query = await user.press(t.gettext("Register"))
    alert = await user.wait_callback_answer(query)
    card = await user.next_message()  # the card now offers the waiting list
    await user.press(t.gettext("Join the waiting list"))
    await user.next_message()  # the card shows the place in line
    joined = await user.next_message()

    assert (alert.text, alert.show_alert, card["reply_markup"]["inline_keyboard"][0][0]["text"],
            text_of(joined), registration_status(database, event.id, 406)) == (
        t.gettext(
            "All seats are taken. Press «Join the waiting list» on the card: when a seat "
            "frees up, it goes to the first in line automatically."
        ),
        True,
        t.gettext("Join the waiting list"),
        t.gettext(
            "The event «{title}» is full, so you are on the waiting list: number {position}. "
            "When a seat frees up, it is yours automatically and we will tell you."
        ).format(title="Bridge", position=1),
        "waitlisted",
    )


async def test_my_shows_cancel_and_offers_join_from_lead_time(
    bot_app, fake_api, database, catalogs, clock
):
    user = await onboard(fake_api, 408, "en")
    give_profile(database, 408)
    event = make_event(database, titles={"en": "Bridge"}, link="https://zoom.us/j/42")
    with database.uow() as uow:
        register(uow, event.id, 408, NOW)
        uow.commit()
    t = catalogs.translator("en")

    await user.send("/my")
    early = await user.next_message()
    clock.set(event.starts_at - timedelta(hours=1))
    await user.send("/my")
    on_time = await user.next_message()
    await user.press(t.gettext("Cancel: {title}").format(title="Bridge"))
    await user.next_message()  # "Cancel your registration for «Bridge»?"
    await user.press(t.gettext("Yes, cancel"))
    emptied, cancelled = await _skipping_reminders(user, 2)

    when = t.datetime(event.starts_at, ALMATY)
    assert (text_of(early), buttons_of(early)) == (
        "\n\n".join([
            t.gettext("Your events:"),
            "\n".join(["1. «Bridge»", when, "✅ " + t.gettext("Registered"), t.ngettext(
                "The join link will appear here {n} hour before the start.",
                "The join link will appear here {n} hours before the start.", 1).format(n=1)]),
        ]),
        [[t.gettext("Cancel: {title}").format(title="Bridge")]],
    )
    assert (text_of(on_time).split("\n")[-1], buttons_of(on_time)) == (
        t.gettext("Press «Join» below to get the join link."),
        [[t.gettext("Join: {title}").format(title="Bridge")],
         [t.gettext("Cancel: {title}").format(title="Bridge")]],
    )
    assert (emptied["message_id"], text_of(emptied), text_of(cancelled)) == (
        on_time["message_id"],
        t.gettext("You have no registrations yet. Send /events to find an event."),
        t.gettext("Your registration for «{title}» is cancelled.").format(title="Bridge"),
    )
    assert registration_status(database, event.id, 408) == "cancelled"


async def _skipping_reminders(user, count):
    """The next `count` messages but reminders: the hour-ahead one, due now too, may come
    in between."""
    messages = []
    while len(messages) < count:
        message = await user.next_message()
        if not text_of(message).startswith("⏰"):
            messages.append(message)
    return messages


async def test_register_button_of_deleted_event_answers_with_alert(
    bot_app, fake_api, database, catalogs
):
    with_profile = await onboard(fake_api, 409, "en")
    without_profile = await onboard(fake_api, 410, "en")
    give_profile(database, 409)
    event = make_event(database)
    for user in (with_profile, without_profile):
        await open_card(user, event.id)
    with database.uow() as uow:
        uow.session.delete(uow.session.get(Event, event.id))
        uow.commit()

    alerts = []
    for user in (with_profile, without_profile):
        answer = await user.wait_callback_answer(await user.press(
            catalogs.translator("en").gettext("Register")
        ))
        alerts.append((answer.text, answer.show_alert))
        await user.handled()

    assert (alerts, with_profile.drain(), without_profile.drain()) == (
        [(STALE, True), (STALE, True)], [], []
    )


async def test_cancel_button_after_start_answers_with_alert(
    bot_app, fake_api, database, catalogs, clock
):
    user = await onboard(fake_api, 411, "en")
    give_profile(database, 411)
    event = make_event(database)
    with database.uow() as uow:
        register(uow, event.id, 411, NOW)
        uow.commit()
    await open_card(user, event.id)
    clock.set(event.starts_at + timedelta(minutes=1))

    answer = await user.wait_callback_answer(await user.press(
        catalogs.translator("en").gettext("Cancel registration")
    ))

    assert ((answer.text, answer.show_alert), registration_status(database, event.id, 411)) == (
        (STALE, True), "registered"
    )


async def test_forged_register_and_cancel_callbacks_answer_with_alert(bot_app, fake_api):
    user = await onboard(fake_api, 412, "en")
    await user.send("/my")
    message = await user.next_message()

    answers = []
    for data in ("ev:reg:x1", "ev:wait:", "reg:cancel:1;drop"):
        answer = await user.wait_callback_answer(await user.press_data(message["message_id"], data))
        answers.append((answer.text, answer.show_alert))

    assert answers == [(STALE, True)] * 3


async def test_register_during_the_profile_questions_asks_to_finish_them(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 413, "en")
    first = make_event(database, titles={"en": "First"})
    second = make_event(database, titles={"en": "Second"})
    t = catalogs.translator("en")
    await open_card(user, first.id)
    await user.press(t.gettext("Register"))
    await user.next_message()
    second_card = await open_card(user, second.id)

    query_id = await user.press_data(second_card["message_id"], f"ev:reg:{second.id}")
    alert = await user.wait_callback_answer(query_id)

    assert ((alert.text, alert.show_alert), registration_status(database, second.id, 413)) == (
        (t.gettext("Please answer the profile questions first, or send /cancel to stop them."),
         True),
        None,
    )


async def _my_with_one_registration(fake_api, database, user_id, language, title):
    user = await onboard(fake_api, user_id, language)
    give_profile(database, user_id)
    event = make_event(database, titles={language: title})
    with database.uow() as uow:
        register(uow, event.id, user_id, NOW)
        uow.commit()
    await user.send("/my")
    listing = await user.next_message()
    return user, event, listing


async def test_my_cancel_in_ru_asks_first_and_no_keeps_the_registration(
    bot_app, fake_api, database, catalogs
):
    ru = catalogs.translator("ru")
    user, event, listing = await _my_with_one_registration(
        fake_api, database, 431, "ru", "Видеомост")

    await user.press(ru.gettext("Cancel: {title}").format(title="Видеомост"))
    question = await user.next_message()
    await user.press("Нет, оставить")
    redrawn = await user.next_message()
    await fake_api.handled()

    assert (text_of(question), buttons_of(question)) == (
        "Отменить вашу регистрацию на «Видеомост»?", [["Да, отменить"], ["Нет, оставить"]])
    assert (redrawn["message_id"], text_of(redrawn), user.queued) == (
        listing["message_id"], text_of(listing), 0)
    assert registration_status(database, event.id, 431) == "registered"


async def test_my_cancel_in_kk_yes_cancels_the_registration(
    bot_app, fake_api, database, catalogs
):
    kk = catalogs.translator("kk")
    user, event, _listing = await _my_with_one_registration(
        fake_api, database, 432, "kk", "Көпір")

    await user.press(kk.gettext("Cancel: {title}").format(title="Көпір"))
    question = await user.next_message()
    await user.press("Иә, бас тарту")
    emptied = await user.next_message()
    cancelled = await user.next_message()

    assert (text_of(question), text_of(emptied), text_of(cancelled)) == (
        "«Көпір» іс-шарасына тіркелуден бас тартасыз ба?",
        kk.gettext("You have no registrations yet. Send /events to find an event."),
        kk.gettext("Your registration for «{title}» is cancelled.").format(title="Көпір"),
    )
    assert registration_status(database, event.id, 432) == "cancelled"


async def test_my_leave_waiting_list_in_uk_asks_to_leave_it(bot_app, fake_api, database, catalogs):
    uk = catalogs.translator("uk")
    user = await onboard(fake_api, 433, "uk")
    give_profile(database, 433)
    make_reader(database, 434)
    event = make_event(database, titles={"uk": "Міст"}, capacity=1)
    with database.uow() as uow:
        register(uow, event.id, 434, NOW)
        register(uow, event.id, 433, NOW)
        uow.commit()
    await user.send("/my")
    await user.next_message()

    await user.press(uk.gettext("Leave the waiting list: {title}").format(title="Міст"))
    question = await user.next_message()

    assert (text_of(question), buttons_of(question)) == (
        "Вийти зі списку очікування на «Міст»?", [["Так, вийти"], ["Ні, лишитися"]])
    assert registration_status(database, event.id, 433) == "waitlisted"


def _calendar_entry(fake_api, message):
    content = fake_api.file_bytes(message["document"]["file_id"])
    entry = Calendar.from_ical(content).walk("VEVENT")[0]
    return str(entry["UID"]), int(entry["SEQUENCE"]), entry.decoded("DTSTART")


async def test_promoted_reader_in_ru_gets_the_calendar_file_with_the_notice(
    bot_app, fake_api, database, catalogs, settings
):
    promoted = await onboard(fake_api, 441, "ru")
    make_reader(database, 441, language="ru")
    make_reader(database, 442)
    event = make_event(database, capacity=1, titles={"ru": "Видеомост"})
    with database.uow() as uow:
        register(uow, event.id, 442, NOW)
        register(uow, event.id, 441, NOW)
        uow.commit()

    await app_context(bot_app.bot_data).call(cancel_reader, event.id, 442, NOW)
    told = await promoted.next_message()

    ru = catalogs.translator("ru")
    with database.uow() as uow:
        notice = uow.notifications.by_key(f"promoted:{event.id}:441:{NOW.isoformat()}")
        expected = render_notice(ru, notice, uow.events.get(event.id), uow.users.get(441),
                                 settings, NOW)
    assert (text_of(told), told["document"]["file_name"], _calendar_entry(fake_api, told)) == (
        expected, f"kopir-event-{event.id}.ics",
        (f"kopir-event-{event.id}@kopir", 1, event.starts_at),
    )


async def test_time_change_notice_in_kk_brings_the_calendar_file_with_a_higher_sequence(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 443, "kk")
    make_reader(database, 443, language="kk")
    event = make_event(database, titles={"kk": "Көпір"})
    kk = catalogs.translator("kk")
    await open_card(user, event.id)
    await user.press(kk.gettext("Register"))
    _edited, _confirmed, registered = [await user.next_message() for _ in range(3)]
    later = event.starts_at + timedelta(days=1)

    await app_context(bot_app.bot_data).call(edit_event, event.id, EventChanges(starts_at=later),
                                             NOW)
    told = await user.next_message()

    uid, sequence, _start = _calendar_entry(fake_api, registered)
    assert (text_of(told).split("\n")[0], _calendar_entry(fake_api, told)) == (
        "✏️ " + kk.gettext("«{title}» has changed.").format(title="Көпір"),
        (uid, sequence + 1, later),
    )


async def test_link_change_notice_brings_no_calendar_file(bot_app, fake_api, database):
    user = await onboard(fake_api, 444, "en")
    make_reader(database, 444)
    event = make_event(database, titles={"en": "Bridge"})
    with database.uow() as uow:
        register(uow, event.id, 444, NOW)
        uow.commit()

    await app_context(bot_app.bot_data).call(edit_event, event.id,
                               EventChanges(link="https://zoom.us/j/new-room"), NOW)
    told = await user.next_message()

    assert (text_of(told).split("\n")[0], "document" in told) == ("✏️ «Bridge» has changed.", False)
