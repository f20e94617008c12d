"""/report end to end through the real Application and the fake Bot API."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.sandbox.fakeapi.users import FakeUser, buttons_of, text_of
from tests.conftest import ORGANIZER_ID, onboard
from tests.report_factories import ORGANIZER_X, seed_report

STEM = "report-2026-07-01-2026-09-30"
PERIOD_BUTTONS = [["This quarter", "Last quarter"], ["9 months of this year"],
                  ["This year", "Last year"], ["Two dates…"]]
ONLY_ORGANIZERS = "Only organizers can do this."


@pytest.fixture
async def admin(bot_app, fake_api) -> FakeUser:
    return await onboard(fake_api, ORGANIZER_ID, "en")


async def messages_until_idle(user: FakeUser) -> list[dict]:
    await user.handled()
    await user.wait_idle()
    return [event.message for event in user.drain()]


async def test_report_last_quarter_sends_paragraph_charts_and_files(admin, database, fake_api):
    seed_report(database)
    await admin.send("/report")
    menu = await admin.next_message()

    await admin.press("Last quarter")
    sent = await messages_until_idle(admin)

    assert (text_of(menu), buttons_of(menu)) == ("Report: choose the period.", PERIOD_BUTTONS)
    assert text_of(sent[0]) == (
        "In Q3 2026, 4 events were held (of them 2 video-bridges, 2 online conferences) with a "
        "reach of 7 people, including 3 children and teenagers under 18; participants from 3 "
        "countries.")
    assert [("photo" in m, m.get("document", {}).get("file_name")) for m in sent[1:]] == [
        # Charts: months, ages, libraries, programmes; then the workbook and the CSV.
        (True, None), (True, None), (True, None), (True, None),
        (False, f"{STEM}.xlsx"), (False, f"{STEM}.csv")]
    book = load_workbook(io.BytesIO(fake_api.file_bytes(sent[5]["document"]["file_id"])))
    assert book["Summary"]["B3"].value == 4


async def test_report_for_two_typed_dates_covers_the_organizers_library(bot_app, fake_api,
                                                                      database):
    seed_report(database)
    with database.uow() as uow:  # the organizer made by seed_report reads Russian
        uow.users.get(ORGANIZER_X).language = "ru"
        uow.commit()
    organizer = fake_api.user(ORGANIZER_X)
    await organizer.send("/report")
    await organizer.next_message()
    await organizer.press("Две даты…")
    asked = await organizer.next_message()

    await organizer.send("30.09.2026–01.07.2026")
    wrong_order = await organizer.next_message()
    await organizer.send("01.07.2026–30.09.2026")
    sent = await messages_until_idle(organizer)

    assert text_of(asked).startswith("Введите первый и последний день периода")
    assert text_of(wrong_order) == "Первая дата позже второй. Пожалуйста, введите их по порядку."
    assert text_of(sent[0]) == (
        "С 01.07.2026 по 30.09.2026 проведено 3 мероприятия (из них 2 видеомоста, "
        "1 онлайн-конференция) с охватом 5 человек, в том числе 3 ребёнка или подростка до 18 "
        "лет; участники из 3 стран.")
    assert [m["document"]["file_name"] for m in sent if "document" in m] == [
        f"{STEM}.xlsx", f"{STEM}.csv"]


async def test_report_for_a_period_with_nothing_says_so_without_charts(admin, database):
    seed_report(database)
    await admin.send("/report")
    await admin.next_message()

    await admin.press("Last year")
    sent = await messages_until_idle(admin)

    assert [text_of(m) for m in sent] == [
        "No events were held in this period: there is nothing to report yet."]


async def test_report_is_refused_to_readers(bot_app, fake_api, database):
    reader = await onboard(fake_api, 501, "en")

    await reader.send("/report")
    refused = await reader.next_message()
    message_id = reader.messages[-1]["message_id"]
    query = await reader.press_data(message_id, "rp:y")
    answer = await reader.wait_callback_answer(query)

    assert (text_of(refused), answer.text, answer.show_alert) == (ONLY_ORGANIZERS,
                                                                 ONLY_ORGANIZERS, True)
    assert await messages_until_idle(reader) == []
