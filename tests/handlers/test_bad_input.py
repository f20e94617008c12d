"""Bad input answered clearly through the real Application: forged buttons, impossible dates,
names without letters."""

import pytest

from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.conftest import ORGANIZER_ID, onboard
from tests.factories import make_event

UNKNOWN_BUTTON = "This button is no longer valid. Send /help to see what I can do."
STALE = "This button is out of date: the event no longer exists or has changed."
BIRTH_Q = "What is your date of birth? For example: 25.04.2010"
NAME_Q = "What is your full name (first name and surname)?"
NO_LETTERS = ("A name is written in letters: please write your full name, for example "
              "Aigerim Serikova.")
TWENTY_DIGITS = "12345678901234567890"


async def _listing(fake_api, user_id: int, language: str = "en"):
    user = await onboard(fake_api, user_id, language)
    await user.send("/events")
    return user, await user.next_message()


@pytest.mark.parametrize("data", ["zz:1", "unknown", "ev", ":", "x" * 64])
async def test_unknown_callback_prefix_is_answered_as_no_longer_valid(bot_app, fake_api, data):
    user, listing = await _listing(fake_api, 401)

    query_id = await user.press_data(listing["message_id"], data)
    alert = await user.wait_callback_answer(query_id)

    assert (alert.text, alert.show_alert) == (UNKNOWN_BUTTON, True)


@pytest.mark.parametrize("data", [f"ev:card:{TWENTY_DIGITS}", f"ev:reg:{TWENTY_DIGITS}",
                                  f"reg:cancel:{TWENTY_DIGITS}", f"jr:c:{TWENTY_DIGITS}",
                                  f"ct:card:{TWENTY_DIGITS}", f"en:wd:{TWENTY_DIGITS}"])
async def test_callback_with_twenty_digit_number_is_answered(bot_app, fake_api, data):
    user, listing = await _listing(fake_api, 402)

    query_id = await user.press_data(listing["message_id"], data)
    alert = await user.wait_callback_answer(query_id)

    assert alert.show_alert is True
    assert alert.text


@pytest.mark.parametrize("data", [f"org:edit:{TWENTY_DIGITS}", f"ct:jury:{TWENTY_DIGITS}",
                                  f"bs:pause:{TWENTY_DIGITS}", f"rs:freeze:{TWENTY_DIGITS}"])
async def test_organizer_callback_with_twenty_digit_number_is_answered(bot_app, fake_api, data):
    organizer, listing = await _listing(fake_api, ORGANIZER_ID)

    query_id = await organizer.press_data(listing["message_id"], data)
    alert = await organizer.wait_callback_answer(query_id)

    assert alert.show_alert is True
    assert alert.text


async def test_event_card_callback_with_twenty_digits_is_stale(bot_app, fake_api):
    user, listing = await _listing(fake_api, 403)

    query_id = await user.press_data(listing["message_id"], f"ev:card:{TWENTY_DIGITS}")
    alert = await user.wait_callback_answer(query_id)

    assert (alert.text, alert.show_alert) == (STALE, True)


async def _at_question(fake_api, database, catalogs, user_id: int, answers: tuple[str, ...]):
    user = await onboard(fake_api, user_id, "en")
    event = make_event(database)
    t = catalogs.translator("en")
    await user.send(f"/start event_{event.id}")
    await user.next_message()
    await user.press(t.gettext("Register"))
    await user.next_message()
    for text in answers:
        await user.send(text)
        await user.next_message()
    return user


async def test_profile_birth_date_31_february_is_named(bot_app, fake_api, database, catalogs):
    user = await _at_question(fake_api, database, catalogs, 404, ("Aru Sadykova",))

    await user.send("31.02.2009")
    reply = await user.next_message()

    assert text_of(reply) == ("There is no 31 February: 31.02.2009 is not a date.\n\n"
                              + BIRTH_Q)


@pytest.mark.parametrize("name", ["\u200b\u200b", "--", "12", "🙂🙂"],
                         ids=["zero-width-spaces", "dashes", "digits", "emoji"])
async def test_profile_name_without_letters_is_refused(
    bot_app, fake_api, database, catalogs, name
):
    user = await _at_question(fake_api, database, catalogs, 405, ())

    await user.send(name)
    reply = await user.next_message()
    await user.send("Aru Sadykova")
    moved_on = await user.next_message()

    assert (text_of(reply), text_of(moved_on)) == (NO_LETTERS + "\n\n" + NAME_Q, BIRTH_Q)


# --- edited messages -------------------------------------------------------------------------

EDITS_NOT_READ = ("I do not read edited messages: your answer stays as you first sent it. "
                  "Please send any correction as a new message.")
KIND_Q = "New event. What kind of event is it?\n\nSend /cancel at any time to stop."
TITLE_Q = "Send the title in Russian (up to 200 characters)."
CONSENT_BUTTONS = ("Please answer with the buttons above: «Yes, I agree» or «No». Send /cancel "
                   "to stop.")


async def test_profile_answer_edited_is_not_read_and_current_question_is_asked_again(
    bot_app, fake_api, database, catalogs
):
    user = await _at_question(fake_api, database, catalogs, 406, ())
    sent = await user.send("Aru Sadykva")
    await user.next_message()  # the birth date question

    await user.edit(sent["message_id"], "Aru Sadykova")
    reply = await user.next_message()
    await user.send("14.03.2009")
    moved_on = await user.next_message()

    assert (text_of(reply), text_of(moved_on)) == (
        EDITS_NOT_READ + "\n\n" + BIRTH_Q, "Which country do you live in?")


async def test_profile_answer_edited_at_consent_points_to_the_buttons(
    bot_app, fake_api, database, catalogs
):
    answers = ("Aru Sadykova", "14.03.2009", "Kazakhstan", "Karaganda")
    user = await _at_question(fake_api, database, catalogs, 407, answers)
    sent = await user.send("Youth library")
    await user.next_message()  # the consent question

    await user.edit(sent["message_id"], "Youth library No. 2")
    replies = [await user.next_message(), await user.next_message()]

    assert [text_of(reply) for reply in replies] == [EDITS_NOT_READ, CONSENT_BUTTONS]


@pytest.mark.http
async def test_edited_message_outside_any_questions_gets_no_answer(bot_app_http, fake_api):
    user = await onboard(fake_api, 408, "en")
    sent = await user.send("/help")
    help_before = await user.next_message()

    await user.edit(sent["message_id"], "hello again")
    await user.send("/help")
    next_reply = await user.next_message()

    assert text_of(next_reply) == text_of(help_before)


async def test_newevent_answer_edited_is_not_read_and_question_is_asked_again(
    bot_app, fake_api, database
):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newevent")
    await organizer.next_message()
    await organizer.press("Video-bridge")
    await organizer.next_message()
    await organizer.press("Русский")
    await organizer.next_message()  # the title question
    sent = await organizer.send("Модель будушего")
    await organizer.next_message()  # the translations menu

    await organizer.edit(sent["message_id"], "Модель будущего")
    notice = await organizer.next_message()
    asked = await organizer.next_message()
    await organizer.press("« Back")
    title_again = await organizer.next_message()

    assert (text_of(notice), buttons_of(asked)[-2:], text_of(title_again)) == (
        EDITS_NOT_READ, [["Continue"], ["« Back"]], TITLE_Q)
    assert buttons_of(title_again)[0] == ["Keep: Модель будушего"]


# --- malformed callback data -----------------------------------------------------------------


async def test_newevent_value_button_at_a_menu_asks_the_menu_again(bot_app, fake_api):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newevent")
    await organizer.next_message()
    await organizer.press("Video-bridge")
    await organizer.next_message()
    await organizer.press("Русский")
    await organizer.next_message()
    await organizer.send("Модель будущего")
    menu = await organizer.next_message()

    query_id = await organizer.press_data(menu["message_id"], "nf:tr:v:x")
    alert = await organizer.wait_callback_answer(query_id)
    again = await organizer.next_message()

    assert (alert.text, text_of(again), buttons_of(again)) == (
        None, text_of(menu), buttons_of(menu))


@pytest.mark.parametrize(("command", "data"), [
    ("/newevent", "nf:"), ("/newevent", "nf:kind"), ("/newevent", "nf::v"),
    ("/newcontest", "nc:"), ("/newcontest", "nc:kind"), ("/newcontest", "nc::v"),
    ("/broadcast", "bc:"), ("/broadcast", "bc:msg"), ("/broadcast", "bc::v"),
])
async def test_form_malformed_button_data_is_no_longer_valid(bot_app, fake_api, command, data):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send(command)
    question = await organizer.next_message()

    query_id = await organizer.press_data(question["message_id"], data)
    alert = await organizer.wait_callback_answer(query_id)

    assert (alert.text, alert.show_alert) == (UNKNOWN_BUTTON, True)


@pytest.mark.parametrize("data", ["my:page:", "my:page:-1", f"my:page:{TWENTY_DIGITS}",
                                  "ev:partners:x", f"ev:partners:{TWENTY_DIGITS}",
                                  "reg:cancel:1:my:x"])
async def test_reader_malformed_list_buttons_are_answered(bot_app, fake_api, data):
    user, listing = await _listing(fake_api, 409)

    query_id = await user.press_data(listing["message_id"], data)
    alert = await user.wait_callback_answer(query_id)

    assert (alert.show_alert, bool(alert.text)) == (True, True)
