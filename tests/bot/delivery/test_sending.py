"""One outgoing message as Telegram gets it: text, uploaded document, or a file Telegram
already holds, with its caption, formatting, button and paid flag."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden

from bot.delivery.sending import deliver
from bot.messages.outgoing import Outgoing
from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.bot.delivery.test_broadcasts import bare_bot, open_chats

READER = 501
BUTTON = InlineKeyboardMarkup([[InlineKeyboardButton("Open the event", callback_data="ev:card:3")]])


async def test_text_goes_with_its_button_and_formatting(fake_api):
    user = open_chats(fake_api, [READER])[READER]

    async with bare_bot(fake_api) as bot:
        message = await Outgoing("<b>Open</b> now", BUTTON, parse_mode="HTML").send(bot, READER)

    received = user.messages[-1]
    assert (text_of(received), buttons_of(received)) == ("Open now", [["Open the event"]])
    assert received["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert message.message_id == received["message_id"]
    call = fake_api.calls("sendMessage")[-1]
    assert "allow_paid_broadcast" not in call.params
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def test_uploaded_document_keeps_its_caption_and_file_name(fake_api):
    user = open_chats(fake_api, [READER])[READER]

    async with bare_bot(fake_api) as bot:
        await Outgoing("Your certificate", document=(b"%PDF-1.4", "Диплом.pdf")).send(bot, READER)

    received = user.messages[-1]
    assert (text_of(received), received["document"]["file_name"]) == (
        "Your certificate", "Диплом.pdf")
    assert fake_api.file_bytes(received["document"]["file_id"]) == b"%PDF-1.4"


async def test_files_telegram_holds_are_sent_by_id(fake_api):
    user = open_chats(fake_api, [READER])[READER]
    async with bare_bot(fake_api) as bot:
        first = await Outgoing("", document=(b"%PDF-1.4", "Programme.pdf")).send(bot, READER)
        photo = await bot.send_photo(READER, photo=PNG)

        await Outgoing("Programme", document_file_id=first.document.file_id).send(bot, READER)
        await Outgoing("<i>Poster</i>", photo_file_id=photo.photo[-1].file_id,
                       parse_mode="HTML").send(bot, READER, paid=True)

    document, poster = user.messages[-2:]
    assert (text_of(document), document["document"]["file_id"]) == (
        "Programme", first.document.file_id)
    assert (text_of(poster), poster["photo"][-1]["file_id"]) == (
        "Poster", photo.photo[-1].file_id)
    assert fake_api.calls("sendPhoto")[-1].params["allow_paid_broadcast"] is True


def test_one_message_carries_at_most_one_attachment():
    with pytest.raises(ValueError):
        Outgoing("Poster", photo_file_id="AAA", document_file_id="BBB")


# The smallest PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001"
    "0d0a2db40000000049454e44ae426082"
)


def outgoing_of(kind: str, photo_id: str, document_id: str) -> Outgoing:
    return {
        "formatted": Outgoing("<b>Open</b> now", BUTTON, parse_mode="HTML"),
        "plain": Outgoing("Plain & long " * 20),
        "photo": Outgoing("<i>Poster</i>", BUTTON, photo_file_id=photo_id, parse_mode="HTML"),
        "document": Outgoing("", document_file_id=document_id),
    }[kind]


@pytest.mark.parametrize("kind", ["formatted", "plain", "photo", "document"])
@pytest.mark.parametrize("paid", [False, True])
async def test_delivered_through_the_engine_client_as_ptb_would_send_it(fake_api, kind, paid):
    open_chats(fake_api, [READER])
    async with Bot(fake_api.token, base_url=fake_api.base_url) as ptb_bot:
        photo = await ptb_bot.send_photo(READER, photo=PNG)
        document = await ptb_bot.send_document(READER, document=b"%PDF-1.4", filename="a.pdf")
        outgoing = outgoing_of(kind, photo.photo[-1].file_id, document.document.file_id)
        async with bare_bot(fake_api) as engine_bot:
            delivered = await deliver(outgoing, engine_bot, READER, paid=paid)
        sent = await outgoing.send(ptb_bot, READER, paid=paid)

    fast, ptb = [call for call in fake_api.requests if call.method.startswith("send")][-2:]
    assert (fast.method, fast.params) == (ptb.method, ptb.params)
    assert (delivered, sent.message_id) == (sent.message_id - 1, sent.message_id)


async def test_delivered_to_a_blocked_reader_raises_as_ptb_does(fake_api):
    open_chats(fake_api, [READER])[READER].blocked = True

    async with bare_bot(fake_api) as bot:
        with pytest.raises(Forbidden):
            await deliver(Outgoing("Hello"), bot, READER)
