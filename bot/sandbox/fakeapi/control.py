"""Out-of-band endpoints of the fake Bot API, for a driver in another process (benchmarks).

They live under ``/_fake/``, outside the Bot API namespace, so a bot can never call them:
- ``POST /_fake/users`` ``{"ids": [...], "blocked": [...], "language_code": "ru"}``: chats
  that have opened the bot (``blocked`` ones answer 403); answers ``{"users": n}``;
- ``POST /_fake/press`` ``{"user_id": 1, "data": "ev:card:3", "timeout": 5}``: the user presses
  a callback button on the bot's newest text message in their chat (one is put there if there
  is none; ``"message_id"`` names another) and the call waits for the bot's
  answerCallbackQuery (``"wait": false``: it answers at once with the query id); answers
  ``{"query_id": "...", "seconds": 0.08}``, the time from the press until the server has
  taken the answer (after its latency: when the reader's client would stop waiting), or
  ``"seconds": null`` when none came in time; ``"pressed_at"`` and ``"answered_at"`` are the
  same moments as ``time.monotonic()`` of this server (system-wide on Linux). With
  ``"edit": true`` it also waits (within the same timeout) for the bot's edit of the pressed
  message and adds ``"edit_seconds"`` and ``"edited_at"`` (null when none came; an edit
  Telegram refuses as "not modified" counts: the bot's request arrived);
- ``POST /_fake/send`` ``{"user_id": 1, "text": "/events", "timeout": 5}``: the user sends a
  message (a command) and the call waits for the bot's next message delivered in that chat;
  answers ``{"seconds": 0.11, "text": "...", "sent_at": ..., "delivered_at": ...}`` (times as
  ``time.monotonic()`` of this server), or ``"seconds": null`` when none came in time
  (``"wait": false``: at once, with ``"update_id"``);
- ``GET /_fake/chat?user_id=1``: the chat as the user sees it, ``"messages"`` (the bot's,
  edits applied, with their buttons and callback data), and ``"events"``, everything the
  bot sent, edited or deleted there in order; ``&events=5&timeout=10`` first waits until
  there are at least 5 events (``"timed_out": true`` if not within the timeout);
- ``POST /_fake/wait_delivered`` ``{"chat_ids": [...], "count": 50, "timeout": 20}``: waits
  until at least ``count`` (default: all) of these chats have had a message delivered;
  answers ``{"reached": 50, "missing": [ids not reached yet]}``;
- ``POST /_fake/wait_call`` ``{"method": "setWebhook", "via": "kopir-1", "count": 1,
  "timeout": 30}``: waits until that many calls of the method by that caller (see ``via``
  below; null for none) were answered without an error; answers ``{"count": n}``;
- ``GET /_fake/webhook``: webhook delivery (`WebhookDelivery.snapshot`); ``?wait=10``
  first waits until every queued update was answered with a 2xx (``"all_delivered"``);
- ``GET /_fake/stats``: see `Tally.snapshot`; ``?chats=1`` adds delivered counts per chat
  and 429 answers per chat (``"rejected_chats"``), ``?timeline=1`` every send as
  [time taken, outcome], ``?sends=1`` every send as [time taken, outcome, chat id]
  (``&senders=1``: and the caller's ``via`` name, see `bot.sandbox.fakeapi.server`, and
  the moment flood control counted it, its arrival plus the latency: the time to count
  a bot's messages a second by, as Telegram does).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.sandbox.fakeapi.faults import RecordedRequest
from bot.sandbox.fakeapi.shapes import CHAT_NOT_FOUND, JSONDict, inline_keyboard

if TYPE_CHECKING:
    from bot.sandbox.fakeapi.server import FakeBotApi
    from bot.sandbox.fakeapi.users import ChatEvent, FakeUser

# Methods that put a new message into a chat: the ones flood control counts.
SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "copyMessage"})
# Methods that change a message in place: a press may wait for one (``"edit": true``).
EDIT_METHODS = frozenset({"editMessageText", "editMessageCaption", "editMessageReplyMarkup"})
PRESS_TIMEOUT = 5.0


class Tally:
    """Counters of send requests by outcome, kept as they happen (cheap at 1000/s).

    "Accepted" sends are those flood control let through: delivered, or refused by the chat
    (403 blocked, 400 chat not found). Times are `time.monotonic()` of this process.
    """

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.delivered_to: Counter[Any] = Counter()
        self.paid = 0
        self.first_accepted: float | None = None
        self.last_accepted: float | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        # (time taken, outcome) of every send: where 429s fell, for diagnosis.
        self.timeline: list[tuple[float, str]] = []
        # The same with the chat and the caller's via name, and 429 answers by chat:
        # whose sends were refused.
        self.sends: list[tuple[float, str, Any, str | None, float]] = []
        self.rejected_to: Counter[Any] = Counter()
        # Delivered sends by the caller's via name ("" for none): which process sent them.
        self.sent_by: Counter[str] = Counter()
        self._reach_waiters: list[_Reach] = []
        self._message_waiters: dict[str, asyncio.Future[tuple[float, str]]] = {}
        self._answer_waiters: dict[str, asyncio.Future[float]] = {}
        self._edit_waiters: dict[tuple[str, str], asyncio.Future[float]] = {}

    def arrived(self, method: str) -> bool:
        """Note a request as it arrives; True for those `finished` must see too."""
        if method == "answerCallbackQuery" or method in EDIT_METHODS:
            return True
        if method not in SEND_METHODS:
            return False
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return True

    def finished(self, record: RecordedRequest) -> None:
        now = time.monotonic()
        if record.method == "answerCallbackQuery":
            # Answered when taken, after the latency: when the reader's spinner stops.
            waiter = self._answer_waiters.pop(str(record.params.get("callback_query_id")), None)
            if waiter is not None and not waiter.done():
                waiter.set_result(now)
            return
        if record.method in EDIT_METHODS:
            key = (str(record.chat_id), str(record.params.get("message_id")))
            waiter = self._edit_waiters.pop(key, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(now)
            return
        self.in_flight -= 1
        outcome = _outcome(record)
        self.outcomes[outcome] += 1
        self.timeline.append((now, outcome))
        taken = now if record.taken is None else record.taken
        self.sends.append((now, outcome, record.chat_id, record.via, taken))
        if outcome == "rejected":
            self.rejected_to[record.chat_id] += 1
            return
        if self.first_accepted is None:
            self.first_accepted = now
        self.last_accepted = now
        if outcome == "delivered":
            self.delivered_to[record.chat_id] += 1
            self.sent_by[record.via or ""] += 1
            if self._reach_waiters:
                self._reached(record.chat_id)
            message_waiter = self._message_waiters.pop(str(record.chat_id), None)
            if message_waiter is not None and not message_waiter.done():
                text = record.params.get("text") or record.params.get("caption") or ""
                message_waiter.set_result((now, str(text)))
            if record.params.get("allow_paid_broadcast"):
                self.paid += 1

    def expect_answer(self, query_id: str) -> asyncio.Future[float]:
        """A future set to the time the answer to ``query_id`` was taken."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._answer_waiters[query_id] = waiter
        return waiter

    def forget_answer(self, query_id: str) -> None:
        self._answer_waiters.pop(query_id, None)

    def expect_message(self, chat_id: int) -> asyncio.Future[tuple[float, str]]:
        """A future set to (time taken, text) of the bot's next message delivered there."""
        waiter: asyncio.Future[tuple[float, str]] = asyncio.get_running_loop().create_future()
        self._message_waiters[str(chat_id)] = waiter
        return waiter

    def forget_message(self, chat_id: int) -> None:
        self._message_waiters.pop(str(chat_id), None)

    def expect_edit(self, chat_id: int, message_id: int) -> asyncio.Future[float]:
        """A future set to the time the next edit of that message was taken."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._edit_waiters[(str(chat_id), str(message_id))] = waiter
        return waiter

    def forget_edit(self, chat_id: int, message_id: int) -> None:
        self._edit_waiters.pop((str(chat_id), str(message_id)), None)

    async def wait_reached(self, chat_ids: list[Any], count: int, timeout: float) -> list[Any]:  # noqa: ASYNC109
        """Until at least `count` of these chats have had a message delivered; returns
        those not reached (when the timeout came first, more than allowed)."""
        reach = _Reach({c for c in chat_ids if not self.delivered_to.get(c)},
                       max(0, len(set(chat_ids)) - count),
                       asyncio.get_running_loop().create_future())
        if len(reach.missing) > reach.allowed:
            self._reach_waiters.append(reach)
            try:
                await asyncio.wait_for(reach.done, timeout)
            except TimeoutError:
                pass
            finally:
                self._reach_waiters.remove(reach)
        return sorted(reach.missing)

    def _reached(self, chat_id: Any) -> None:
        for reach in self._reach_waiters:
            reach.missing.discard(chat_id)
            if len(reach.missing) <= reach.allowed and not reach.done.done():
                reach.done.set_result(None)

    def snapshot(
        self, *, chats: bool = False, timeline: bool = False, sends: bool = False,
        senders: bool = False,
    ) -> JSONDict:
        delivered = self.outcomes["delivered"]
        accepted = sum(n for outcome, n in self.outcomes.items() if outcome != "rejected")
        snapshot: JSONDict = {
            "delivered": delivered,
            "blocked": self.outcomes["blocked"],
            "not_found": self.outcomes["not_found"],
            "rejected_429": self.outcomes["rejected"],
            "other_errors": self.outcomes["other"],
            "accepted": accepted,
            "paid": self.paid,
            "chats_reached": len(self.delivered_to),
            "duplicates": delivered - len(self.delivered_to),
            "first_accepted": self.first_accepted,
            "last_accepted": self.last_accepted,
            "in_flight": self.in_flight,
            "max_in_flight": self.max_in_flight,
            "sent_by": dict(self.sent_by),
            "now": time.monotonic(),
        }
        if chats:
            # JSON keys are strings; the driver turns them back into chat ids.
            snapshot["chats"] = {str(chat): n for chat, n in self.delivered_to.items()}
            snapshot["rejected_chats"] = {str(chat): n for chat, n in self.rejected_to.items()}
        if timeline:
            snapshot["timeline"] = self.timeline
        if sends:
            snapshot["sends"] = self.sends if senders else [s[:3] for s in self.sends]
        return snapshot


class _Reach:
    """A wait for chats to be reached: those still missing, how many may stay missing."""

    def __init__(self, missing: set[Any], allowed: int, done: asyncio.Future[None]) -> None:
        self.missing, self.allowed, self.done = missing, allowed, done


def _outcome(record: RecordedRequest) -> str:
    if record.status == 200:
        return "delivered"
    if record.status == 0:
        delivered = (record.description or "").endswith("after delivery")
        return "delivered" if delivered else "other"
    if record.status == 429:
        return "rejected"
    if record.status == 403:
        return "blocked"
    if record.status == 400 and record.description == CHAT_NOT_FOUND:
        return "not_found"
    return "other"


def add_routes(router: web.UrlDispatcher, api: FakeBotApi) -> None:
    async def users(request: web.Request) -> web.Response:
        body = await request.json()
        blocked = set(body.get("blocked") or ())
        language_code = body.get("language_code", "ru")
        for user_id in body.get("ids") or ():
            user = api.user(int(user_id), first_name=f"Reader {user_id}",
                            language_code=language_code)
            user.started = True
            user.blocked = user_id in blocked
        return web.json_response({"users": len(api.users)})

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        user = api.users.get(int(body["user_id"]))
        if user is None:
            raise web.HTTPNotFound(text="unknown user")
        data = str(body["data"])
        timeout = float(body.get("timeout") or PRESS_TIMEOUT)
        message_id = body.get("message_id") or _button_message(api, user, data)
        if body.get("wait") is False:
            return web.json_response({"query_id": await user.press_data(message_id, data)})
        edit = api.tally.expect_edit(user.id, message_id) if body.get("edit") else None
        query_id = await user.press_data(message_id, data)
        pressed = time.monotonic()
        waiter = api.tally.expect_answer(query_id)
        answer: JSONDict = {"query_id": query_id, "seconds": None, "pressed_at": pressed,
                            "answered_at": None}
        try:
            answered = await asyncio.wait_for(waiter, timeout)
            answer.update(seconds=answered - pressed, answered_at=answered)
        except TimeoutError:
            api.tally.forget_answer(query_id)
        if edit is not None:
            answer.update(edit_seconds=None, edited_at=None)
            try:
                left = max(0.0, pressed + timeout - time.monotonic())
                edited = await asyncio.wait_for(edit, left)
                answer.update(edit_seconds=edited - pressed, edited_at=edited)
            except TimeoutError:
                api.tally.forget_edit(user.id, message_id)
        return web.json_response(answer)

    async def send(request: web.Request) -> web.Response:
        body = await request.json()
        user = api.users.get(int(body["user_id"]))
        if user is None:
            raise web.HTTPNotFound(text="unknown user")
        timeout = float(body.get("timeout") or PRESS_TIMEOUT)
        if body.get("wait") is False:
            message = await user.send(str(body["text"]))
            pushed = api.updates.last_pushed
            update_id = pushed["update_id"] if pushed and pushed.get("message") == message else None
            return web.json_response({"update_id": update_id})
        waiter = api.tally.expect_message(user.id)
        await user.send(str(body["text"]))
        sent = time.monotonic()
        answer: JSONDict = {"seconds": None, "text": None, "sent_at": sent, "delivered_at": None}
        try:
            delivered, text = await asyncio.wait_for(waiter, timeout)
            answer.update(seconds=delivered - sent, text=text, delivered_at=delivered)
        except TimeoutError:
            api.tally.forget_message(user.id)
        return web.json_response(answer)

    async def stats(request: web.Request) -> web.Response:
        def asked(name: str) -> bool:
            return request.query.get(name) in ("1", "true", "yes")

        snapshot = api.tally.snapshot(
            chats=asked("chats"), timeline=asked("timeline"), sends=asked("sends"),
            senders=asked("senders"),
        )
        return web.json_response(snapshot)

    async def chat(request: web.Request) -> web.Response:
        user = api.users.get(int(request.query["user_id"]))
        if user is None:
            raise web.HTTPNotFound(text="unknown user")
        timed_out = False
        if "events" in request.query:
            timeout = float(request.query.get("timeout") or PRESS_TIMEOUT)
            timed_out = not await user.wait_logged(int(request.query["events"]), timeout)
        return web.json_response({
            "messages": [_message_json(m) for m in user.messages],
            "events": [_event_json(e) for e in user.log],
            "answers": [{"query_id": a.callback_query_id, "text": a.text,
                         "show_alert": a.show_alert} for a in user.callback_answers],
            "timed_out": timed_out,
        })

    async def wait_delivered(request: web.Request) -> web.Response:
        body = await request.json()
        chat_ids = [int(c) for c in body["chat_ids"]]
        count = int(body.get("count") or len(set(chat_ids)))
        timeout = float(body.get("timeout") or PRESS_TIMEOUT)
        missing = await api.tally.wait_reached(chat_ids, count, timeout)
        return web.json_response({"reached": len(set(chat_ids)) - len(missing),
                                  "missing": missing})

    async def wait_call(request: web.Request) -> web.Response:
        body = await request.json()
        count = await api.wait_answered(
            str(body["method"]), via=body.get("via"), count=int(body.get("count") or 1),
            timeout=float(body.get("timeout") or PRESS_TIMEOUT),
        )
        return web.json_response({"count": count})

    async def webhook(request: web.Request) -> web.Response:
        if "wait" in request.query:
            await api.webhook.wait_delivered(float(request.query["wait"]))
        return web.json_response(api.webhook.snapshot())

    router.add_post("/_fake/users", users)
    router.add_post("/_fake/press", press)
    router.add_post("/_fake/send", send)
    router.add_get("/_fake/stats", stats)
    router.add_get("/_fake/chat", chat)
    router.add_post("/_fake/wait_delivered", wait_delivered)
    router.add_post("/_fake/wait_call", wait_call)
    router.add_get("/_fake/webhook", webhook)


def _message_json(message: JSONDict) -> JSONDict:
    """What a driver needs of a bot message: its id, text, buttons (with their callback
    data or URL) and the name of a document."""
    buttons = [[{"text": b["text"], **({"data": b["callback_data"]} if "callback_data" in b
                                       else {"url": b.get("url")})} for b in row]
               for row in inline_keyboard(message)]
    document = message.get("document")
    return {
        "message_id": message.get("message_id"),
        "text": message.get("text") or message.get("caption") or "",
        "buttons": buttons,
        "document": document.get("file_name") if isinstance(document, dict) else None,
        "photo": "photo" in message,
    }


def _event_json(event: ChatEvent) -> JSONDict:
    if event.kind == "deleted":
        return {"kind": "deleted", "message_id": event.message["message_id"], "at": event.at}
    return {"kind": event.kind, **_message_json(event.message), "at": event.at}


def _button_message(api: FakeBotApi, user: FakeUser, data: str) -> int:
    """The bot's newest text message in the chat; one with the button if there is none, so
    that the bot can edit it (an edit is not a send, and flood control leaves it alone)."""
    for message in reversed(user.messages):
        if message.get("text"):
            return message["message_id"]
    message = {
        "message_id": user.allocate_message_id(),
        "from": api.bot_user,
        "chat": user.chat_json,
        "date": int(time.time()),
        "text": "Kopir",
        "reply_markup": {"inline_keyboard": [[{"text": "Open", "callback_data": data}]]},
    }
    user.record_bot_message(message)
    return message["message_id"]
