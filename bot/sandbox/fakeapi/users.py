"""Simulated Telegram users: the human side of a private chat with the bot.

A :class:`FakeUser` both acts (sends messages, presses buttons) and is the private chat
the server stores the bot's messages in, so tests can look at the chat as the user sees it.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import pickle
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.sandbox.fakeapi.shapes import (
    TINY_PNG,
    JSONDict,
    command_entities,
    inline_keyboard,
    photo_sizes,
    private_chat_json,
    user_json,
)

if TYPE_CHECKING:
    from bot.sandbox.fakeapi.server import FakeBotApi


@dataclass(frozen=True)
class ChatEvent:
    kind: str  # "sent" or "edited" ("deleted" too in `FakeUser.log`: {"message_id"})
    message: JSONDict
    at: float


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None


def text_of(message: JSONDict | None) -> str:
    """The visible text of a message: its text, or its caption for media."""
    if not message:
        return ""
    return message.get("text") or message.get("caption") or ""


def buttons_of(message: JSONDict | None) -> list[list[str]]:
    """Inline keyboard button texts, row by row."""
    if not message:
        return []
    return [[button["text"] for button in row] for row in inline_keyboard(message)]


def button_data(message: JSONDict, text: str) -> str:
    """callback_data of the inline button labelled ``text``."""
    for row in inline_keyboard(message):
        for button in row:
            if button["text"] == text:
                if "callback_data" not in button:
                    raise AssertionError(f"button {text!r} has no callback_data: {button}")
                return button["callback_data"]
    raise AssertionError(f"no button {text!r} in message; buttons: {buttons_of(message)}")


# The waiting helpers below take ``timeout=`` on purpose (noqa ASYNC109): it is a test-facing
# API where a per-call deadline reads better than wrapping every call in asyncio.timeout().


class FakeUser:
    def __init__(
        self,
        api: FakeBotApi,
        user_id: int,
        *,
        first_name: str,
        last_name: str | None,
        username: str | None,
        language_code: str | None,
    ) -> None:
        self._api = api
        self.id = user_id
        self.first_name = first_name
        self.last_name = last_name
        self.username = username
        self.language_code = language_code
        self.blocked = False
        self.started = False  # the bot may only write after the user's first message
        self.reply_keyboard: list[list[str]] | None = None
        self.chat_actions: list[str] = []
        self.callback_answers: list[CallbackAnswer] = []
        self.deleted_message_ids: list[int] = []
        self._history: dict[int, JSONDict] = {}
        self._last_message_id = 0
        self._events: deque[ChatEvent] = deque()
        self._new_event = asyncio.Event()
        # Every sent, edited and deleted message of the bot's here, in order, never drained
        # (`next_event` consumes the queue above): what a driver in another process reads.
        self.log: list[ChatEvent] = []
        self._logged = asyncio.Event()
        self._new_answer = asyncio.Event()
        self._last_activity = time.monotonic()
        # Bot messages, edits and callback answers so far, and how many there were at the
        # user's latest action: `wait_reply` waits for one more.
        self._replies = 0
        self._replies_at_action = 0

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    @property
    def user_json(self) -> JSONDict:
        return user_json(
            self.id,
            self.first_name,
            last_name=self.last_name,
            username=self.username,
            language_code=self.language_code,
        )

    @property
    def chat_json(self) -> JSONDict:
        return private_chat_json(self.id, self.first_name, self.last_name, self.username)

    @property
    def chat_instance(self) -> str:
        digest = hashlib.sha256(f"{self._api.bot_id}:{self.id}".encode()).hexdigest()
        return str(-int(digest[:15], 16))

    # --- acting as the user ----------------------------------------------------------------

    async def send(self, text: str, *, reply_to: int | None = None,
                   entities: list[JSONDict] | None = None) -> JSONDict:
        """A text message; `entities` is formatting applied in the user's app (bold, links)."""
        body: JSONDict = {"text": text}
        entities = [*command_entities(text), *(entities or ())]
        if entities:
            body["entities"] = entities
        if reply_to is not None:
            target = self._history.get(reply_to)
            if target is None:
                raise AssertionError(f"cannot reply to unknown message {reply_to}")
            body["reply_to_message"] = copy.deepcopy(target)
        return self._post(body)

    async def edit(self, message_id: int, text: str) -> JSONDict:
        """Edit one of the user's own text messages: the bot gets an ``edited_message``."""
        original = self._history.get(message_id)
        if original is None or original["from"]["id"] != self.id or "text" not in original:
            raise AssertionError(f"message {message_id} is not a text message of user {self.id}")
        edited = {k: v for k, v in original.items() if k not in ("text", "entities")}
        edited.update(text=text, edit_date=int(time.time()))
        entities = command_entities(text)
        if entities:
            edited["entities"] = entities
        self._history[message_id] = edited
        self._acted()
        self._api.updates.push("edited_message", edited)
        return copy.deepcopy(edited)

    async def press_reply(self, text: str) -> JSONDict:
        """Tap a reply-keyboard button: sends its text, after checking it is on screen."""
        shown = [label for row in self.reply_keyboard or [] for label in row]
        if text not in shown:
            raise AssertionError(f"no reply-keyboard button {text!r}; keyboard: {shown}")
        return await self.send(text)

    async def send_photo(self, content: bytes = TINY_PNG, caption: str | None = None,
                         caption_entities: list[JSONDict] | None = None) -> JSONDict:
        stored = self._api.files.add(content, "photo")
        formatted = {"caption_entities": caption_entities} if caption_entities else {}
        return self._post({"photo": photo_sizes(stored), **_caption(caption), **formatted})

    async def send_document(
        self, content: bytes, file_name: str, mime_type: str, caption: str | None = None
    ) -> JSONDict:
        stored = self._api.files.add(content, "document", file_name=file_name, mime_type=mime_type)
        return self._post({"document": stored.document_json(), **_caption(caption)})

    async def send_sticker(self, emoji: str = "👍", content: bytes = b"RIFF-webp") -> JSONDict:
        stored = self._api.files.add(content, "sticker")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.file_size,
        }
        return self._post({"sticker": sticker})

    async def press(self, text: str) -> str:
        """Press the inline button ``text`` on the newest bot message showing it."""
        for message in reversed(self.messages):
            for row in inline_keyboard(message):
                for button in row:
                    if button["text"] != text:
                        continue
                    if "callback_data" not in button:
                        raise AssertionError(f"button {text!r} is not a callback button: {button}")
                    return self._callback(message, button["callback_data"])
        available = [
            f"message {m['message_id']}: {buttons_of(m)}"
            for m in reversed(self.messages)
            if buttons_of(m)
        ]
        raise AssertionError(
            f"no inline button {text!r} in chat {self.id}; available (newest first): "
            + ("; ".join(available) or "none")
        )

    async def press_data(self, message_id: int, data: str) -> str:
        """Send arbitrary callback data for a message: forged, stale or deleted ones too."""
        message = self._history.get(message_id)
        if message is None:
            # Telegram sends an InaccessibleMessage (date 0) for messages that are gone.
            message = {"chat": self.chat_json, "message_id": message_id, "date": 0}
        return self._callback(message, data)

    async def block(self, *, notify: bool = True) -> None:
        """Block the bot; like Telegram, tell the bot with a my_chat_member update."""
        self.blocked = True
        if notify and self.started:
            self._push_membership("member", "kicked")

    async def unblock(self, *, notify: bool = True) -> None:
        self.blocked = False
        if notify and self.started:
            self._push_membership("kicked", "member")

    # --- observing the chat ----------------------------------------------------------------

    @property
    def messages(self) -> list[JSONDict]:
        """The bot's messages in this chat as they stand now (edits applied, deletions gone)."""
        bot_id = self._api.bot_id
        return [copy.deepcopy(m) for m in self._history.values() if m["from"]["id"] == bot_id]

    @property
    def last_message(self) -> JSONDict | None:
        messages = self.messages
        return messages[-1] if messages else None

    def message(self, message_id: int) -> JSONDict | None:
        found = self._history.get(message_id)
        return copy.deepcopy(found) if found else None

    async def next_event(self, timeout: float = 5.0) -> ChatEvent:  # noqa: ASYNC109
        """The next "sent"/"edited" event in this chat since the previous call."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._events:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_report(timeout))
            self._new_event.clear()
            try:
                await asyncio.wait_for(self._new_event.wait(), remaining)
            except TimeoutError:
                pass
        return self._events.popleft()

    async def next_message(self, timeout: float = 5.0) -> JSONDict:  # noqa: ASYNC109
        """The next bot message sent or edited in this chat (in order, each one once)."""
        return (await self.next_event(timeout)).message

    async def wait_idle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait until neither side has done anything in this chat for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            idle_for = time.monotonic() - self._last_activity
            if idle_for >= quiet:
                return
            if time.monotonic() + quiet - idle_for > deadline:
                raise AssertionError(f"chat {self.id} did not go quiet within {timeout}s")
            await asyncio.sleep(quiet - idle_for)

    async def wait_reply(self, quiet: float = 0.3, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Wait for the bot's first answer to the user's latest action (a message, an edit
        or a callback answer), then for ``quiet``: unlike `wait_idle` alone, a bot slowed
        down by a busy machine is not taken for one that is done."""
        deadline = time.monotonic() + timeout
        while self._replies <= self._replies_at_action:
            if time.monotonic() > deadline:
                raise AssertionError(self._timeout_report(timeout))
            await asyncio.sleep(0.01)
        await self.wait_idle(quiet, max(0.0, deadline - time.monotonic()) + quiet)

    async def handled(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        """Until the bot has handled every update so far, this user's and everyone's
        (`FakeBotApi.handled`): no quiet spell is taken for an answer."""
        await self._api.handled(timeout)

    async def wait_message_after(self, count: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Until more than `count` bot messages or edits are queued in this chat (see
        `queued`): a press's callback answer alone is not the bot's answer to it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self._events) <= count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(self._timeout_report(timeout))
            self._new_event.clear()
            try:
                await asyncio.wait_for(self._new_event.wait(), remaining)
            except TimeoutError:
                pass

    @property
    def queued(self) -> int:
        """How many bot messages and edits wait to be read with `next_event`."""
        return len(self._events)

    async def wait_logged(self, count: int, timeout: float = 5.0) -> bool:  # noqa: ASYNC109
        """Until `log` holds at least `count` events; False after `timeout`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.log) < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            logged = self._logged
            try:
                await asyncio.wait_for(logged.wait(), remaining)
            except TimeoutError:
                return False
        return True

    def drain(self) -> list[ChatEvent]:
        """Forget queued events (e.g. after setup steps); returns them."""
        drained = list(self._events)
        self._events.clear()
        return drained

    async def wait_callback_answer(self, query_id: str, timeout: float = 5.0) -> CallbackAnswer:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for answer in self.callback_answers:
                if answer.callback_query_id == query_id:
                    return answer
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"callback query {query_id} was not answered in {timeout}s")
            self._new_answer.clear()
            try:
                await asyncio.wait_for(self._new_answer.wait(), remaining)
            except TimeoutError:
                pass

    # --- server-side hooks (called by the Bot API method handlers) -------------------------

    def allocate_message_id(self) -> int:
        # One sequence per private chat, shared by both sides, as in Telegram.
        self._last_message_id += 1
        return self._last_message_id

    def stored_message(self, message_id: Any) -> JSONDict | None:
        return self._history.get(message_id) if isinstance(message_id, int) else None

    def record_bot_message(self, message: JSONDict) -> None:
        self._history[message["message_id"]] = message
        self._record_event("sent", message)

    def record_edit(self, message: JSONDict) -> None:
        self._history[message["message_id"]] = message
        self._record_event("edited", message)

    def record_deletion(self, message_id: int) -> None:
        del self._history[message_id]
        self.deleted_message_ids.append(message_id)
        self._append_log(ChatEvent("deleted", {"message_id": message_id}, time.time()))
        self._touch()
        self._api.emit(self.id, "deleted", {"message_id": message_id, "chat": self.chat_json})

    def record_callback_answer(
        self, query_id: str, *, text: str | None, show_alert: bool, url: str | None
    ) -> None:
        answer = CallbackAnswer(query_id, text, show_alert, url)
        self.callback_answers.append(answer)
        self._replies += 1
        self._new_answer.set()
        payload = {
            "callback_query_id": query_id,
            "text": text,
            "show_alert": show_alert,
            "url": url,
        }
        self._api.emit(self.id, "callback_answer", payload)

    # --- internals -------------------------------------------------------------------------

    def _post(self, body: JSONDict) -> JSONDict:
        self.started = True
        message = {
            "message_id": self.allocate_message_id(),
            "from": self.user_json,
            "chat": self.chat_json,
            "date": int(time.time()),
            **body,
        }
        self._history[message["message_id"]] = message
        self._acted()
        self._api.updates.push("message", message)
        return copy.deepcopy(message)

    def _callback(self, message: JSONDict, data: str, presser: FakeUser | None = None) -> str:
        """A button press on `message` in this chat, by `presser` (in a private chat, the
        user it belongs to)."""
        query_id = self._api.next_callback_query_id()
        self._api.callback_queries[query_id] = self
        query = {
            "id": query_id,
            "from": (presser or self).user_json,
            "message": copy.deepcopy(message),
            "chat_instance": self.chat_instance,
            "data": data,
        }
        self._acted()
        self._api.updates.push("callback_query", query)
        return query_id

    def _push_membership(self, old_status: str, new_status: str) -> None:
        def member(status: str) -> JSONDict:
            extra = {"until_date": 0} if status == "kicked" else {}
            return {"user": self._api.bot_user, "status": status, **extra}

        update = {
            "chat": self.chat_json,
            "from": self.user_json,
            "date": int(time.time()),
            "old_chat_member": member(old_status),
            "new_chat_member": member(new_status),
        }
        self._api.updates.push("my_chat_member", update)

    def _record_event(self, kind: str, message: JSONDict) -> None:
        # The message is JSON: pickling copies it deeply, several times faster than deepcopy.
        snapshot = pickle.loads(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
        event = ChatEvent(kind, snapshot, time.time())
        self._events.append(event)
        self._append_log(event)
        self._replies += 1
        self._new_event.set()
        self._touch()
        self._api.emit(self.id, kind, snapshot)

    def _append_log(self, event: ChatEvent) -> None:
        self.log.append(event)
        # A fresh Event each time, so that a waiter that wakes and loops again blocks.
        self._logged.set()
        self._logged = asyncio.Event()

    def _acted(self) -> None:
        self._replies_at_action = self._replies
        self._touch()

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    def _timeout_report(self, timeout: float) -> str:
        failures = [
            f"{r.method} -> {r.status} {r.description}"
            for r in self._api.calls(chat_id=self.id)
            if r.status != 200
        ][-5:]
        return (
            f"user {self.id} got no new bot message within {timeout}s; "
            f"last bot message: {text_of(self.last_message)!r}; "
            f"failed bot calls to this chat: {failures or 'none'}"
        )


def _caption(caption: str | None) -> JSONDict:
    return {"caption": caption} if caption else {}
