"""Group chats and channels in the fake Bot API, exercised over HTTP by PTB's own Bot."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.sandbox.fakeapi import FakeBotApi

GROUP_ID = -1001000000001
CHANNEL_ID = -1001000000002


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


async def test_member_message_in_group_comes_from_member_in_group_chat(api: FakeBotApi, bot: Bot):
    member = api.user(1001, first_name="Aru", language_code="en")
    group = api.group(GROUP_ID, title="Readers' club", chat_type="group")

    await group.send_from(member, "/profile@kopir_bot")
    message = (await bot.get_updates(timeout=0))[0].message

    assert (
        message.chat.id, message.chat.type, message.chat.title, message.from_user.id,
        message.entities[0].type,
    ) == (GROUP_ID, "group", "Readers' club", 1001, "bot_command")


async def test_bot_message_in_group_is_seen_by_the_group(api: FakeBotApi, bot: Bot):
    group = api.group(GROUP_ID)

    await bot.send_message(GROUP_ID, "Hello, club")
    seen = await group.next_message()

    assert (seen["text"], seen["chat"]["type"], [m["text"] for m in group.messages]) == (
        "Hello, club", "supergroup", ["Hello, club"]
    )


async def test_channel_post_has_sender_chat_and_no_user(api: FakeBotApi, bot: Bot):
    channel = api.group(CHANNEL_ID, title="Library news", chat_type="channel")

    await channel.post("News of the week")
    update = (await bot.get_updates(timeout=0))[0]

    assert (
        update.channel_post.text, update.channel_post.sender_chat.id,
        update.channel_post.from_user, update.effective_user, update.effective_chat.type,
    ) == ("News of the week", CHANNEL_ID, None, None, "channel")


async def test_press_in_group_is_answered_on_the_group(api: FakeBotApi, bot: Bot):
    member = api.user(1002, language_code="en")
    group = api.group(GROUP_ID)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Go", callback_data="go")]])
    await bot.send_message(GROUP_ID, "Choose", reply_markup=markup)

    query_id = await group.press_from(member, "Go")
    query = (await bot.get_updates(timeout=0))[0].callback_query
    await query.answer("Done")
    answer = await group.wait_callback_answer(query_id)

    assert (query.from_user.id, query.message.chat.id, query.data, answer.text) == (
        1002, GROUP_ID, "go", "Done"
    )


async def test_add_bot_pushes_my_chat_member_for_the_group(api: FakeBotApi, bot: Bot):
    member = api.user(1003, language_code="en")
    group = api.group(GROUP_ID)

    await group.add_bot(member)
    change = (await bot.get_updates(timeout=0))[0].my_chat_member

    assert (change.chat.id, change.from_user.id, change.old_chat_member.status,
            change.new_chat_member.status) == (GROUP_ID, 1003, "left", "member")


async def test_bot_added_to_channel_is_an_administrator(api: FakeBotApi, bot: Bot):
    member = api.user(1004, language_code="en")
    channel = api.group(CHANNEL_ID, chat_type="channel")

    await channel.add_bot(member)
    change = (await bot.get_updates(timeout=0))[0].my_chat_member

    assert change.new_chat_member.status == "administrator"
