"""Bot API method implementations of the fake server.

Each handler takes the decoded parameters and uploaded files and returns the ``result``
value, or raises :class:`ApiError` with Telegram's own error text.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.sandbox.fakeapi.formatting import render
from bot.sandbox.fakeapi.shapes import (
    BUTTON_DATA_INVALID,
    CAPTION_TOO_LONG,
    EDITED_TEXT_TOO_LONG,
    MAX_CALLBACK_ANSWER_LENGTH,
    MAX_CALLBACK_DATA_BYTES,
    MAX_CAPTION_LENGTH,
    MAX_DOWNLOAD_BYTES,
    MAX_TEXT_LENGTH,
    NOT_MODIFIED,
    QUERY_TOO_OLD,
    TEXT_TOO_LONG,
    ApiError,
    JSONDict,
    StoredFile,
    Upload,
    chat_full_info_json,
    photo_sizes,
)

if TYPE_CHECKING:
    from bot.sandbox.fakeapi.server import FakeBotApi
    from bot.sandbox.fakeapi.users import FakeUser

Handler = Callable[[JSONDict, dict[str, Upload]], Awaitable[Any]]

_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
# What copyMessage carries over: the content, never the sender, date or keyboard.
_COPIED_FIELDS = frozenset(
    {"text", "entities", "document", "photo", "sticker", "caption", "caption_entities"}
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)


class MessageMethods:
    """Sending, editing and deleting messages, callback answers, files and chats."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self.table: dict[str, Handler] = {
            "sendMessage": self.send_message,
            "sendDocument": self.send_document,
            "sendPhoto": self.send_photo,
            "copyMessage": self.copy_message,
            "editMessageText": self.edit_message_text,
            "editMessageCaption": self.edit_message_caption,
            "editMessageReplyMarkup": self.edit_message_reply_markup,
            "deleteMessage": self.delete_message,
            "answerCallbackQuery": self.answer_callback_query,
            "sendChatAction": self.send_chat_action,
            "getFile": self.get_file,
            "getChat": self.get_chat,
        }

    # --- sending ---------------------------------------------------------------------------

    async def send_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self.api.resolve_chat(params.get("chat_id"))
        body = self._text_body(params)
        preview = params.get("link_preview_options")
        if preview is None and params.get("disable_web_page_preview"):
            preview = {"is_disabled": True}
        if preview:
            body["link_preview_options"] = preview
        return self._deliver(chat, params, body)

    async def send_document(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self.api.resolve_chat(params.get("chat_id"))
        stored = self._input_file(params, files, "document")
        body = {"document": stored.document_json(), **self._caption_body(params)}
        return self._deliver(chat, params, body)

    async def send_photo(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self.api.resolve_chat(params.get("chat_id"))
        stored = self._input_file(params, files, "photo")
        body = {"photo": photo_sizes(stored), **self._caption_body(params)}
        return self._deliver(chat, params, body)

    async def copy_message(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self.api.resolve_chat(params.get("chat_id"))
        source_chat = self.api.resolve_chat(params.get("from_chat_id"), for_sending=False)
        source = source_chat.stored_message(params.get("message_id"))
        if source is None:
            raise ApiError.bad_request("message to copy not found")
        body = {k: copy.deepcopy(v) for k, v in source.items() if k in _COPIED_FIELDS}
        if "caption" in params:
            body.pop("caption_entities", None)
            body.update(self._caption_body(params))
        message = self._deliver(chat, params, body)
        return {"message_id": message["message_id"]}

    async def send_chat_action(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self.api.resolve_chat(params.get("chat_id"))
        action = params.get("action")
        if action not in _CHAT_ACTIONS:
            raise ApiError.bad_request("wrong parameter action in request")
        chat.chat_actions.append(action)
        self.api.emit(chat.id, "chat_action", {"action": action})
        return True

    # --- editing ---------------------------------------------------------------------------

    async def edit_message_text(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat, old = self._editable(params)
        if "text" not in old:
            raise ApiError.bad_request("there is no text in the message to edit")
        new = {k: v for k, v in old.items() if k not in ("entities", "link_preview_options")}
        new.update(self._text_body(params, too_long=EDITED_TEXT_TOO_LONG))
        if params.get("link_preview_options"):
            new["link_preview_options"] = params["link_preview_options"]
        return self._apply_edit(chat, old, new, params)

    async def edit_message_caption(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat, old = self._editable(params)
        if "text" in old:
            raise ApiError.bad_request("there is no caption in the message to edit")
        new = {k: v for k, v in old.items() if k not in ("caption", "caption_entities")}
        new.update(self._caption_body(params))
        return self._apply_edit(chat, old, new, params)

    async def edit_message_reply_markup(
        self, params: JSONDict, files: dict[str, Upload]
    ) -> JSONDict:
        chat, old = self._editable(params)
        return self._apply_edit(chat, old, dict(old), params)

    async def delete_message(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        chat = self.api.resolve_chat(params.get("chat_id"))
        if chat.stored_message(params.get("message_id")) is None:
            raise ApiError.bad_request("message to delete not found")
        chat.record_deletion(int(params["message_id"]))
        return True

    # --- callbacks, files, chats -----------------------------------------------------------

    async def answer_callback_query(self, params: JSONDict, files: dict[str, Upload]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self.api.callback_queries:
            raise ApiError(400, QUERY_TOO_OLD)
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER_LENGTH:
            # The query stays unanswered: the bot may still answer it with a shorter text.
            raise ApiError(400, EDITED_TEXT_TOO_LONG)
        user = self.api.callback_queries.pop(query_id)
        user.record_callback_answer(
            query_id,
            text=params.get("text"),
            show_alert=bool(params.get("show_alert")),
            url=params.get("url"),
        )
        return True

    async def get_file(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        file_id = str(params.get("file_id") or "")
        stored = self.api.files.get(file_id)
        if stored is None:
            raise ApiError.bad_request("invalid file_id")
        if stored.file_size > MAX_DOWNLOAD_BYTES:
            raise ApiError.bad_request("file is too big")
        return {**stored.get_file_json(), "file_id": file_id}

    async def get_chat(self, params: JSONDict, files: dict[str, Upload]) -> JSONDict:
        chat = self.api.resolve_chat(params.get("chat_id"), for_sending=False)
        return chat_full_info_json(chat.chat_json)

    # --- helpers ---------------------------------------------------------------------------

    def _text_body(self, params: JSONDict, *, too_long: str = TEXT_TOO_LONG) -> JSONDict:
        raw = params.get("text")
        if raw is None or raw == "":
            raise ApiError.bad_request("message text is empty")
        text, entities = render(str(raw), params.get("parse_mode"))
        if params.get("entities"):
            entities = params["entities"]
        if not text:
            raise ApiError.bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, too_long)
        return {"text": text, "entities": entities} if entities else {"text": text}

    def _caption_body(self, params: JSONDict) -> JSONDict:
        if not params.get("caption"):
            return {}
        caption, entities = render(str(params["caption"]), params.get("parse_mode"))
        if params.get("caption_entities"):
            entities = params["caption_entities"]
        if len(caption) > MAX_CAPTION_LENGTH:
            raise ApiError(400, CAPTION_TOO_LONG)
        body: JSONDict = {"caption": caption} if caption else {}
        if caption and entities:
            body["caption_entities"] = entities
        return body

    def _input_file(self, params: JSONDict, files: dict[str, Upload], kind: str) -> StoredFile:
        reference = params.get(kind)
        upload = files.get(kind)
        if upload is None and isinstance(reference, str) and reference.startswith("attach://"):
            upload = files.get(reference.removeprefix("attach://"))
        if upload is not None:
            if not upload.content:
                raise ApiError.bad_request("file must be non-empty")
            return self.api.files.add(
                upload.content,
                kind,
                file_name=upload.filename if kind == "document" else None,
                mime_type=upload.content_type if kind == "document" else None,
            )
        if not reference:
            raise ApiError.bad_request(f"there is no {kind} in the request")
        stored = self.api.files.get(str(reference))
        if stored is None:
            # No internet here, so URLs cannot be fetched either.
            raise ApiError.bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise ApiError.bad_request(
                f"can't use file of type {stored.kind.title()} as {kind.title()}"
            )
        return stored

    def _markup(self, params: JSONDict) -> JSONDict | None:
        """Validate reply_markup; returns the inline keyboard to attach, if any."""
        markup = params.get("reply_markup")
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            for row in markup["inline_keyboard"]:
                for button in row:
                    _validate_inline_button(button)
            return {"inline_keyboard": markup["inline_keyboard"]}
        return None

    def _apply_reply_keyboard(self, chat: FakeUser, params: JSONDict) -> None:
        # Reply keyboards are not echoed in the Message; they change the user's client UI.
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "keyboard" in markup:
            chat.reply_keyboard = [
                [b if isinstance(b, str) else b["text"] for b in row] for row in markup["keyboard"]
            ]
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    def _deliver(self, chat: FakeUser, params: JSONDict, body: JSONDict) -> JSONDict:
        inline = self._markup(params)
        reply_to = self._reply_target(chat, params)
        message: JSONDict = {
            "message_id": chat.allocate_message_id(),
            "from": self.api.bot_user,
            "chat": chat.chat_json,
            "date": int(time.time()),
            **body,
        }
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        if inline is not None:
            message["reply_markup"] = inline
        if params.get("protect_content"):
            message["has_protected_content"] = True
        self._apply_reply_keyboard(chat, params)
        chat.record_bot_message(message)
        return copy.deepcopy(message)

    def _reply_target(self, chat: FakeUser, params: JSONDict) -> JSONDict | None:
        reply = params.get("reply_parameters") or {}
        target_id = reply.get("message_id", params.get("reply_to_message_id"))
        if target_id is None:
            return None
        target = chat.stored_message(target_id)
        if target is None:
            if reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            ):
                return None
            raise ApiError.bad_request("message to be replied not found")
        # Telegram never nests replies more than one level deep.
        return {k: v for k, v in copy.deepcopy(target).items() if k != "reply_to_message"}

    def _editable(self, params: JSONDict) -> tuple[FakeUser, JSONDict]:
        if params.get("inline_message_id"):
            raise ApiError.bad_request("inline messages are not supported by the fake Bot API")
        chat = self.api.resolve_chat(params.get("chat_id"))
        message = chat.stored_message(params.get("message_id"))
        if message is None:
            raise ApiError.bad_request("message to edit not found")
        if message["from"]["id"] != self.api.bot_id:
            raise ApiError.bad_request("message can't be edited")
        return chat, message

    def _apply_edit(
        self, chat: FakeUser, old: JSONDict, new: JSONDict, params: JSONDict
    ) -> JSONDict:
        # Omitting reply_markup in an edit removes the inline keyboard, as in Telegram.
        new.pop("reply_markup", None)
        inline = self._markup(params)
        if inline is not None:
            new["reply_markup"] = inline
        compared = ("text", "entities", "caption", "caption_entities", "reply_markup")
        if all(old.get(k) == new.get(k) for k in compared):
            raise ApiError(400, NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        chat.record_edit(new)
        return copy.deepcopy(new)


def _validate_inline_button(button: Any) -> None:
    if not isinstance(button, dict) or not button.get("text"):
        raise ApiError.bad_request("can't parse inline keyboard button: text is empty")
    if not any(action in button for action in _BUTTON_ACTIONS):
        raise ApiError.bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA_BYTES:
        raise ApiError(400, BUTTON_DATA_INVALID)
    url = button.get("url")
    if url is not None and not str(url).startswith(("http://", "https://", "tg://")):
        raise ApiError.bad_request(f"inline keyboard button URL '{url}' is invalid: wrong HTTP URL")
