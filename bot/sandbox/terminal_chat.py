"""The sandbox's chat window: the bot's messages printed with numbered buttons, and the
person's lines turned into messages, button presses or sandbox commands.

It talks to the fake Bot API only, as a Telegram client would; it knows nothing of
the bot's internals.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.fakeapi.shapes import JSONDict, inline_keyboard
from bot.sandbox.fakeapi.users import FakeUser

BOT_MARK = "🤖"
_NUMBER = re.compile(r"[0-9]{1,3}")

HELP = """\
Sandbox commands (anything else is sent to the bot as a message):
  1, 2, ...    press that button of the latest message with buttons
  !send TEXT   send TEXT as it is (e.g. a number while buttons are shown)
  !organizer   chat as an organizer (user {organizer}: /newevent, Edit, Registrants, Cancel event)
  !reader      chat as the reader again (user {reader})
  !help        this list
  !quit        leave the sandbox (Ctrl-D and Ctrl-C work too)
"""


@dataclass
class Identity:
    """One simulated Telegram user the person can chat as."""

    name: str
    user: FakeUser
    # The message whose buttons the numbers press: the last one shown, if it has buttons.
    current: JSONDict | None = None


class TerminalChat:
    def __init__(
        self,
        api: FakeBotApi,
        identities: list[Identity],
        stdout: TextIO,
        files_dir: Path,
        *,
        echo: bool = False,
    ) -> None:
        self.api = api
        self.identities = {identity.user.id: identity for identity in identities}
        self.active = identities[0]
        self.stdout = stdout
        self.files_dir = files_dir
        # Piped input is not shown by the terminal; echoing it keeps the transcript readable.
        self.echo = echo
        self._waiting_for_input = False
        # Text of every message printed, by (chat, message id), to tell what an edit changed.
        self._shown: dict[tuple[int, int], str] = {}

    # --- output ----------------------------------------------------------------------------

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def prompt(self) -> None:
        self.write(f"{self.active.name}> ")
        self._waiting_for_input = True

    def on_bot_event(self, chat_id: int, kind: str, payload: JSONDict) -> None:
        """Subscriber of the fake Bot API: prints what the bot does, as it happens."""
        identity = self.identities.get(chat_id)
        if identity is None:
            return
        if kind in ("sent", "edited"):
            lines = self._render(identity, payload, edited=kind == "edited")
        elif kind == "deleted":
            if identity.current and identity.current["message_id"] == payload["message_id"]:
                identity.current = None
            return
        elif kind == "callback_answer" and payload.get("text"):
            mark = "⚠️" if payload.get("show_alert") else "💬"
            lines = [f"{mark} {payload['text']}"]
        else:
            return
        if self._waiting_for_input:
            # Something arrived on its own (a reminder): keep the prompt last on screen.
            self.write("\n")
        self.write("\n" + "\n".join(self._addressed(identity, lines)) + "\n")
        if self._waiting_for_input:
            self.write(f"{self.active.name}> ")

    def _addressed(self, identity: Identity, lines: list[str]) -> list[str]:
        if identity is self.active:
            return lines
        return [f"(to {identity.name}) {lines[0]}", *lines[1:]]

    def _render(self, identity: Identity, message: JSONDict, *, edited: bool) -> list[str]:
        keyboard = inline_keyboard(message)
        current = identity.current
        if keyboard:
            identity.current = message
        elif not edited or (current is not None and current["message_id"] == message["message_id"]):
            # A new message without buttons, or the current one losing its buttons: a
            # number typed now is an answer, not a press of some older button.
            identity.current = None
        body = message.get("text") or message.get("caption") or ""
        shown_key = (identity.user.id, message["message_id"])
        if edited and self._shown.get(shown_key) == body:
            # Only the buttons changed (e.g. removed after an answer): no need to reprint.
            change = "new buttons under" if keyboard else "buttons removed from"
            return [f"{BOT_MARK} ({change} «{_first_line(body)}»)", *button_lines(keyboard)]
        self._shown[shown_key] = body
        attachment = self._save_attachment(message)
        lines = ([attachment] if attachment else []) + (body.split("\n") if body else [])
        if not lines:
            lines = ["(an empty message)"]
        head = f"{BOT_MARK} " + ("(edited) " if edited else "")
        return [head + lines[0], *lines[1:], *button_lines(keyboard)]

    def _save_attachment(self, message: JSONDict) -> str | None:
        if "document" in message:
            document = message["document"]
            name = Path(document.get("file_name") or f"file-{message['message_id']}").name
            path = self._save(name, document["file_id"])
            return f"📎 {name} (saved to {path})"
        if "photo" in message:
            largest = message["photo"][-1]
            path = self._save(f"photo-{message['message_id']}.jpg", largest["file_id"])
            return f"🖼 photo (saved to {path})"
        return None

    def _save(self, name: str, file_id: str) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / name
        path.write_bytes(self.api.file_bytes(file_id))
        return path

    # --- input -----------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Act on one line the person typed; False when they asked to leave."""
        if self.echo and self._waiting_for_input:
            self.write(line + "\n")
        self._waiting_for_input = False
        if not line:
            return True
        if line.startswith("!"):
            return await self._command(line)
        if _NUMBER.fullmatch(line) and self.active.current is not None:
            await self._press(int(line))
        else:
            await self.active.user.send(line)
        await self.settle()
        return True

    async def settle(self) -> None:
        """Wait until the bot has answered, so replies appear before the next prompt: until
        it has handled what was sent and its replies are answered (no quiet spell is taken
        for an answer). Messages from its background jobs are printed whenever they come."""
        try:
            await self.api.handled(timeout=10)
        except AssertionError:
            pass  # a slow answer is printed whenever it comes
        for identity in self.identities.values():
            identity.user.drain()  # the printer has shown them; keep memory flat

    async def _command(self, line: str) -> bool:
        name, _, rest = line.partition(" ")
        if name == "!quit":
            return False
        if name == "!help":
            self.write(self.help_text())
        elif name == "!send" and rest.strip():
            await self.active.user.send(rest.strip())
            await self.settle()
        elif name == "!send":
            self.write("Type the text after !send, for example: !send 2\n")
        elif name in ("!reader", "!organizer"):
            await self.switch(name.removeprefix("!").capitalize())
        else:
            self.write(f"Unknown sandbox command {name!r}: type !help for the list.\n")
        return True

    def help_text(self) -> str:
        ids = {identity.name: identity.user.id for identity in self.identities.values()}
        return HELP.format(organizer=ids.get("Organizer"), reader=ids.get("Reader"))

    async def switch(self, name: str) -> None:
        identity = next(i for i in self.identities.values() if i.name == name)
        self.active = identity
        self.write(f"You are now chatting as {name} (Telegram user {identity.user.id}).\n")
        if not identity.user.started:
            await identity.user.send("/start")
            await self.settle()
        elif identity.current is not None:
            lines = button_lines(inline_keyboard(identity.current))
            self.write("Buttons of the latest message:\n" + "\n".join(lines) + "\n")

    async def _press(self, number: int) -> None:
        message = self.active.current
        if message is None:
            return
        buttons = [button for row in inline_keyboard(message) for button in row]
        if not 1 <= number <= len(buttons):
            self.write(
                f"There is no button {number} here: the buttons are 1-{len(buttons)}. "
                f"To send {number} as text, type !send {number}\n"
            )
            return
        button = buttons[number - 1]
        if "callback_data" in button:
            await self.active.user.press_data(message["message_id"], button["callback_data"])
            await self.settle()
        elif "url" in button:
            self.write(f"🔗 {button['url']} (open it in a browser)\n")
        else:
            self.write("This kind of button does nothing in the sandbox.\n")


def _first_line(text: str, width: int = 40) -> str:
    line = text.split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def button_lines(keyboard: list[list[JSONDict]]) -> list[str]:
    """One line per keyboard row, buttons numbered across rows: "[1] Register  [2] ◀ Events"."""
    lines, number = [], 0
    for row in keyboard:
        labels = []
        for button in row:
            number += 1
            labels.append(f"[{number}] {button['text']}")
        lines.append("  ".join(labels))
    return lines


async def stdin_lines() -> AsyncIterator[str]:
    """Lines typed on the terminal (or piped in), without blocking the event loop.

    A daemon thread reads the file descriptor: unlike an executor thread it never
    keeps the process alive after !quit, and `os.read` holds no lock of `sys.stdin`
    that interpreter shutdown would wait for.
    """
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:
            pass  # the loop is gone: the sandbox has ended

    def read() -> None:
        try:
            descriptor = sys.stdin.fileno()
        except (AttributeError, OSError, ValueError):
            for line in sys.stdin:
                put(line)
            put(None)
            return
        pending = b""
        while True:
            try:
                chunk = os.read(descriptor, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                if pending:
                    put(pending.decode("utf-8", errors="replace"))
                put(None)
                return
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                put(line.decode("utf-8", errors="replace"))

    threading.Thread(target=read, name="sandbox-stdin", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line
