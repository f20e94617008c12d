"""Times as people read and type them: zones named by their city in the reader's language,
"your time" only when it is the reader's, dates typed day first ("21.12.2026 15:00")."""

from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.conftest import ORGANIZER_ID, onboard
from tests.contest_factories import make_reader
from tests.factories import make_event

READER = 7301


async def _zone_question(fake_api, catalogs, language: str):
    """An organizer writing in `language` fills /newevent up to the time-zone question."""
    t = catalogs.translator(language)
    organizer = await onboard(fake_api, ORGANIZER_ID, language)
    await organizer.send("/newevent")
    await organizer.next_message()
    for action, value in [("press", t.gettext("Video-bridge")), ("press", "Русский"),
                          ("send", "Модель будущего"), ("press", t.gettext("Continue")),
                          ("send", "Видеомост Караганда — Киев")]:
        if action == "press":
            await organizer.press(value)
        else:
            await organizer.send(value)
        question = await organizer.next_message()
    return organizer, question


async def _set_zone(database, user_id: int, zone: str) -> None:
    with database.uow() as uow:
        uow.users.get(user_id).timezone = zone
        uow.commit()


async def test_newevent_zone_buttons_name_cities_in_kazakh(bot_app, fake_api, catalogs):
    _organizer, question = await _zone_question(fake_api, catalogs, "kk")

    keyboard = question["reply_markup"]["inline_keyboard"]
    assert (text_of(question), buttons_of(question)[:4]) == (
        "Басталу уақытын қай қаланың уақытымен көрсетесіз? Біреуін таңдаңыз немесе басқа "
        "қаланы (Қарағанды, Киев) жіберіңіз.",
        [["Алматы"], ["Киев"], ["Мәскеу"], ["Минск"]],
    )
    # The button shows the city; what it sends is still the zone's identifier.
    assert keyboard[0][0]["callback_data"].endswith("Asia/Almaty")


async def test_newevent_start_prompt_in_kazakh_names_the_city_and_the_typed_form(
    bot_app, fake_api, catalogs
):
    organizer, _question = await _zone_question(fake_api, catalogs, "kk")

    await organizer.press("Алматы")
    prompt = await organizer.next_message()

    assert text_of(prompt) == (
        "Қашан басталады? Күні мен уақытын жіберіңіз (Алматы уақыты), мысалы: 06.12.2026 15:00"
    )


async def test_newevent_start_prompt_in_russian_names_the_city_and_the_typed_form(
    bot_app, fake_api, catalogs
):
    organizer, _question = await _zone_question(fake_api, catalogs, "ru")

    await organizer.press("Киев")
    prompt = await organizer.next_message()

    assert text_of(prompt) == (
        "Когда начало? Отправьте дату и время (часовой пояс: Киев), например: 06.12.2026 15:00"
    )


async def test_newevent_start_typed_day_first_with_a_comma_is_read_in_ukrainian(
    bot_app, fake_api, catalogs
):
    uk = catalogs.translator("uk")
    organizer, _question = await _zone_question(fake_api, catalogs, "uk")
    await organizer.press("Київ")
    await organizer.next_message()

    await organizer.send("05.12.2026, 15:00")
    duration = await organizer.next_message()
    await organizer.press(uk.gettext("« Back"))
    start_again = await organizer.next_message()

    assert text_of(duration) == uk.gettext(
        "How long will it last? Send minutes (90) or hours and minutes (1h30m).")
    kept = "5 грудня 2026\u202fр., 15:00 (часовий пояс: Київ)"
    assert buttons_of(start_again)[0] == [uk.gettext("Keep: {value}").format(value=kept)]


async def test_event_card_without_a_profile_names_the_city_in_ukrainian(
    bot_app, fake_api, database
):
    user = await onboard(fake_api, READER, "uk")
    event = make_event(database, titles={"uk": "Модель майбутнього"}, language="uk")

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()

    assert "🕒 25 листопада 2026\u202fр., 09:00 (часовий пояс: Алмати)" in text_of(card).split("\n")


async def test_event_card_with_a_profile_says_your_time_in_ukrainian(bot_app, fake_api, database):
    user = await onboard(fake_api, READER, "uk")
    await _set_zone(database, READER, "Europe/Kyiv")
    event = make_event(database, titles={"uk": "Модель майбутнього"}, language="uk")

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()

    assert "🕒 25 листопада 2026\u202fр., 06:00 (за вашим часом)" in text_of(card).split("\n")


async def test_event_card_without_a_profile_names_the_city_in_kazakh(bot_app, fake_api, database):
    user = await onboard(fake_api, READER, "kk")
    event = make_event(database, titles={"kk": "Болашақ үлгісі"}, language="kk")

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()

    assert "🕒 25 қараша 2026 ж., 09:00 (Алматы уақыты)" in text_of(card).split("\n")


async def test_mydata_names_the_time_zone_by_its_city_in_kazakh(bot_app, fake_api, database):
    user = await onboard(fake_api, READER, "kk")
    make_reader(database, READER, language="kk", city="Moscow")
    await _set_zone(database, READER, "Europe/Moscow")

    await user.send("/mydata")
    shown = await user.next_message()

    assert text_of(shown).split("\n\n")[1] == (
        f"Telegram ID: {READER}\nТіл: Қазақша\nУақыт белдеуі: Мәскеу"
    )


async def test_registration_without_a_known_zone_names_the_city_in_russian(
    bot_app, fake_api, database, catalogs
):
    # A profile whose city gave no time zone: the time is the bot's default zone, not theirs.
    ru = catalogs.translator("ru")
    user = await onboard(fake_api, READER, "ru")
    make_reader(database, READER, language="ru", city="Хромтау")
    event = make_event(database, titles={"ru": "Модель будущего"}, language="ru")
    await user.send(f"/start event_{event.id}")
    await user.next_message()

    await user.press(ru.gettext("Register"))
    _card, confirmed, _calendar = [await user.next_message() for _ in range(3)]

    assert text_of(confirmed).split("\n")[1] == (
        "Начало: 25 ноября 2026\u202fг., 09:00 (часовой пояс: Алматы)."
    )


async def test_newcontest_weights_with_a_decimal_comma_are_read_and_shown_in_russian(
    bot_app, fake_api, catalogs
):
    ru = catalogs.translator("ru")
    organizer = await onboard(fake_api, ORGANIZER_ID, "ru")
    await organizer.send("/newcontest")
    await organizer.next_message()
    for action, value in [
        ("press", ru.gettext("Essay contest")), ("press", "Русский"),
        ("send", "Мы кочуем навстречу себе"), ("press", ru.gettext("Continue")),
        ("send", "Узнаваясь в другом"), ("send", "Эссе до 5 страниц."),
        ("send", "Карагандинская областная юношеская библиотека"), ("press", "Алматы"),
        ("press", ru.gettext("Now")), ("send", "31.01.2027, 23:59"),
        ("press", ru.gettext("Default: {value}").format(value="15–19")),
        ("press", ru.gettext("The closing date ({day})").format(day="31 января 2027\u202fг.")),
        ("press", ru.gettext("Done")),
        ("press", ru.gettext("Default: {value}").format(value="5")),
        ("press", ru.gettext("Default: {value}").format(value="1")),
        ("send", "Оригинальность 0,7"),
    ]:
        if action == "press":
            await organizer.press(value)
        else:
            await organizer.send(value)
        await organizer.next_message()

    await organizer.send("Язык 0,4")
    refusal = await organizer.next_message()

    assert text_of(refusal) == (
        "Сумма весов стала бы равна 1,1, а это больше 1: отправьте этот критерий ещё раз с "
        "меньшим весом."
    )
