"""Several conversations waiting for typed answers at once, and conversations left unanswered."""


from sqlmodel import select

from bot.sandbox.fakeapi.users import buttons_of, text_of
from storage.models import Event
from tests.conftest import ORGANIZER_ID, onboard, time_out_conversations
from tests.factories import make_event
from tests.handlers.test_newevent import KIND_Q, STRAY, TITLE_Q
from tests.handlers.test_profile import BIRTH_Q, NAME_Q, answer_questions, profile_row

TRANSLATIONS_Q = ("Readers see the title in their own language when there is one. "
                  "Add the title in another language?")
DESCRIPTION_Q = "Send a short description (up to 2000 characters), or skip this step."
RESUMED = ("Let us go on with the profile questions. Nothing is stored until you agree; send "
           "/cancel to stop.")



def _events(database) -> list[Event]:
    with database.uow() as uow:
        return list(uow.session.exec(select(Event)).all())


async def _organizer_leaves_the_profile_questions(fake_api, database):
    """The organizer presses Register (no profile yet), then sends /newevent instead."""
    event = make_event(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(f"/start event_{event.id}")
    await organizer.next_message()
    await organizer.press("Register")
    await organizer.next_message()
    await organizer.send("/newevent")
    kind = await organizer.next_message()
    return organizer, kind


async def test_flows_newevent_after_abandoned_profile_takes_the_typed_answers(
    bot_app, fake_api, database
):
    organizer, kind = await _organizer_leaves_the_profile_questions(fake_api, database)

    await organizer.press("Video-bridge")
    await organizer.next_message()
    await organizer.press("Русский")
    title = await organizer.next_message()
    await organizer.send("Модель будущего")
    after_title = await organizer.next_message()

    assert [text_of(m) for m in (kind, title, after_title)] == [KIND_Q, TITLE_Q, TRANSLATIONS_Q]
    assert profile_row(database, ORGANIZER_ID) == (None, None, None, None, None, None)


async def test_flows_register_resumes_the_abandoned_profile_and_the_form_stays_resumable(
    bot_app, fake_api, database
):
    organizer, _kind = await _organizer_leaves_the_profile_questions(fake_api, database)
    for label in ("Video-bridge", "Русский"):
        await organizer.press(label)
        await organizer.next_message()

    await organizer.press("Register")
    resumed = await organizer.next_message()
    await organizer.send("Aru Sadykova")
    birth = await organizer.next_message()
    await organizer.press("« Back")  # a button of the dormant /newevent form resumes it
    language = await organizer.next_message()
    await organizer.press("✓ Русский")
    await organizer.next_message()
    await organizer.send("Модель будущего")
    after_title = await organizer.next_message()

    assert [text_of(m) for m in (resumed, birth, language, after_title)] == [
        RESUMED + "\n\n" + NAME_Q,
        BIRTH_Q,
        "Which language will the event be held in?",
        TRANSLATIONS_Q,
    ]


async def test_flows_cancel_stops_the_current_flow_then_the_dormant_one(
    bot_app, fake_api, database
):
    organizer, _kind = await _organizer_leaves_the_profile_questions(fake_api, database)

    await organizer.send("/cancel")
    first = await organizer.next_message()
    await organizer.send("/cancel")
    second = await organizer.next_message()
    await organizer.send("Aru Sadykova")
    after = await organizer.next_message()

    assert [text_of(m) for m in (first, second, after)] == [
        "The new event is cancelled; nothing was saved.",
        "The questions are cancelled; nothing was saved.",
        STRAY,
    ]


async def test_flows_profile_left_unanswered_times_out_with_nothing_saved(
    bot_app, fake_api, database
):
    event = make_event(database)
    reader = await onboard(fake_api, 8201, "en")
    await reader.send(f"/start event_{event.id}")
    await reader.next_message()
    await reader.press("Register")
    await reader.next_message()
    await answer_questions(reader)

    await time_out_conversations(bot_app, fake_api)
    closed = await reader.next_message()
    await reader.send("yes")
    after = await reader.next_message()
    query_id = await reader.press("Yes, I agree")
    alert = await reader.wait_callback_answer(query_id)

    assert (text_of(closed), buttons_of(closed)) == (
        "The profile questions were closed because they had no answer for a long time. "
        "Nothing was saved. You can start again whenever you like.",
        [["Start again"]],
    )
    assert (text_of(after), alert.text) == (
        STRAY, "These questions are over. Send /profile to see or edit your profile.",
    )
    assert profile_row(database, 8201) == (None, None, None, None, None, None)


async def test_flows_newevent_left_unanswered_times_out_with_nothing_saved(
    bot_app, fake_api, database
):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newevent")
    await organizer.next_message()
    await organizer.press("Video-bridge")
    await organizer.next_message()

    await time_out_conversations(bot_app, fake_api)
    closed = await organizer.next_message()
    await organizer.send("Модель будущего")
    after = await organizer.next_message()

    assert [text_of(closed), text_of(after)] == [
        "The new event form was closed because it had no answer for a long time. Nothing "
        "was saved. Send /newevent to start again.",
        STRAY,
    ]
    assert _events(database) == []


async def test_flows_event_edit_left_unanswered_times_out_with_nothing_changed(
    bot_app, fake_api, database
):
    event = make_event(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(f"/start event_{event.id}")
    await organizer.next_message()
    await organizer.press("Edit")
    await organizer.next_message()
    await organizer.press("Change link")
    await organizer.next_message()

    await time_out_conversations(bot_app, fake_api)
    closed = await organizer.next_message()
    await organizer.send("https://meet.example.org/kopir")
    after = await organizer.next_message()

    assert [text_of(closed), text_of(after)] == [
        "The event change was closed because it had no answer for a long time. Nothing was "
        "saved. Open the event card to change it again.",
        STRAY,
    ]
    assert [e.link for e in _events(database)] == ["https://zoom.us/j/123456789"]
