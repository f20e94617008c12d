"""Private chats only: in groups and channels the bot points to the private chat and
otherwise stays silent, through the fake Bot API."""

import logging

import pytest

from bot.sandbox.fakeapi import buttons_of, text_of
from tests.conftest import ORGANIZER_ID, onboard
from tests.factories import make_event, make_readers

GROUP_ID = -1001234567890
CHANNEL_ID = -1009876543210
WRITE_PRIVATELY = (
    "I work only in a private chat, so that nothing personal is shown to others here. "
    "Please write to me privately: press the button below."
)
BOT_URL = "https://t.me/kopir_bot"


def _url_buttons(message):
    markup = message.get("reply_markup") or {}
    return [[(b["text"], b.get("url")) for b in row] for row in markup.get("inline_keyboard", [])]


async def test_profile_in_group_gets_only_write_privately_with_button(bot_app, fake_api, database):
    make_readers(database, [301])
    member = fake_api.user(301, language_code="en")
    group = fake_api.group(GROUP_ID)

    sent = await group.send_from(member, "/profile")
    reply = await group.next_message()
    # Another command: its answer comes next only if nothing else was posted for /profile.
    second = await group.send_from(member, "/my@kopir_bot")
    second_reply = await group.next_message()

    assert (
        reply["text"],
        _url_buttons(reply),
        reply["reply_to_message"]["message_id"],
        second_reply["reply_to_message"]["message_id"],
        second_reply["text"],
    ) == (
        WRITE_PRIVATELY,
        [[("Write to Kopir privately", BOT_URL)]],
        sent["message_id"],
        second["message_id"],
        WRITE_PRIVATELY,
    )
    assert not any("Sadykova" in text_of(m) or "2009" in text_of(m) for m in group.messages)


async def test_group_command_is_answered_in_the_members_telegram_language(
    bot_app, fake_api, catalogs
):
    member = fake_api.user(302, language_code="uk")
    group = fake_api.group(GROUP_ID)

    await group.send_from(member, "/events")
    reply = await group.next_message()

    uk = catalogs.translator("uk")
    assert (reply["text"], buttons_of(reply)) == (
        uk.gettext(WRITE_PRIVATELY),
        [[uk.gettext("Write to Kopir privately")]],
    )


async def test_group_command_stores_nothing_about_the_member(bot_app, fake_api, database):
    member = fake_api.user(303, language_code="en")
    group = fake_api.group(GROUP_ID)

    await group.send_from(member, "/start")
    await group.next_message()

    with database.reading() as uow:
        assert uow.users.get(303) is None


async def test_plain_group_message_gets_no_answer(bot_app, fake_api):
    member = fake_api.user(304, language_code="en")
    group = fake_api.group(GROUP_ID)

    await group.send_from(member, "Hello everyone, who is coming to the video-bridge?")
    await group.send_from(member, "/help@other_bot")
    command = await group.send_from(member, "/help")
    reply = await group.next_message()

    # The first message of the bot in the group answers the last of the three.
    assert (reply["reply_to_message"]["message_id"], len(group.messages)) == (
        command["message_id"],
        1,
    )


async def test_start_with_deep_link_in_group_links_to_the_same_deep_link(bot_app, fake_api):
    member = fake_api.user(305, language_code="en")
    group = fake_api.group(GROUP_ID, chat_type="group")

    await group.send_from(member, "/start@kopir_bot event_12")
    reply = await group.next_message()

    assert (reply["text"], _url_buttons(reply)) == (
        WRITE_PRIVATELY,
        [[("Write to Kopir privately", f"{BOT_URL}?start=event_12")]],
    )


async def test_start_in_group_without_payload_links_to_the_private_chat(bot_app, fake_api):
    member = fake_api.user(306, language_code="en")
    group = fake_api.group(GROUP_ID)

    await group.send_from(member, "/start")
    reply = await group.next_message()

    assert _url_buttons(reply) == [[("Write to Kopir privately", BOT_URL)]]


@pytest.mark.http
async def test_button_pressed_in_group_gets_a_pop_up_only(bot_app_http, fake_api, database):
    event = make_event(database)
    await onboard(fake_api, ORGANIZER_ID, "en")
    organizer = fake_api.user(ORGANIZER_ID)
    group = fake_api.group(GROUP_ID)
    await group.send_from(organizer, "/events")
    card = await group.next_message()

    query_id = await group.press_data_from(organizer, card["message_id"], f"org:regs:{event.id}")
    answer = await group.wait_callback_answer(query_id)
    # The next command's answer is the next message: the press posted nothing.
    await group.send_from(organizer, "/help")
    after = await group.next_message()

    assert (answer.text, answer.show_alert, after["text"], len(group.messages)) == (
        "Please write to me privately.",
        False,
        WRITE_PRIVATELY,
        2,
    )


async def test_channel_post_gets_no_answer_and_no_error(bot_app, fake_api, caplog):
    subscriber = fake_api.user(307, language_code="en")
    channel = fake_api.group(CHANNEL_ID, title="Library news", chat_type="channel")
    await channel.add_bot(subscriber)

    await channel.post("Our video-bridge starts on Friday.")
    post = await channel.post("/profile")
    # Updates of one chat are handled in order: the press is answered after both posts.
    query_id = await channel.press_data_from(subscriber, post["message_id"], "event:1")
    answer = await channel.wait_callback_answer(query_id)

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (answer.text, channel.messages, fake_api.calls(chat_id=CHANNEL_ID), errors) == (
        "Please write to me privately.",
        [],
        [],
        [],
    )


async def test_bot_added_to_group_stays_silent_and_answers_commands(bot_app, fake_api, caplog):
    member = fake_api.user(308, language_code="en")
    group = fake_api.group(GROUP_ID)

    await group.add_bot(member)
    command = await group.send_from(member, "/help")
    reply = await group.next_message()

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert (reply["reply_to_message"]["message_id"], len(group.messages), errors) == (
        command["message_id"],
        1,
        [],
    )


async def test_private_chat_still_works_after_group_use(bot_app, fake_api):
    group = fake_api.group(GROUP_ID)
    member = fake_api.user(309, language_code="en")
    await group.send_from(member, "/start")
    await group.next_message()

    reader = await onboard(fake_api, 309, "en")
    await reader.send("/help")
    reply = await reader.next_message()

    assert WRITE_PRIVATELY not in reply["text"]
