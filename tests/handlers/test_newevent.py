"""/newevent end to end: the real Application, the fake Bot API, an organizer typing."""

from datetime import UTC, datetime

import pytest
from sqlmodel import select

from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services import organizer as organizer_service
from storage.models import Event
from storage.uow import DatabaseBusy
from tests.conftest import ORGANIZER_ID, onboard

KIND_Q = "New event. What kind of event is it?\n\nSend /cancel at any time to stop."
TITLE_Q = "Send the title in Russian (up to 200 characters)."
TIMEZONE_Q = (
    "By which city's clock will you give the start time? Choose one, or send another city "
    "(Karaganda, Kyiv)."
)
START_Q = "When does it start? Send the date and time (Almaty time), for example: 06.12.2026 15:00"
LINK_Q = (
    "Send the join link (Zoom or another https:// link), or skip this step if you will add it "
    "later."
)
CAPACITY_Q = "How many readers can take part? Send a number, or choose no limit."
REMINDERS_Q = (
    "When should registrants be reminded? Send times before the start, like \"24h, 1h, 0m\" "
    "(0m is at the start), or \"-\" for no reminders."
)
STRAY = "I did not ask for anything just now. Send /events to see upcoming events or /help."
PARTNERS_Q = (
    "Partner libraries: send one per message as \"Library name, City\" or \"Library name, City, "
    "Time zone\". Press Done when the list is complete (it may stay empty)."
)

# The whole form, answer by answer: ("press", button) or ("send", text).
FORM = [
    ("press", "Video-bridge"),
    ("press", "Русский"),
    ("send", "Модель будущего глазами поколения next"),
    ("press", "+ English"),
    ("send", "The future through the eyes of generation next"),
    ("press", "Continue"),
    ("send", "Karaganda — Kyiv video-bridge"),
    ("press", "Almaty"),
    ("send", "2026-12-05 15:00"),
    ("press", "90 minutes"),
    ("send", "https://zoom.us/j/123456789"),
    ("send", "100"),
    ("send", "State Library of Ukraine for Youth, Kyiv"),
    ("send", "Mogilev Regional Library, Mogilev"),
    ("press", "Done"),
    ("press", "Default: 24h, 1h, at the start"),
]
# Index in FORM of the answer to each question.
TITLE, TIMEZONE, START, LINK, CAPACITY = 2, 7, 8, 10, 11

SUMMARY = "\n".join([
    "Please check the event:",
    "",
    "Kind: Video-bridge",
    "Language: Русский",
    "Title (Русский): Модель будущего глазами поколения next",
    "Title (English): The future through the eyes of generation next",
    "Description: Karaganda — Kyiv video-bridge",
    "Start: 5 December 2026, 15:00 (Almaty time)",
    "  in Kyiv: 5 December 2026, 12:00 (Kyiv time)",
    "  in Mogilev: 5 December 2026, 13:00 (Minsk time)",
    "Duration: 90 minutes",
    "Join link: https://zoom.us/j/123456789",
    "Seats: 100",
    "Partners: State Library of Ukraine for Youth, Kyiv (Kyiv time); "
    "Mogilev Regional Library, Mogilev (Minsk time)",
    "Reminders: 24 hours before, 1 hour before, at the start",
])


async def _act(user, action: str, value: str) -> dict:
    if action == "press":
        await user.press(value)
    else:
        await user.send(value)
    return await user.next_message()


async def _open_form(fake_api, answers: int) -> tuple:
    """The organizer starts /newevent and gives the first `answers` answers of FORM."""
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newevent")
    last = await organizer.next_message()
    for action, value in FORM[:answers]:
        last = await _act(organizer, action, value)
    return organizer, last


def _events(database) -> list[Event]:
    with database.uow() as uow:
        return list(uow.session.exec(select(Event)).all())


async def test_newevent_organizer_creates_event_with_partners_and_deep_link(
    bot_app, fake_api, database
):
    organizer, summary = await _open_form(fake_api, len(FORM))

    await organizer.press("Confirm")
    created, _card, link = [await organizer.next_message() for _ in range(3)]

    [event] = _events(database)
    with database.uow() as uow:
        partners = [(p.name, p.city, p.timezone, p.position) for p in uow.events.partners(event.id)]
    assert (text_of(summary), buttons_of(summary)) == (SUMMARY, [["Confirm"], ["« Back", "Cancel"]])
    assert (
        event.kind, event.titles, event.descriptions, event.language, event.starts_at,
        event.duration_minutes, event.timezone, event.link, event.capacity,
        event.reminder_offsets, event.created_by, event.cancelled_at,
    ) == (
        "video_bridge",
        {"ru": "Модель будущего глазами поколения next",
         "en": "The future through the eyes of generation next"},
        {"ru": "Karaganda — Kyiv video-bridge"},
        "ru", datetime(2026, 12, 5, 10, 0, tzinfo=UTC), 90, "Asia/Almaty",
        "https://zoom.us/j/123456789", 100, [1440, 60, 0], ORGANIZER_ID, None,
    )
    assert partners == [
        ("State Library of Ukraine for Youth", "Kyiv", "Europe/Kyiv", 0),
        ("Mogilev Regional Library", "Mogilev", "Europe/Minsk", 1),
    ]
    assert (text_of(created), text_of(link)) == (
        "The event is created.",
        "Invite readers with this link; post it anywhere:\n"
        f"https://t.me/kopir_bot?start=event_{event.id}",
    )


async def test_newevent_skips_optional_answers_and_takes_no_limit(bot_app, fake_api, database):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newevent")
    await organizer.next_message()
    steps = [("press", "Chat-conference"), ("press", "Қазақша"), ("send", "Кітап әлемі"),
             ("press", "Continue"), ("press", "Skip"), ("send", "Karaganda"),
             ("send", "05.12.2026 11:00"), ("send", "1h"), ("press", "Skip"),
             ("press", "No limit"), ("press", "Done"), ("send", "2h, 0m"), ("press", "Confirm")]
    for action, value in steps:
        await _act(organizer, action, value)
    await organizer.handled()

    [event] = _events(database)
    with database.uow() as uow:
        partners = uow.events.partners(event.id)
    assert (event.kind, event.titles, event.descriptions, event.starts_at, event.duration_minutes,
            event.link, event.capacity, event.reminder_offsets, partners) == (
        "chat_conference", {"kk": "Кітап әлемі"}, {}, datetime(2026, 12, 5, 6, 0, tzinfo=UTC),
        60, None, None, [120, 0], [],
    )


async def test_newevent_back_keeps_answers(bot_app, fake_api, database):
    organizer, summary = await _open_form(fake_api, len(FORM))

    await organizer.press("« Back")
    reminders = await organizer.next_message()
    await organizer.press("« Back")
    partners = await organizer.next_message()
    await organizer.press("Done")
    await organizer.next_message()
    await organizer.press("Keep: 24 hours before, 1 hour before, at the start")
    again = await organizer.next_message()

    assert (text_of(reminders), buttons_of(reminders)) == (REMINDERS_Q, [
        ["Default: 24h, 1h, at the start"],
        ["Keep: 24 hours before, 1 hour before, at the start"],
        ["« Back"],
    ])
    assert text_of(partners) == (
        PARTNERS_Q + "\n\nPartners so far: State Library of Ukraine for Youth, Kyiv "
        "(Kyiv time); Mogilev Regional Library, Mogilev (Minsk time)"
    )
    assert (text_of(again), _events(database)) == (SUMMARY, [])


async def test_newevent_back_from_start_then_keep_returns_to_the_same_question(
    bot_app, fake_api
):
    organizer, start_question = await _open_form(fake_api, START)

    await organizer.press("« Back")
    zone_question = await organizer.next_message()
    await organizer.press("Keep: Almaty")
    start_again = await organizer.next_message()

    assert (text_of(start_question), text_of(zone_question), text_of(start_again)) == (
        START_Q, TIMEZONE_Q, START_Q,
    )


async def test_newevent_cancel_on_summary_writes_nothing(bot_app, fake_api, database):
    organizer, _summary = await _open_form(fake_api, len(FORM))

    await organizer.press("Cancel")
    reply = await organizer.next_message()

    assert (text_of(reply), _events(database)) == (
        "The new event is cancelled; nothing was saved.", [],
    )


async def test_newevent_cancel_command_midway_writes_nothing(bot_app, fake_api, database):
    organizer, _question = await _open_form(fake_api, CAPACITY)

    await organizer.send("/cancel")
    reply = await organizer.next_message()
    await organizer.send("120")
    after = await organizer.next_message()

    assert (text_of(reply), _events(database)) == (
        "The new event is cancelled; nothing was saved.", [],
    )
    # The form is gone: a number now is just stray input, not a capacity.
    assert text_of(after) == STRAY


@pytest.mark.parametrize(
    ("answers", "bad", "explanation", "question"),
    [
        (TITLE, "   ", "The title is empty: write a few words.", TITLE_Q),
        (TITLE, "x" * 201, "The title is too long: 201 characters, at most 200.", TITLE_Q),
        (START, "2026-11-01 10:00",
         "Start time must be in the future: 2026-11-01 10:00 is already past.", START_Q),
        (START, "next friday",
         "Cannot read next friday as a date and time: write it like 21.12.2026 15:00.", START_Q),
        (TIMEZONE, "Atlantis",
         "Unknown time zone Atlantis: write the city whose clock you use, such as Karaganda "
         "or Kyiv.", TIMEZONE_Q),
        (LINK, "ftp://zoom.us/j/1",
         "ftp://zoom.us/j/1 is not a web link: it must start with https:// or http://.", LINK_Q),
        (CAPACITY, "abc",
         "Cannot read abc as a number of seats: write a number, or 0 for no limit.", CAPACITY_Q),
        (CAPACITY, "²",
         "Cannot read ² as a number of seats: write a number, or 0 for no limit.", CAPACITY_Q),
        (START, "31.02.2027 10:00",
         "There is no 31 February: 31.02.2027 10:00 is not a date.", START_Q),
        (START, "9999-12-31 23:59",
         "The year 9999 in 9999-12-31 23:59 is out of range: write a year from 1900 to 2200.",
         START_Q),
    ],
    ids=["empty-title", "long-title", "past-start", "bad-date", "bad-zone", "bad-url",
         "bad-capacity", "superscript-capacity", "no-31-february", "year-9999"],
)
async def test_newevent_bad_answer_is_explained_and_asked_again(
    bot_app, fake_api, database, answers, bad, explanation, question
):
    organizer, _question = await _open_form(fake_api, answers)

    await organizer.send(bad)
    replies = [text_of(await organizer.next_message()) for _ in range(2)]
    action, value = FORM[answers]
    moved_on = await _act(organizer, action, value)

    assert replies == [explanation, question]
    assert (text_of(moved_on) != question, _events(database)) == (True, [])


async def test_newevent_photo_instead_of_title_is_asked_again(bot_app, fake_api, database):
    organizer, _question = await _open_form(fake_api, TITLE)

    await organizer.send_photo()
    replies = [text_of(await organizer.next_message()) for _ in range(2)]

    assert (replies, _events(database)) == (
        ["Please answer with a text message.", TITLE_Q], [],
    )


async def test_newevent_sticker_on_a_button_question_points_to_the_buttons(bot_app, fake_api):
    organizer, _question = await _open_form(fake_api, 0)

    await organizer.send_sticker()
    replies = [text_of(await organizer.next_message()) for _ in range(2)]

    assert replies == ["Please choose one of the buttons below.", KIND_Q]


async def test_newevent_refused_for_a_reader(bot_app, fake_api, database):
    reader = await onboard(fake_api, 8101, "en")

    await reader.send("/newevent")
    reply = await reader.next_message()
    await reader.send("My title")
    after = await reader.next_message()

    assert (text_of(reply), _events(database)) == ("Only organizers can do this.", [])
    assert text_of(after) == STRAY


async def test_newevent_button_of_a_finished_form_is_answered(bot_app, fake_api, database):
    organizer, _summary = await _open_form(fake_api, len(FORM))
    await organizer.press("Confirm")
    await organizer.handled()

    query_id = await organizer.press("Confirm")
    answer = await organizer.wait_callback_answer(query_id)

    assert (answer.text, answer.show_alert, len(_events(database))) == (
        "This form is closed. Send /newevent to create an event.", True, 1,
    )


async def test_newevent_confirm_on_a_busy_database_keeps_the_form(
    bot_app, fake_api, database, monkeypatch
):
    organizer, _summary = await _open_form(fake_api, len(FORM))
    real, calls = organizer_service.add_event, []

    def busy_once(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        if len(calls) == 1:
            raise DatabaseBusy("held by a test")
        return real(*args, **kwargs)

    monkeypatch.setattr(organizer_service, "add_event", busy_once)
    await organizer.press("Confirm")
    busy = await organizer.next_message()
    nothing_yet = _events(database)
    await organizer.press("Confirm")
    created = await organizer.next_message()

    assert text_of(busy).startswith("Kopir is very busy right now")
    assert (nothing_yet, text_of(created), len(_events(database))) == (
        [], "The event is created.", 1)


PROGRAMME_Q = "Does the event belong to a programme or project? Choose it, or None."


def _add_programmes(database, *names: str) -> None:
    from storage.org_models import Programme

    with database.uow() as uow:
        for name in names:
            uow.organizers.add_programme(Programme(name=name, created_at=datetime(2026, 11, 1,
                                                                                  tzinfo=UTC)))
        uow.commit()


async def test_newevent_asks_the_programme_when_there_are_programmes(bot_app, fake_api,
                                                                     database):
    _add_programmes(database, "Парасат жолы", "Өлке тұлғалары")
    # Up to the description, then the programme question comes before the time zone.
    organizer, question = await _open_form(fake_api, TIMEZONE)
    assert (text_of(question), buttons_of(question)) == (
        PROGRAMME_Q, [["Парасат жолы"], ["Өлке тұлғалары"], ["None"], ["« Back"]])

    # Back returns to the description; the programme is asked again after it.
    await organizer.press("« Back")
    await organizer.next_message()
    await organizer.press("Keep: Karaganda — Kyiv video-bridge")
    assert text_of(await organizer.next_message()) == PROGRAMME_Q
    await organizer.send("Парасат жолы")  # typed: the buttons are pointed to
    assert text_of(await organizer.next_message()) == "Please choose one of the buttons below."
    assert text_of(await organizer.next_message()) == PROGRAMME_Q
    assert text_of(await _act(organizer, "press", "Парасат жолы")) == TIMEZONE_Q
    for action, value in FORM[TIMEZONE:]:
        summary = await _act(organizer, action, value)
    assert "Programme: Парасат жолы" in text_of(summary).splitlines()

    await organizer.press("Confirm")
    await organizer.handled()
    [event] = _events(database)
    with database.uow() as uow:
        assert uow.organizers.programme(event.programme_id).name == "Парасат жолы"


async def test_newevent_programme_none_is_stored_as_none(bot_app, fake_api, database):
    _add_programmes(database, "Парасат жолы")
    organizer, _question = await _open_form(fake_api, TIMEZONE)
    assert text_of(await _act(organizer, "press", "None")) == TIMEZONE_Q
    for action, value in FORM[TIMEZONE:]:
        summary = await _act(organizer, action, value)
    assert "Programme: —" in text_of(summary).splitlines()
    await organizer.press("Confirm")
    await organizer.handled()
    [event] = _events(database)
    assert event.programme_id is None


async def test_newevent_without_programmes_does_not_ask_the_programme(bot_app, fake_api,
                                                                      database):
    _organizer, question = await _open_form(fake_api, TIMEZONE)
    assert text_of(question) == TIMEZONE_Q


@pytest.mark.parametrize(
    ("organizer_language", "event_language", "expected"),
    [
        ("kk", "Русский", "Атауын орыс тілінде жіберіңіз (200 таңбаға дейін)."),
        ("ru", "Қазақша", "Отправьте название на казахском языке (до 200 символов)."),
        ("uk", "English", "Надішліть назву англійською мовою (до 200 символів)."),
    ],
)
async def test_newevent_title_question_names_the_language_in_the_sentences_own_form(
    bot_app, fake_api, catalogs, organizer_language, event_language, expected
):
    t = catalogs.translator(organizer_language)
    organizer = await onboard(fake_api, ORGANIZER_ID, organizer_language)
    await organizer.send("/newevent")
    await organizer.next_message()
    await organizer.press(t.gettext("Video-bridge"))
    await organizer.next_message()

    await organizer.press(event_language)
    question = await organizer.next_message()

    assert text_of(question) == expected
