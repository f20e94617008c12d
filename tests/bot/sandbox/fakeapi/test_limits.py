"""Telegram's size limits, refused by the fake Bot API with Telegram's own error texts."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot.sandbox.fakeapi import FakeBotApi

USER_ID = 1002


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api():
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi):
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


async def started_user(api: FakeBotApi, bot: Bot):
    user = api.user(USER_ID)
    await user.send("/start")
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return user


def _button(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data=data)]])


async def test_send_message_of_4096_characters_is_delivered(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)

    await bot.send_message(USER_ID, "я" * 4096)

    assert len(user.last_message["text"]) == 4096


async def test_edit_to_4097_characters_is_refused_as_telegram_does(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)
    sent = await bot.send_message(USER_ID, "short")

    with pytest.raises(BadRequest) as refused:
        await bot.edit_message_text("я" * 4097, USER_ID, sent.message_id)

    assert refused.value.message == "Message_too_long"


async def test_caption_of_1025_characters_is_refused(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)

    with pytest.raises(BadRequest) as refused:
        await bot.send_document(USER_ID, b"%PDF-1.4", filename="a.pdf", caption="c" * 1025)

    assert refused.value.message == "Message caption is too long"


async def test_caption_of_1024_characters_is_delivered(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)

    await bot.send_document(USER_ID, b"%PDF-1.4", filename="a.pdf", caption="c" * 1024)

    assert len(user.last_message["caption"]) == 1024


@pytest.mark.parametrize("data", ["я" * 33, "x" * 65], ids=["66-bytes-cyrillic", "65-bytes"])
async def test_callback_data_over_64_bytes_is_refused(api: FakeBotApi, bot: Bot, data):
    await started_user(api, bot)

    with pytest.raises(BadRequest) as refused:
        await bot.send_message(USER_ID, "Pick", reply_markup=_button(data))

    assert refused.value.message == "Button_data_invalid"


async def test_callback_data_of_64_bytes_is_accepted(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)

    await bot.send_message(USER_ID, "Pick", reply_markup=_button("я" * 32))

    assert user.last_message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "я" * 32


async def test_callback_answer_over_200_characters_is_refused_and_can_be_retried(
    api: FakeBotApi, bot: Bot
):
    user = await started_user(api, bot)
    await bot.send_message(USER_ID, "Pick", reply_markup=_button("go"))
    query_id = await user.press("Go")

    with pytest.raises(BadRequest) as refused:
        await bot.answer_callback_query(query_id, text="a" * 201, show_alert=True)
    await bot.answer_callback_query(query_id, text="a" * 200, show_alert=True)

    assert (refused.value.message, user.callback_answers[-1].text) == (
        "Message_too_long", "a" * 200)


async def test_user_edit_reaches_the_bot_as_edited_message(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    sent = await user.send("Aru Sadykva")

    await user.edit(sent["message_id"], "Aru Sadykova")
    updates = await bot.get_updates(timeout=0)

    edited = updates[-1].edited_message
    assert (edited.message_id, edited.text, edited.edit_date is not None, updates[-1].message) == (
        sent["message_id"], "Aru Sadykova", True, None)
