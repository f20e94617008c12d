"""How the contest card, /results and Freeze speak to organizers (issue 13): the names of
the buttons they are sent to, why an entry is not ranked, and what freezing leaves unranked."""

from __future__ import annotations

from datetime import date, timedelta

from bot.sandbox.fakeapi.users import FakeUser, buttons_of, text_of
from tests.conftest import ORGANIZER_ID, onboard
from tests.contest_factories import make_contest, make_reader
from tests.result_factories import CLOSES_AT, DANA, make_entry, small_contest

TITLE = "We roam towards ourselves"


async def _card(user: FakeUser, contest_id: int) -> dict:
    await user.send(f"/start contest_{contest_id}")
    return await user.next_message()


def _needing(database, jurors: int):
    """The small contest (`small_contest`), with `jurors` needed per entry instead of 2."""
    made = small_contest(database)
    with database.uow() as uow:
        uow.contests.get(made.contest.id).min_jurors = jurors
        uow.commit()
    return made


async def _preview(user: FakeUser) -> dict:
    """/results, then the only contest's button: the preview message."""
    await user.send("/results")
    listing = await user.next_message()
    await user.press(buttons_of(listing)[0][0])
    return await user.next_message()


def _unranked(preview: dict) -> list[str]:
    return [line for line in text_of(preview).splitlines() if line.startswith("•")]


async def test_contest_card_close_button_says_close_submissions_in_kazakh(
    bot_app, fake_api, database
):
    contest = make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "kk")

    card = await _card(organizer, contest.id)

    assert buttons_of(card)[2] == ["Нәтижелер", "Қабылдауды жабу"]


async def test_contest_card_close_button_says_close_submissions_in_english(
    bot_app, fake_api, database
):
    contest = make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")

    card = await _card(organizer, contest.id)

    assert buttons_of(card)[2] == ["Results", "Close submissions"]


async def test_freeze_while_open_points_to_close_submissions_in_russian(
    bot_app, fake_api, database
):
    small_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "ru")
    await _preview(organizer)

    query = await organizer.press("Зафиксировать")
    alert = await organizer.wait_callback_answer(query)

    assert (alert.text, alert.show_alert) == (
        "Приём работ ещё открыт. Сначала закройте его: нажмите «Закрыть приём работ» в "
        "карточке конкурса в /contests.", True)


async def test_results_preview_explains_too_few_jurors_in_english(bot_app, fake_api, database):
    small_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")

    preview = await _preview(organizer)

    assert _unranked(preview) == [
        "• E-004 «Ауыл» — 5 (spread 0) — scored by 1 juror, at least 2 needed"]


async def test_results_preview_explains_too_few_jurors_in_ukrainian(bot_app, fake_api, database):
    small_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "uk")

    preview = await _preview(organizer)

    assert _unranked(preview) == [
        "• E-004 «Ауыл» — 5 (розкид 0) — оцінив 1 член журі, потрібно щонайменше 2"]


async def test_results_preview_explains_every_unranked_entry_in_russian(
    bot_app, fake_api, database
):
    _needing(database, 3)
    organizer = await onboard(fake_api, ORGANIZER_ID, "ru")

    preview = await _preview(organizer)

    assert _unranked(preview) == [
        "• E-001 «Steppe wind» — 8,35 (разброс 0,35) — оценили 2 члена жюри, нужно не менее 3",
        "• E-003 «Home» — 8,35 (разброс 0,35) — оценили 2 члена жюри, нужно не менее 3",
        "• E-004 «Ауыл» — 5 (разброс 0) — оценил 1 член жюри, нужно не менее 3",
        "• E-002 «Дніпро» — 6,5 (разброс 0,5) — оценили 2 члена жюри, нужно не менее 3",
    ]


async def test_results_preview_explains_an_unscored_entry_in_kazakh(
    bot_app, fake_api, database
):
    made = small_contest(database)
    make_reader(database, 505, full_name="Айгүл Нұрланқызы", country="Kazakhstan")
    make_entry(database, made.contest, 505, 5, "Дала")
    organizer = await onboard(fake_api, ORGANIZER_ID, "kk")

    preview = await _preview(organizer)

    assert _unranked(preview)[1] == "• E-005 «Дала» — әлі бағаланбаған, кемінде 2 қазы керек"


async def test_freeze_question_warns_of_unranked_entries_in_kazakh(
    bot_app, fake_api, database, clock
):
    small_contest(database)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    organizer = await onboard(fake_api, ORGANIZER_ID, "kk")
    await _preview(organizer)

    await organizer.press("Бекіту")
    question = await organizer.next_message()

    assert text_of(question).split("\n\n")[1] == (
        "1 жұмыс рейтингке енбей қалады: оны бағалаған қазылар саны қажетті саннан (2) аз. "
        "Оны рейтингке енгізу үшін нәтижелерді бекітпес бұрын қазылар алқасынан бағалауды сұраңыз.")


async def test_freeze_question_warns_of_unranked_entries_in_russian(
    bot_app, fake_api, database, clock
):
    _needing(database, 3)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    organizer = await onboard(fake_api, ORGANIZER_ID, "ru")
    await _preview(organizer)

    await organizer.press("Зафиксировать")
    question = await organizer.next_message()

    assert text_of(question).split("\n\n")[1] == (
        "4 работы останутся без места: их оценило меньше членов жюри, чем нужно (3). Чтобы они "
        "получили место, попросите жюри оценить их до фиксации результатов.")


async def test_freeze_question_warns_of_ineligible_entries_in_ukrainian(
    bot_app, fake_api, database, clock
):
    made = _needing(database, 1)
    # Dana's profile now says she was born too early for the contest's ages.
    make_reader(database, DANA[0], full_name=DANA[2], birth_date=date(2000, 1, 1))
    clock.set(CLOSES_AT + timedelta(minutes=1))
    organizer = await onboard(fake_api, ORGANIZER_ID, "uk")
    await _preview(organizer)

    await organizer.press("Зафіксувати")
    question = await organizer.next_message()

    assert (text_of(question).split("\n\n")[1], made.entries["E-003"].user_id) == (
        "1 робота залишиться поза рейтингом: її автор більше не відповідає умовам конкурсу "
        "(вік, країна або команда).", DANA[0])


async def test_freeze_question_without_unranked_entries_has_no_warning(
    bot_app, fake_api, database, clock
):
    _needing(database, 1)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await _preview(organizer)

    await organizer.press("Freeze")
    question = await organizer.next_message()

    assert text_of(question) == (
        f"Freeze the results of «{TITLE}»? The jury is locked and the places in the preview "
        "become final.")
