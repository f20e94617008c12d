"""First contact, the language choice, help and unknown input, through the fake Bot API."""

import pytest

from bot.core.i18n import LANGUAGE_NAMES
from bot.core.latin import to_latin
from storage.models import User
from tests.conftest import ORGANIZER_ID, onboard
from tests.org_factories import make_library, make_organizer


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
        [["Қазақша"], ["Русский"], ["✓ Українська"], ["English"], ["Qazaqşa (latyn)"]],
    )


async def test_start_latin_kazakh_choice_answers_in_latin_letters(
    bot_app, fake_api, database, catalogs
):
    user = fake_api.user(110, first_name="Әлия", language_code="kk")
    await user.send("/start")
    await user.next_message()

    await user.press("Qazaqşa (latyn)")
    confirmation = await user.next_message()
    welcome = await user.next_message()
    await user.send("/frobnicate")
    hint = await user.next_message()

    kk = catalogs.translator("kk")
    with database.uow() as uow:
        stored = uow.users.get(110)
    # The reader's name is theirs: it stays as Telegram gives it.
    assert (stored.language, confirmation["text"], welcome["text"].split("\n")[0],
            hint["text"]) == (
        "kk_Latn",
        to_latin(kk.gettext("Language: {name}")).format(name="Qazaqşa (latyn)"),
        to_latin(kk.gettext(
            "Welcome, {name}! Kopir is the bridge between libraries: video-bridges, online "
            "conferences and contests with readers of other cities and countries.\n\n"
            "/events — upcoming events and registration\n"
            "/my — your registrations and join links\n"
            "/contests — essay and photo contests\n"
            "/myentries — your contest entries\n"
            "/jury — score contest entries (for jury members)\n"
            "/profile — your profile\n"
            "/language — change the language"
        )).format(name="Әлия").split("\n")[0],
        to_latin(kk.gettext("I do not know this command. Send /help to see what I can do.")),
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


async def test_commands_not_published_under_the_latin_kazakh_code(bot_app, fake_api):
    # Telegram's language_code is two letters: Latin Kazakh menus are set per chat.
    assert _commands(fake_api, "kk_Latn") == {}


@pytest.mark.http
async def test_latin_kazakh_choice_sets_chat_commands_in_latin_letters(
    bot_app_http, fake_api, catalogs
):
    await onboard(fake_api, 111, "kk_Latn")

    published = _commands(fake_api, scope={"type": "chat", "chat_id": 111})

    assert published["my"] == to_latin(catalogs.translator("kk").gettext("My registrations"))


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


def _organizer_of(database, user_id, language, *libraries):
    """An organizer of these libraries (by name), who speaks `language`."""
    make_organizer(database, user_id, *(make_library(database, name) for name in libraries))
    with database.uow() as uow:
        uow.users.get(user_id).language = language
        uow.commit()


async def test_help_for_an_organizer_in_ru_names_the_library_and_lists_the_commands(
    bot_app, fake_api, database, catalogs
):
    _organizer_of(database, 7301, "ru", "Библиотека им. Гоголя")
    ru = catalogs.translator("ru")
    user = fake_api.user(7301, first_name="Дана")

    await user.send("/help")
    reply = await user.next_message()

    organizer_part = reply["text"].split("\n\n")[-1].split("\n")
    assert organizer_part == [
        "Вы организатор библиотеки «Библиотека им. Гоголя».",
        "Ваши команды организатора:",
        "/newevent — " + ru.gettext("Create an event"),
        "/newcontest — " + ru.gettext("Create a contest"),
        "/results — " + ru.gettext("Contest results"),
        "/broadcast — " + ru.gettext("Send an announcement"),
        "/broadcasts — " + ru.gettext("Announcements and their figures"),
        "/report — " + ru.gettext("Report for a period: figures, charts, tables"),
        "/past — " + ru.gettext("Events that have taken place: who came, ratings, letters"),
    ]


async def test_welcome_for_an_organizer_in_kk_says_they_organize_for_their_libraries(
    bot_app, fake_api, database
):
    _organizer_of(database, 7302, "kk", "Жастар кітапханасы", "Абай кітапханасы")
    user = fake_api.user(7302, first_name="Аружан")

    await user.send("/start")
    reply = await user.next_message()

    assert reply["text"].split("\n\n")[-1].split("\n")[:2] == [
        "Сіз «Абай кітапханасы» және «Жастар кітапханасы» кітапханаларының "
        "ұйымдастырушысысыз.",
        "Ұйымдастырушы ретіндегі командаларыңыз:",
    ]


async def test_welcome_for_an_organizer_in_kk_latn_joins_the_libraries_in_latin_letters(
    bot_app, fake_api, database, catalogs
):
    _organizer_of(database, 7303, "kk_Latn", "Жастар кітапханасы", "Абай кітапханасы")
    user = fake_api.user(7303, first_name="Аружан")

    await user.send("/start")
    reply = await user.next_message()

    # The libraries' names are theirs; the words around them, "және" included, are Latin.
    assert reply["text"].split("\n\n")[-1].split("\n")[0] == to_latin(
        catalogs.translator("kk").ngettext(
            "You are an organizer of the library {libraries}.",
            "You are an organizer of the libraries {libraries}.", 2)
    ).format(libraries="«Абай кітапханасы» jäne «Жастар кітапханасы»")


async def test_help_for_an_admin_lists_the_organizers_command(bot_app, fake_api):
    user = await onboard(fake_api, ORGANIZER_ID, "en")

    await user.send("/help")
    reply = await user.next_message()

    assert (reply["text"].split("\n\n")[-1].split("\n")[0],
            reply["text"].split("\n")[-1]) == (
        "You are an administrator of Kopir: you manage every library's events and contests.",
        "/organizers — Libraries and their organizers",
    )


@pytest.mark.parametrize("language", ["ru", "kk"])
async def test_help_for_a_reader_has_no_organizer_part(
    bot_app, fake_api, catalogs, language
):
    user = await onboard(fake_api, 7303, language, first_name="Dana")
    t = catalogs.translator(language)

    await user.send("/help")
    reply = await user.next_message()

    assert reply["text"].split("\n")[-1] == t.gettext(
        "/mydata — what Kopir keeps about you\n/deleteme — erase your data").split("\n")[-1]
