"""Simulated group chats and channels the bot is a member of.

A :class:`FakeGroup` is a chat like a user's private chat (the bot's messages in it are
observed the same way: ``next_message``, ``messages``, ``callback_answers``), but people act
in it through it: a member sends a message (`send_from`) or presses a button of the bot's
message (`press_from`), a channel publishes a post (`post`), and a member adds the bot
(`add_bot`).
"""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING

from bot.sandbox.fakeapi.shapes import JSONDict, command_entities, inline_keyboard
from bot.sandbox.fakeapi.users import FakeUser, buttons_of

if TYPE_CHECKING:
    from bot.sandbox.fakeapi.server import FakeBotApi

CHAT_TYPES = ("group", "supergroup", "channel")


class FakeGroup(FakeUser):
    def __init__(self, api: FakeBotApi, chat_id: int, *, title: str, chat_type: str) -> None:
        if chat_type not in CHAT_TYPES:
            raise ValueError(f"chat_type must be one of {CHAT_TYPES}, not {chat_type!r}")
        if chat_id >= 0:
            raise ValueError("group and channel chat ids are negative")
        super().__init__(
            api, chat_id, first_name=title, last_name=None, username=None, language_code=None
        )
        self.title = title
        self.chat_type = chat_type
        self.started = True  # the bot is a member: it may write here at once

    def __repr__(self) -> str:
        return f"FakeGroup(id={self.id}, type={self.chat_type!r}, title={self.title!r})"

    @property
    def chat_json(self) -> JSONDict:
        return {"id": self.id, "type": self.chat_type, "title": self.title}

    @property
    def messages(self) -> list[JSONDict]:
        """The bot's messages in this chat (channel posts have no sender user)."""
        bot_id = self._api.bot_id
        return [
            copy.deepcopy(m)
            for m in self._history.values()
            if m.get("from", {}).get("id") == bot_id
        ]

    # --- acting in the chat ----------------------------------------------------------------

    async def send_from(self, member: FakeUser, text: str) -> JSONDict:
        """A member's text message in this group (a command gets its bot_command entity)."""
        if self.chat_type == "channel":
            raise AssertionError("members do not write in a channel: use post()")
        body: JSONDict = {"from": member.user_json, "text": text}
        entities = command_entities(text)
        if entities:
            body["entities"] = entities
        return self._push_message("message", body)

    async def post(self, text: str) -> JSONDict:
        """A channel post: it comes from the channel itself, with no user."""
        if self.chat_type != "channel":
            raise AssertionError("only a channel publishes posts: use send_from()")
        body: JSONDict = {"sender_chat": self.chat_json, "text": text}
        entities = command_entities(text)
        if entities:
            body["entities"] = entities
        return self._push_message("channel_post", body)

    async def press_from(self, member: FakeUser, text: str) -> str:
        """``member`` presses the inline button ``text`` on the newest bot message showing
        it here; the callback answer is recorded on this chat (``callback_answers``)."""
        for message in reversed(self.messages):
            for row in inline_keyboard(message):
                for button in row:
                    if button["text"] == text and "callback_data" in button:
                        return self._press(member, message, button["callback_data"])
        raise AssertionError(f"no inline button {text!r} in chat {self.id}: "
                             f"{[buttons_of(m) for m in self.messages]}")

    async def press_data_from(self, member: FakeUser, message_id: int, data: str) -> str:
        """``member`` sends arbitrary callback data for a message of this chat."""
        message = self.stored_message(message_id) or {
            "chat": self.chat_json, "message_id": message_id, "date": 0
        }
        return self._press(member, message, data)

    async def add_bot(self, by: FakeUser) -> JSONDict:
        """``by`` adds the bot to this chat: a my_chat_member update, left -> member."""
        status = "administrator" if self.chat_type == "channel" else "member"
        new_member: JSONDict = {"user": self._api.bot_user, "status": status}
        if status == "administrator":
            new_member.update(_ADMIN_RIGHTS)
        update = {
            "chat": self.chat_json,
            "from": by.user_json,
            "date": int(time.time()),
            "old_chat_member": {"user": self._api.bot_user, "status": "left"},
            "new_chat_member": new_member,
        }
        self._acted()
        return self._api.updates.push("my_chat_member", update)

    # --- internals -------------------------------------------------------------------------

    def _push_message(self, kind: str, body: JSONDict) -> JSONDict:
        message = {
            "message_id": self.allocate_message_id(),
            "chat": self.chat_json,
            "date": int(time.time()),
            **body,
        }
        self._history[message["message_id"]] = message
        self._acted()
        self._api.updates.push(kind, message)
        return copy.deepcopy(message)

    def _press(self, member: FakeUser, message: JSONDict, data: str) -> str:
        return self._callback(message, data, presser=member)


_ADMIN_RIGHTS: JSONDict = {
    "can_be_edited": False,
    "is_anonymous": False,
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_post_messages": True,
    "can_edit_messages": True,
}
