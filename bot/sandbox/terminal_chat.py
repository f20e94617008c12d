"""The sandbox's chat window: the bot's messages printed with numbered buttons, and the
person's lines turned into messages, photos, files, button presses or sandbox commands.

Numbers: a typed number presses that button of the latest message with buttons, unless the
bot is waiting for a typed answer (a title, a number of places, a caption it may skip with
a button): then the number is sent as it is, and the buttons are shown again with a "#"
("[#1] Skip"), which presses them ("#1"). A "#" number always presses a button; with no
buttons on screen every line is a message. Whether an answer is awaited is the runner's
to tell (`expects_text`, see `bot.sandbox.runner.typed_answer_expected`); the window
itself talks to the fake Bot API only, as a Telegram client would.

`!photo [PATH]` and `!file [PATH]` send a picture as a photo and any file as a document,
the built-in samples (`bot/sandbox/samples`) when no PATH is given, so both demo contests
can be entered from the terminal.
"""

from __future__ import annotations

import asyncio
import io
import mimetypes
import os
import re
import sys
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TextIO

from PIL import Image

from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.fakeapi.shapes import JSONDict, inline_keyboard
from bot.sandbox.fakeapi.users import FakeUser

BOT_MARK = "🤖"
_NUMBER = re.compile(r"[0-9]{1,3}")
_PRESS = re.compile(r"#([0-9]{1,3})")
SAMPLE_PHOTO = "photo.jpg"
SAMPLE_ESSAY = "essay.docx"
# What Telegram clients say the files are; mimetypes does not know .docx and .odt everywhere.
_MIME_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
    ".pdf": "application/pdf", ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}

HELP = """\
Sandbox commands (anything else is sent to the bot as a message):
  1, 2, ...      press that button of the latest message with buttons; while the bot
                 waits for a typed answer, a number is sent as it is (buttons show as [#1])
  #1, #2, ...    press that button, always
  !send TEXT     send TEXT as it is (e.g. a number while buttons are shown)
  !photo [PATH]  send a picture as a photo (no PATH: a sample photo)
  !file [PATH]   send a file as a document (no PATH: a sample essay, {essay})
  !organizer     chat as an organizer (user {organizer})
  !reader        chat as the reader again (user {reader})
  !help          this list
  !quit          leave the sandbox (Ctrl-D and Ctrl-C work too)
"""
# The bot's commands below the sandbox's own: (heading, [(command, description)]).
CommandList = Sequence[tuple[str, Sequence[tuple[str, str]]]]


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
        expects_text: Callable[[int], bool] = lambda _user_id: False,
        bot_commands: CommandList = (),
    ) -> None:
        self.api = api
        self.identities = {identity.user.id: identity for identity in identities}
        self.active = identities[0]
        self.stdout = stdout
        self.files_dir = files_dir
        # Piped input is not shown by the terminal; echoing it keeps the transcript readable.
        self.echo = echo
        # Whether the bot reads what this user types now as the answer to its question.
        self.expects_text = expects_text
        self.bot_commands = bot_commands
        # The message whose buttons were last shown with "#": shown once, not at every prompt.
        self._hinted: tuple[int, int] | None = None
        self._waiting_for_input = False
        # Text of every message printed, by (chat, message id), to tell what an edit changed.
        self._shown: dict[tuple[int, int], str] = {}

    # --- output ----------------------------------------------------------------------------

    def write(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def prompt(self) -> None:
        self._hint_typed_answer()
        self.write(f"{self.active.name}> ")
        self._waiting_for_input = True

    def _typing(self) -> bool:
        """Whether a bare number is an answer now rather than a button press."""
        return self.active.current is not None and self.expects_text(self.active.user.id)

    def _hint_typed_answer(self) -> None:
        """Under a question that waits for typed text but has buttons too (Skip, Cancel),
        the buttons again with "#": a typed number would be the answer. Asked at the prompt,
        when the bot has handled the last line: while it prints its question, the
        conversation has not yet moved to it."""
        message = self.active.current
        if message is None or not self._typing():
            return
        key = (self.active.user.id, message["message_id"])
        if key == self._hinted:
            return
        self._hinted = key
        self.write("(a typed answer is expected: a number is sent as it is; "
                   "to press a button, type # and its number)\n"
                   + "\n".join(button_lines(inline_keyboard(message), prefix="#")) + "\n")

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
            if self._hinted == (identity.user.id, message["message_id"]):
                self._hinted = None  # new buttons on it: hint again if need be
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
        press = _PRESS.fullmatch(line)
        if press and self.active.current is None:
            self.write(f"There are no buttons to press here. To send {line} as text, "
                       f"type !send {line}\n")
            return True
        if press:
            await self._press(int(press[1]))
        elif _NUMBER.fullmatch(line) and self.active.current is not None and not self._typing():
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
        elif name == "!photo":
            await self._send_photo(_path_of(rest))
        elif name == "!file":
            await self._send_file(_path_of(rest))
        else:
            self.write(f"Unknown sandbox command {name!r}: type !help for the list.\n")
        return True

    def help_text(self) -> str:
        ids = {identity.name: identity.user.id for identity in self.identities.values()}
        lines = [HELP.format(organizer=ids.get("Organizer"), reader=ids.get("Reader"),
                             essay=SAMPLE_ESSAY)]
        for heading, commands in self.bot_commands:
            width = max((len(name) for name, _description in commands), default=0) + 2
            lines.append(f"{heading}:\n" + "".join(
                f"  /{name:<{width}}{description}\n" for name, description in commands))
        return "\n".join(lines)

    async def _send_photo(self, path: Path | None) -> None:
        content = self._read(path, SAMPLE_PHOTO)
        if content is None:
            return
        if not _is_picture(content):
            # A Telegram app sends only pictures as photos; anything else goes as a file.
            self.write(f"{path} is not a picture: to send it as a file, type !file {path}\n")
            return
        await self.active.user.send_photo(content)
        self.write("🖼 photo sent" + (f" ({path})" if path else " (the sample photo)") + "\n")
        await self.settle()

    async def _send_file(self, path: Path | None) -> None:
        content = self._read(path, SAMPLE_ESSAY)
        if content is None:
            return
        name = path.name if path else SAMPLE_ESSAY
        await self.active.user.send_document(content, name, mime_type_of(name))
        self.write(f"📎 {name} sent" + (f" ({path})" if path else " (the sample essay)") + "\n")
        await self.settle()

    def _read(self, path: Path | None, sample: str) -> bytes | None:
        """The file's bytes (the sample's without a path); None, said, when there is none."""
        if path is None:
            return sample_bytes(sample)
        if not path.is_file():
            self.write(f"There is no file {path}: type its path on this computer, "
                       f"for example !file ~/essay.docx, or nothing for the sample.\n")
            return None
        return path.read_bytes()

    async def switch(self, name: str) -> None:
        identity = next(i for i in self.identities.values() if i.name == name)
        self.active = identity
        self.write(f"You are now chatting as {name} (Telegram user {identity.user.id}).\n")
        if not identity.user.started:
            await identity.user.send("/start")
            await self.settle()
        elif identity.current is not None:
            prefix = "#" if self._typing() else ""
            lines = button_lines(inline_keyboard(identity.current), prefix=prefix)
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


def button_lines(keyboard: list[list[JSONDict]], prefix: str = "") -> list[str]:
    """One line per keyboard row, buttons numbered across rows: "[1] Register  [2] « Back"
    ("[#1] Skip" with the prefix "#")."""
    lines, number = [], 0
    for row in keyboard:
        labels = []
        for button in row:
            number += 1
            labels.append(f"[{prefix}{number}] {button['text']}")
        lines.append("  ".join(labels))
    return lines


def _path_of(rest: str) -> Path | None:
    """The path typed after !photo or !file ("~" expanded, quotes dropped), or None."""
    typed = rest.strip().strip("\"'")
    return Path(typed).expanduser() if typed else None


def _is_picture(content: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
    except (OSError, SyntaxError, ValueError):
        return False
    return True


def sample_bytes(name: str) -> bytes:
    """A built-in sample file, from the installed package."""
    return resources.files("bot.sandbox").joinpath("samples", name).read_bytes()


def mime_type_of(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower()
    guessed, _encoding = mimetypes.guess_type(file_name)
    return _MIME_TYPES.get(suffix) or guessed or "application/octet-stream"


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
