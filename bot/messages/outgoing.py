"""One outgoing message: text, photo or document, as a renderer builds it.

Renderers (reminders, notices, contest results, broadcasts) build an `Outgoing`;
the delivery engine paces it and sends it (`bot.delivery.sending.deliver`); a preview
is sent with `send`. One `Outgoing` is one Telegram request,
so one outbox row is one message: a caption never goes out without its photo
or document, and a retry repeats the pair whole.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions, Message

# As PTB encodes it: the parameter is a JSON object, its text the value.
_NO_PREVIEW = json.dumps(LinkPreviewOptions(is_disabled=True).to_dict())


@dataclass(frozen=True)
class Outgoing:
    """What one recipient gets.

    At most one attachment: `document` (content, file name) uploaded now,
    or a `photo_file_id` / `document_file_id` Telegram already holds (a broadcast
    uploads its file once, then reuses the id for every recipient). With an
    attachment, `text` is its caption. `parse_mode` is None for plain text
    (reminders and notices) or "HTML" for organizers' formatted broadcasts.
    """

    text: str
    markup: InlineKeyboardMarkup | None = None
    document: tuple[bytes, str] | None = None
    photo_file_id: str | None = None
    document_file_id: str | None = None
    parse_mode: str | None = None

    def __post_init__(self) -> None:
        attachments = [self.document, self.photo_file_id, self.document_file_id]
        if sum(item is not None for item in attachments) > 1:
            raise ValueError("an outgoing message carries at most one attachment")

    @cached_property
    def forms(self) -> tuple[tuple[str, bytes], tuple[str, bytes]]:
        """(method, url-encoded parameters but the chat) without and with `paid`."""
        params: dict[str, str] = {}
        if self.markup is not None:
            params["reply_markup"] = json.dumps(self.markup.to_dict())
        if self.parse_mode is not None:
            params["parse_mode"] = self.parse_mode
        if self.photo_file_id is not None:
            method, params["photo"] = "sendPhoto", self.photo_file_id
        elif self.document_file_id is not None:
            method, params["document"] = "sendDocument", self.document_file_id
        else:
            method, params["text"], params["link_preview_options"] = (
                "sendMessage", self.text, _NO_PREVIEW)
        if method != "sendMessage" and self.text:
            params["caption"] = self.text
        return (
            (method, urlencode(params).encode()),
            (method, urlencode({**params, "allow_paid_broadcast": "true"}).encode()),
        )

    async def send(self, bot: Bot, chat_id: int, *, paid: bool = False) -> Message:
        """Send it to `chat_id`; `paid` lifts the bulk limit with allow_paid_broadcast
        (Telegram charges Stars for it), so only broadcasts the operator enabled ask."""
        # None leaves the parameter out of the request; False would be sent as such.
        common: dict[str, Any] = {
            "chat_id": chat_id,
            "reply_markup": self.markup,
            "parse_mode": self.parse_mode,
            "allow_paid_broadcast": True if paid else None,
        }
        if self.photo_file_id is not None:
            return await bot.send_photo(
                photo=self.photo_file_id, caption=self.text or None, **common
            )
        if self.document_file_id is not None:
            return await bot.send_document(
                document=self.document_file_id, caption=self.text or None, **common
            )
        if self.document is not None:
            content, name = self.document
            return await bot.send_document(
                document=content, filename=name, caption=self.text or None, **common
            )
        return await bot.send_message(
            text=self.text, link_preview_options=LinkPreviewOptions(is_disabled=True), **common
        )
