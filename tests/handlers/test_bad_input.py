"""Bad input answered clearly through the real Application: forged buttons, impossible dates,
names without letters."""

import pytest

from bot.fakeapi.users import text_of
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
