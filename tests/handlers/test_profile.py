"""The profile questions and /profile, end to end through the fake Bot API."""

from datetime import date

from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.conftest import onboard
from tests.factories import NOW, make_event

NAME_Q = "What is your full name (first name and surname)?"
BIRTH_Q = "What is your date of birth? For example: 25.04.2010"
COUNTRY_Q = "Which country do you live in?"
CITY_Q = "Which city or town do you live in?"
LIBRARY_Q = "Which library or school are you from?"
ANSWERS = ("Aru Sadykova", "14.03.2009", "Kazakhstan", "Karaganda", "Youth library No. 2")


def profile_row(database, user_id):
    with database.uow() as uow:
        user = uow.users.get(user_id)
        return (user.full_name, user.birth_date, user.country, user.city, user.library,
                user.consent_at)


async def answer_questions(user, answers=ANSWERS) -> dict:
    """Send the five answers; returns the consent question."""
    for text in answers:
        await user.send(text)
        reply = await user.next_message()
    return reply


def reprompt(t, error: str, question: str, **params) -> str:
    return t.gettext(error).format(**params) + "\n\n" + t.gettext(question)


async def test_profile_without_profile_offers_to_fill_it_in(bot_app, fake_api, catalogs):
    user = await onboard(fake_api, 301, "en")
    t = catalogs.translator("en")

    await user.send("/profile")
    reply = await user.next_message()

    assert (text_of(reply), buttons_of(reply)) == (
        t.gettext(
            "You have no profile yet. It is asked once, before your first registration; "
            "you can also fill it in now."
        ),
        [[t.gettext("Fill in my profile")]],
    )


async def test_profile_filled_in_with_consent_is_saved_and_shown(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 302, "en")
    t = catalogs.translator("en")
    await user.send("/profile")
    await user.next_message()
    await user.press(t.gettext("Fill in my profile"))
    first = await user.next_message()

    consent = await answer_questions(user)
    await user.press(t.gettext("Yes, I agree"))
    await user.next_message()  # the consent buttons are removed
    saved = await user.next_message()
    await user.send("/profile")
    shown = await user.next_message()

    assert text_of(first) == t.gettext(
        "Let us fill in your profile: five short questions, asked only once. Send "
        "/cancel to stop at any moment: nothing is stored until you agree."
    ) + "\n\n" + t.gettext(NAME_Q)
    assert buttons_of(consent) == [[t.gettext("Yes, I agree"), t.gettext("No")],
                                   [t.gettext("Correct an answer")]]
    assert text_of(saved) == t.gettext("Thank you! Your profile is saved.")
    assert profile_row(database, 302) == (
        "Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Karaganda", "Youth library No. 2", NOW
    )
    assert text_of(shown) == t.gettext(
        "Your profile:\n\n"
        "Name: {name}\nDate of birth: {birth_date}\nCountry: {country}\nCity: {city}\n"
        "Library or school: {library}\n\nYou agreed that we keep these data on {consent_date}."
    ).format(name="Aru Sadykova", birth_date=t.date(date(2009, 3, 14)), country="Kazakhstan",
             city="Karaganda", library="Youth library No. 2", consent_date=t.date(NOW.date()))


async def test_profile_bad_answers_are_explained_and_asked_again(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 303, "en")
    event = make_event(database)
    t = catalogs.translator("en")
    await user.send(f"/start event_{event.id}")
    await user.next_message()
    await user.press(t.gettext("Register"))
    await user.next_message()

    replies = []
    for step in ("   ", "x" * 201, "photo", "Aru Sadykova", "sticker", "2009/03/14",
                 "01.01.2023", "01.01.1896", "23.11.2026", "14.03.2009", "K", "K" * 201):
        if step == "photo":
            await user.send_photo()
        elif step == "sticker":
            await user.send_sticker()
        else:
            await user.send(step)
        replies.append(text_of(await user.next_message()))
    await user.send("/cancel")
    cancelled = await user.next_message()

    assert replies == [
        reprompt(t, "Please write your full name.", NAME_Q),
        reprompt(t, "The name is too long ({length} characters); at most {max}, please.", NAME_Q,
                 length=201, max=200),
        reprompt(t, "Please answer with a text message.", NAME_Q),
        t.gettext(BIRTH_Q),
        reprompt(t, "Please answer with a text message.", BIRTH_Q),
        reprompt(t, "I could not read this date. Please write it as DD.MM.YYYY, for example "
                    "25.04.2010.", BIRTH_Q),
        reprompt(t, "This date makes you younger than {min} years. Please check the year.",
                 BIRTH_Q, min=5),
        reprompt(t, "This date makes you older than {max} years. Please check the year.",
                 BIRTH_Q, max=100),
        reprompt(t, "This date is in the future. Please check your date of birth.", BIRTH_Q),
        t.gettext(COUNTRY_Q),
        reprompt(t, "This is too short: at least {min} characters, please.", COUNTRY_Q, min=2),
        reprompt(t, "This is too long ({length} characters); at most {max}, please.", COUNTRY_Q,
                 length=201, max=200),
    ]
    assert text_of(cancelled) == t.gettext("The questions are cancelled; nothing was saved.")
    assert profile_row(database, 303) == (None, None, None, None, None, None)


async def test_profile_consent_question_wants_a_button(bot_app, fake_api, catalogs):
    user = await onboard(fake_api, 304, "en")
    t = catalogs.translator("en")
    await user.send("/profile")
    await user.next_message()
    await user.press(t.gettext("Fill in my profile"))
    await user.next_message()
    await answer_questions(user)

    await user.send("yes")
    reply = await user.next_message()

    assert text_of(reply) == t.gettext(
        "Please answer with the buttons above: «Yes, I agree» or «No». Send /cancel to stop."
    )


async def test_profile_edit_without_consent_keeps_the_old_profile(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 305, "en")
    t = catalogs.translator("en")
    await user.send("/profile")
    await user.next_message()
    await user.press(t.gettext("Fill in my profile"))
    await user.next_message()
    await answer_questions(user)
    await user.press(t.gettext("Yes, I agree"))
    await user.handled()
    user.drain()
    await user.send("/profile")
    await user.next_message()

    await user.press(t.gettext("Edit"))
    await user.next_message()
    await answer_questions(user, ("Aru Ivanova", "15.03.2009", "Ukraine", "Kyiv", "School 7"))
    await user.press(t.gettext("No"))
    await user.next_message()  # buttons removed
    refused = await user.next_message()

    assert (text_of(refused), profile_row(database, 305)[:2]) == (
        t.gettext("Your answers were not saved; your profile stays as it was."),
        ("Aru Sadykova", date(2009, 3, 14)),
    )


async def test_profile_old_consent_button_after_cancel_answers_with_alert(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 306, "en")
    t = catalogs.translator("en")
    await user.send("/profile")
    await user.next_message()
    await user.press(t.gettext("Fill in my profile"))
    await user.next_message()
    await answer_questions(user)
    await user.send("/cancel")
    await user.next_message()

    query_id = await user.press(t.gettext("Yes, I agree"))
    alert = await user.wait_callback_answer(query_id)

    assert ((alert.text, alert.show_alert), profile_row(database, 306)[0]) == (
        (t.gettext("These questions are over. Send /profile to see or edit your profile."), True),
        None,
    )



async def test_profile_consent_says_how_a_winners_name_may_be_shown(bot_app, fake_api):
    user = await onboard(fake_api, 303, "en")
    await user.send("/profile")
    await user.next_message()
    await user.press("Fill in my profile")
    await user.next_message()

    consent = await answer_questions(user)

    assert text_of(consent) == (
        "Please check your answers:\n\n"
        "Name: Aru Sadykova\nDate of birth: 14 March 2009\nCountry: Kazakhstan\n"
        "City: Karaganda\nLibrary or school: Youth library No. 2\n\n"
        "Do you agree that Kopir keeps these data to register you for events and contests and "
        "shows them to the organizers? If you win a contest, your name may appear in the "
        "winners list sent to the contest's participants, as its organizer chooses: your full "
        "name, your first name and initial, or only your entry's code. If you are under 18, "
        "please ask a parent first. Without your consent nothing is stored.")


async def _to_the_summary(user, t, answers=ANSWERS):
    await user.send("/profile")
    await user.next_message()
    await user.press(t.gettext("Fill in my profile"))
    await user.next_message()
    return await answer_questions(user, answers)


async def test_profile_correct_an_answer_in_ru_asks_only_that_question_again(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 311, "ru")
    ru = catalogs.translator("ru")
    summary = await _to_the_summary(user, ru)

    await user.press("Исправить ответ")
    picker = await user.next_message()
    await user.press("Город")
    await user.next_message()  # the picker's buttons are removed
    question = await user.next_message()
    await user.send("Алматы")
    corrected = await user.next_message()
    await user.press(ru.gettext("Yes, I agree"))
    await user.handled()

    assert (picker["message_id"], text_of(picker), buttons_of(picker)) == (
        summary["message_id"], text_of(summary),
        [["Имя и фамилия"], ["Дата рождения"], ["Страна"], ["Город"], ["Библиотека или школа"],
         ["« Назад"]],
    )
    assert (text_of(question), text_of(corrected), buttons_of(corrected)) == (
        ru.gettext(CITY_Q),
        text_of(summary).replace("Karaganda", "Алматы"),
        buttons_of(summary),
    )
    assert profile_row(database, 311)[:5] == (
        "Aru Sadykova", date(2009, 3, 14), "Kazakhstan", "Алматы", "Youth library No. 2")


async def test_profile_correct_an_answer_in_kk_back_brings_the_consent_buttons_again(
    bot_app, fake_api, catalogs
):
    user = await onboard(fake_api, 312, "kk")
    kk = catalogs.translator("kk")
    summary = await _to_the_summary(user, kk)
    await user.press("Жауапты түзету")
    await user.next_message()

    await user.press(kk.gettext("« Back"))
    restored = await user.next_message()

    assert (buttons_of(summary)[-1], buttons_of(restored)) == (
        ["Жауапты түзету"], buttons_of(summary))


async def test_profile_corrected_birth_date_in_kk_is_checked_like_the_first_answer(
    bot_app, fake_api, catalogs
):
    user = await onboard(fake_api, 313, "kk")
    kk = catalogs.translator("kk")
    await _to_the_summary(user, kk)
    await user.press("Жауапты түзету")
    await user.next_message()
    await user.press("Туған күні")
    await user.next_message()
    await user.next_message()

    await user.send("2009/03/14")
    refused = await user.next_message()
    await user.send("15.03.2009")
    corrected = await user.next_message()

    assert (text_of(refused).split("\n\n")[-1], text_of(corrected).split("\n")[3]) == (
        kk.gettext(BIRTH_Q),
        kk.gettext("Date of birth") + ": " + kk.date(date(2009, 3, 15)),
    )


async def test_profile_fill_in_in_uk_without_a_profile_does_not_say_update(
    bot_app, fake_api, catalogs
):
    user = await onboard(fake_api, 314, "uk")
    await user.send("/profile")
    offer = await user.next_message()

    await user.press("Заповнити профіль")
    first = await user.next_message()

    assert (buttons_of(offer), text_of(first).split("\n\n")[0]) == (
        [["Заповнити профіль"]],
        "Заповнімо ваш профіль: п’ять коротких запитань, які ставляться лише один раз. "
        "Надішліть /cancel, щоб зупинитися будь-якої миті: без вашої згоди нічого не "
        "зберігається.",
    )
