"""First contact, the language choice, help and unknown input, through the fake Bot API."""

import pytest

from bot.core.i18n import LANGUAGE_NAMES
from storage.models import User
from tests.conftest import ORGANIZER_ID, onboard


def _commands(fake_api, language_code="", scope=None):
    listed = fake_api.commands_for(language_code, scope=scope)
    return {command["command"]: command["description"] for command in listed}


def _buttons(message):
    return [[b["text"] for b in row] for row in message["reply_markup"]["inline_keyboard"]]


@pytest.mark.http
async def test_start_asks_language_with_telegram_language_preselected(
    bot_app_http, fake_api, catalogs
):
    user = fake_api.user(101, language_code="uk")

    await user.send("/start")
    picker = await user.next_message()

    assert (picker["text"], _buttons(picker)) == (
        catalogs.translator("uk").gettext("Hello! Choose your language:"),
        [["Қазақша"], ["Русский"], ["✓ Українська"], ["English"]],
    )


async def test_start_language_choice_is_stored_and_welcome_is_in_that_language(
    bot_app, fake_api, database, catalogs
):
    user = fake_api.user(102, first_name="Aigerim", language_code="ru")
    await user.send("/start")
    await user.next_message()

    await user.press(LANGUAGE_NAMES["kk"])
    confirmation = await user.next_message()
    welcome = await user.next_message()

    kk = catalogs.translator("kk")
    with database.uow() as uow:
        stored = uow.users.get(102)
    assert (stored.language, confirmation["text"], welcome["text"].split("\n")[0]) == (
        "kk",
        kk.gettext("Language: {name}").format(name="Қазақша"),
        kk.gettext(
            "Welcome, {name}! Kopir is the bridge between libraries: video-bridges, online "
            "conferences and contests with readers of other cities and countries.\n\n"
            "/events — upcoming events and registration\n"
            "/my — your registrations and join links\n"
            "/contests — essay and photo contests\n"
            "/myentries — your contest entries\n"
            "/jury — score contest entries (for jury members)\n"
            "/profile — your profile\n"
            "/language — change the language"
        ).format(name="Aigerim").split("\n")[0],
    )


async def test_start_second_time_does_not_ask_language_again(bot_app, fake_api, catalogs):
    user = await onboard(fake_api, 103, "en")

    await user.send("/start")
    reply = await user.next_message()

    assert "reply_markup" not in reply or reply["reply_markup"] is None
    assert reply["text"].startswith("Welcome, Aru!")


async def test_language_command_changes_language(bot_app, fake_api, database):
    user = await onboard(fake_api, 104, "en")

    await user.send("/language")
    await user.next_message()
    await user.press(LANGUAGE_NAMES["uk"])
    await user.handled()

    with database.uow() as uow:
        assert uow.users.get(104).language == "uk"


@pytest.mark.http
async def test_language_choice_sets_chat_commands_in_chosen_language(
    bot_app_http, fake_api, catalogs
):
    await onboard(fake_api, 105, "ru")

    published = _commands(fake_api, scope={"type": "chat", "chat_id": 105})

    assert published["events"] == catalogs.translator("ru").gettext(
        "Upcoming video-bridges and conferences"
    )


async def test_commands_published_for_every_language(bot_app, fake_api, catalogs):
    for code in ("kk", "ru", "uk", "en"):
        published = _commands(fake_api, code)
        assert published["my"] == catalogs.translator(code).gettext("My registrations")


async def test_organizer_chat_commands_include_newevent(bot_app, fake_api):
    await onboard(fake_api, ORGANIZER_ID, "en")

    published = _commands(fake_api, scope={"type": "chat", "chat_id": ORGANIZER_ID})

    assert published["newevent"] == "Create an event"


async def test_unknown_command_gets_localized_hint(bot_app, fake_api, catalogs):
    user = await onboard(fake_api, 106, "en")

    await user.send("/frobnicate")
    reply = await user.next_message()

    assert reply["text"] == "I do not know this command. Send /help to see what I can do."


@pytest.mark.http
async def test_photo_out_of_context_gets_a_way_forward(bot_app_http, fake_api):
    user = await onboard(fake_api, 107, "en")

    await user.send_photo()
    reply = await user.next_message()

    assert reply["text"] == (
        "I did not ask for anything just now. Send /events to see upcoming events or /help."
    )


async def test_start_user_row_created_on_first_contact_without_the_name(
    bot_app, fake_api, database
):
    user = fake_api.user(108, first_name="Dana")

    await user.send("/start")
    await user.next_message()

    with database.uow() as uow:
        stored: User = uow.users.get(108)
    # Before consent only the Telegram id and (once chosen) the language are kept.
    assert (stored.first_name, stored.language, stored.full_name) == ("", None, None)


async def test_help_greets_by_the_telegram_first_name_of_the_moment(bot_app, fake_api):
    user = await onboard(fake_api, 109, "en", first_name="Dana")
    user.first_name = "Dana-Aru"

    await user.send("/help")
    reply = await user.next_message()

    assert (reply["text"].split("\n")[0], reply["text"].split("\n")[-2:]) == (
        "Welcome, Dana-Aru! Kopir is the bridge between libraries: video-bridges, online "
        "conferences and contests with readers of other cities and countries.",
        ["/mydata — what Kopir keeps about you", "/deleteme — erase your data"],
    )
