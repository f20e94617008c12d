"""The fake Bot API, exercised over real HTTP by PTB's own Bot and Application."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest
from telegram import (
    Bot,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MessageEntity,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.ext import Application, CommandHandler, ContextTypes

from bot.sandbox.fakeapi import FakeBotApi, button_data, buttons_of, text_of

USER_ID = 1001


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22 warns (an error here) when RetryAfter is built with int periods unless opted in.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def api():
    async with FakeBotApi() as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotApi):
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as client:
        yield client


def keyboard(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=f"pick:{label}") for label in labels]]
    )


async def started_user(api: FakeBotApi, bot: Bot, user_id: int = USER_ID):
    """A user who has opened the chat, with their /start already consumed by the bot."""
    user = api.user(user_id)
    await user.send("/start")
    updates = await bot.get_updates(timeout=0)
    await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return user


async def test_get_me_returns_bot_identity(bot: Bot):
    me = await bot.get_me()

    assert (me.id, me.is_bot, me.first_name, me.username) == (123456, True, "Kopir", "kopir_bot")


async def test_get_updates_delivers_command_with_bot_command_entity(api: FakeBotApi, bot: Bot):
    user = api.user(USER_ID, first_name="Aru", language_code="kk")
    await user.send("/join@kopir_bot 42")

    updates = await bot.get_updates(timeout=0)

    message = updates[0].message
    assert message.text == "/join@kopir_bot 42"
    assert message.entities == (MessageEntity(MessageEntity.BOT_COMMAND, 0, 15),)
    assert (message.chat.id, message.chat.type) == (USER_ID, "private")
    assert (message.from_user.first_name, message.from_user.language_code) == ("Aru", "kk")


async def test_press_produces_callback_query_with_button_data(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    sent = await bot.send_message(USER_ID, "Choose", reply_markup=keyboard("Yes", "No"))

    query_id = await user.press("No")
    updates = await bot.get_updates(timeout=0)

    query = updates[-1].callback_query
    assert isinstance(query, CallbackQuery)
    assert (query.id, query.data, query.message.message_id) == (
        query_id,
        "pick:No",
        sent.message_id,
    )
    assert buttons_of(user.last_message) == [["Yes", "No"]]


async def test_press_unknown_button_lists_available_buttons(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    await bot.send_message(USER_ID, "Choose", reply_markup=keyboard("Yes"))

    with pytest.raises(AssertionError, match=r"\[\['Yes'\]\]"):
        await user.press("Maybe")


async def test_answer_callback_query_records_alert(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    await bot.send_message(USER_ID, "Choose", reply_markup=keyboard("Yes"))
    query_id = await user.press("Yes")

    await bot.answer_callback_query(query_id, text="Saved", show_alert=True)

    answer = await user.wait_callback_answer(query_id)
    assert (answer.text, answer.show_alert) == ("Saved", True)


async def test_edit_message_text_updates_user_view(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    sent = await bot.send_message(USER_ID, "Draft", reply_markup=keyboard("Ok"))

    await bot.edit_message_text("<b>Final</b>", USER_ID, sent.message_id, parse_mode="HTML")

    assert [text_of(m) for m in user.messages] == ["Final"]
    assert user.messages[0]["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert buttons_of(user.messages[0]) == []  # an edit without reply_markup drops it
    assert [event.kind for event in user.drain()] == ["sent", "edited"]


async def test_edit_message_text_identical_raises_bad_request(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)
    sent = await bot.send_message(USER_ID, "Same", reply_markup=keyboard("Ok"))

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Same", USER_ID, sent.message_id, reply_markup=keyboard("Ok"))


async def test_send_message_with_bad_html_raises_bad_request(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)

    with pytest.raises(BadRequest, match='unsupported start tag "br"'):
        await bot.send_message(USER_ID, "a<br>b", parse_mode="HTML")


async def test_send_message_too_long_raises_bad_request(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)

    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER_ID, "я" * 4097)


async def test_reply_keyboard_is_shown_to_user(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)

    await bot.send_message(USER_ID, "Language?", reply_markup=ReplyKeyboardMarkup([["Қазақша"]]))
    sent = await user.press_reply("Қазақша")

    assert (user.reply_keyboard, sent["text"]) == ([["Қазақша"]], "Қазақша")


async def test_send_document_is_downloadable_via_get_file(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    sent = await bot.send_document(USER_ID, b"%PDF-1.4 certificate", filename="cert.pdf")

    file = await bot.get_file(sent.document.file_id)
    content = await file.download_as_bytearray()

    assert content == bytearray(b"%PDF-1.4 certificate")
    assert (sent.document.file_name, sent.document.mime_type) == ("cert.pdf", "application/pdf")
    assert user.last_message["document"]["file_size"] == 20


async def test_send_photo_by_file_id_reuses_stored_photo(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    uploaded = await user.send_photo(caption="poster")
    file_id = uploaded["photo"][-1]["file_id"]

    sent = await bot.send_photo(USER_ID, file_id, caption="Got it")

    assert (sent.photo[-1].file_id, sent.caption) == (file_id, "Got it")
    assert (sent.photo[-1].width, sent.photo[-1].height) == (2, 2)


async def test_user_document_is_downloadable_by_bot(api: FakeBotApi, bot: Bot):
    user = api.user(USER_ID)
    await user.send_document(b"name,score\nAru,10\n", "scores.csv", "text/csv")
    document = (await bot.get_updates(timeout=0))[0].message.document

    file = await bot.get_file(document.file_id)

    assert await file.download_as_bytearray() == bytearray(b"name,score\nAru,10\n")
    assert (document.file_name, document.mime_type, document.file_size) == (
        "scores.csv",
        "text/csv",
        18,
    )


async def test_fail_next_429_raises_retry_after(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)
    api.fail_next("sendMessage", retry_after=7)

    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(USER_ID, "Hello")

    assert raised.value.retry_after == dt.timedelta(seconds=7)
    assert api.calls("sendMessage")[-1].status == 429


async def test_blocked_user_send_raises_forbidden(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    user.blocked = True

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER_ID, "Hello")


async def test_block_notifies_bot_with_my_chat_member(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)

    await user.block()
    update = (await bot.get_updates(timeout=0))[-1]

    assert update.my_chat_member.new_chat_member.status == "kicked"


async def test_never_started_chat_raises_chat_not_found(api: FakeBotApi, bot: Bot):
    api.user(2002)  # known to the test, but never wrote to the bot

    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(2002, "Hello")


async def test_enforce_limits_rejects_second_message_within_second():
    async with (
        FakeBotApi(enforce_limits=True) as limited,
        Bot(limited.token, base_url=limited.base_url) as limited_bot,
    ):
        await limited.user(USER_ID).send("/start")
        await limited_bot.send_message(USER_ID, "one")

        with pytest.raises(RetryAfter) as raised:
            await limited_bot.send_message(USER_ID, "two")

    assert raised.value.retry_after == dt.timedelta(seconds=1)


async def test_long_poll_returns_promptly_when_update_queued(api: FakeBotApi, bot: Bot):
    user = api.user(USER_ID)
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.05)
    started = time.monotonic()

    await user.send("hello")
    updates = await poll

    assert time.monotonic() - started < 1.0
    assert [u.message.text for u in updates] == ["hello"]


async def test_get_updates_offset_confirms_previous_updates(api: FakeBotApi, bot: Bot):
    user = api.user(USER_ID)
    await user.send("one")
    await user.send("two")
    first = await bot.get_updates(timeout=0)

    rest = await bot.get_updates(offset=first[0].update_id + 1, timeout=0)

    assert [u.message.text for u in rest] == ["two"]


async def test_drop_connection_raises_network_error(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    api.drop_connection_next("sendMessage")

    with pytest.raises(NetworkError):
        await bot.send_message(USER_ID, "lost")

    assert user.messages == []


async def test_delay_next_times_out_but_delivers(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    api.delay_next("sendMessage", 2.0)

    with pytest.raises(TimedOut):
        await bot.send_message(USER_ID, "slow", read_timeout=0.2)

    assert text_of(await user.next_message(timeout=1)) == "slow"


async def test_next_message_timeout_reports_failed_calls(api: FakeBotApi, bot: Bot):
    user = await started_user(api, bot)
    with pytest.raises(BadRequest):
        await bot.send_message(USER_ID, "1.5", parse_mode="MarkdownV2")

    with pytest.raises(AssertionError, match="sendMessage -> 400"):
        await user.next_message(timeout=0.05)


async def test_set_my_commands_is_stored_per_language(api: FakeBotApi, bot: Bot):
    await bot.set_my_commands([("start", "Бастау")], language_code="kk")
    await bot.set_my_commands([("start", "Начать")], language_code="ru")

    commands = await bot.get_my_commands(language_code="kk")

    assert [(c.command, c.description) for c in commands] == [("start", "Бастау")]
    assert api.commands_for("ru") == [{"command": "start", "description": "Начать"}]


async def test_wrong_token_is_rejected(api: FakeBotApi):
    stranger = Bot("999:WRONG", base_url=api.base_url)

    with pytest.raises(InvalidToken):
        async with stranger:  # initialize() calls getMe
            pass

    assert (api.requests[-1].method, api.requests[-1].status) == ("getMe", 401)


async def test_application_polling_answers_command(api: FakeBotApi):
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(
            "Сәлем!", reply_markup=keyboard("Join"), do_quote=True
        )

    app = (
        Application.builder()
        .token(api.token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    user = api.user(USER_ID)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=5)
        await user.send("/start")
        reply = await user.next_message()
        await app.updater.stop()
        await app.stop()

    assert (text_of(reply), button_data(reply, "Join")) == ("Сәлем!", "pick:Join")
    assert reply["reply_to_message"]["text"] == "/start"


async def test_subscribe_sees_sent_and_edited_messages(api: FakeBotApi, bot: Bot):
    await started_user(api, bot)
    seen: list[tuple[int, str, str]] = []
    api.subscribe(lambda chat_id, kind, payload: seen.append((chat_id, kind, text_of(payload))))

    sent = await bot.send_message(USER_ID, "one")
    await bot.edit_message_text("two", USER_ID, sent.message_id)

    assert seen == [(USER_ID, "sent", "one"), (USER_ID, "edited", "two")]
