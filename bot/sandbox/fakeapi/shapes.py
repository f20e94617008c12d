"""Builders for Bot-API-shaped JSON, shared by the fake server and the simulated users.

Everything here returns plain dicts exactly as Telegram would put them on the wire, so
PTB's ``de_json`` sees the same structures it sees in production.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

JSONDict = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024

# Telegram's own wording; tests and the bot's error handling may match on these strings.
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
# sendMessage and sendPhoto/sendDocument are checked by the Bot API server itself; an edit
# and a callback answer go on to Telegram, which answers with its own error code.
TEXT_TOO_LONG = "Bad Request: message is too long"
CAPTION_TOO_LONG = "Bad Request: message caption is too long"
EDITED_TEXT_TOO_LONG = "Bad Request: MESSAGE_TOO_LONG"
BUTTON_DATA_INVALID = "Bad Request: BUTTON_DATA_INVALID"
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"

_DEFAULT_DESCRIPTIONS = {
    400: CHAT_NOT_FOUND,
    401: "Unauthorized",
    403: BLOCKED,
    404: "Not Found",
    409: "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


class ApiError(Exception):
    """A Bot API error answer; raised inside method handlers, turned into JSON by the server."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def bad_request(cls, reason: str) -> ApiError:
        return cls(400, f"Bad Request: {reason}")

    @classmethod
    def too_many_requests(cls, retry_after: int) -> ApiError:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)


def default_description(code: int, retry_after: int | None) -> str:
    if code == 429:
        return f"Too Many Requests: retry after {retry_after}"
    return _DEFAULT_DESCRIPTIONS.get(code, f"Error {code}")


def ok_body(result: Any) -> JSONDict:
    return {"ok": True, "result": result}


def error_body(code: int, description: str, retry_after: int | None = None) -> JSONDict:
    body: JSONDict = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


def utf16_len(text: str) -> int:
    """Entity offsets/lengths are counted in UTF-16 code units by the Bot API."""
    return len(text.encode("utf-16-le")) // 2


def user_json(
    user_id: int,
    first_name: str,
    *,
    is_bot: bool = False,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
) -> JSONDict:
    user: JSONDict = {"id": user_id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        user["last_name"] = last_name
    if username:
        user["username"] = username
    if language_code:
        user["language_code"] = language_code
    return user


def private_chat_json(
    user_id: int, first_name: str, last_name: str | None, username: str | None
) -> JSONDict:
    chat: JSONDict = {"id": user_id, "type": "private", "first_name": first_name}
    if last_name:
        chat["last_name"] = last_name
    if username:
        chat["username"] = username
    return chat


def chat_full_info_json(chat: JSONDict) -> JSONDict:
    """getChat answer: a ChatFullInfo, which adds a few mandatory fields to the Chat."""
    return {
        **chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s])")


def command_entities(text: str) -> list[JSONDict]:
    """bot_command entities as Telegram marks them (including any ``@botname`` suffix)."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


def inline_keyboard(message: JSONDict) -> list[list[JSONDict]]:
    markup = message.get("reply_markup") or {}
    return markup.get("inline_keyboard") or []


# --- files -----------------------------------------------------------------------------------

# Real file_ids start with a type-specific prefix; keeping that makes logs look familiar.
_FILE_KINDS = {
    "document": ("BQACAgIAAxkBAAI", "documents", ""),
    "photo": ("AgACAgIAAxkBAAI", "photos", ".jpg"),
    "sticker": ("CAACAgIAAxkBAAI", "stickers", ".webp"),
}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    kind: str
    file_name: str | None = None
    mime_type: str | None = None

    @property
    def file_size(self) -> int:
        return len(self.content)

    def document_json(self) -> JSONDict:
        doc: JSONDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        doc["file_size"] = self.file_size
        return doc

    def get_file_json(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass
class FileStore:
    """Every file the fake server knows about, addressable by file_id and by download path."""

    by_id: dict[str, StoredFile] = field(default_factory=dict)
    by_path: dict[str, StoredFile] = field(default_factory=dict)
    _counter: int = 0

    def add(
        self,
        content: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        prefix, folder, default_ext = _FILE_KINDS[kind]
        self._counter += 1
        ext = _extension(file_name) or default_ext
        stored = StoredFile(
            # The counter keeps ids unique even for identical content; the random tail
            # mimics Telegram's opaque ids so nobody is tempted to parse them.
            file_id=f"{prefix}{self._counter:05d}{secrets.token_urlsafe(30)}",
            file_unique_id=file_unique_id(content, kind),
            content=content,
            file_path=f"{folder}/file_{self._counter}{ext}",
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        # Photo thumbnails share the full photo's bytes; their ids carry a "-s" suffix.
        return self.by_id.get(file_id) or self.by_id.get(file_id.removesuffix("-s"))


def file_unique_id(content: bytes, salt: str = "") -> str:
    """Deterministic from content, like Telegram's (same file -> same unique id)."""
    digest = hashlib.sha256(salt.encode() + content).digest()
    return "AgAD" + base64.urlsafe_b64encode(digest).decode()[:12]


def _extension(file_name: str | None) -> str:
    if not file_name or "." not in file_name:
        return ""
    ext = "." + file_name.rsplit(".", 1)[1]
    return ext if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", ext) else ""


def image_size(content: bytes) -> tuple[int, int]:
    """Width/height from a PNG or JPEG header; a plausible default for anything else."""
    if content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    if content[:2] == b"\xff\xd8":
        index = 2
        while index + 9 < len(content):
            if content[index] != 0xFF:
                break
            marker = content[index + 1]
            length = struct.unpack(">H", content[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", content[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return 1280, 960


def photo_sizes(stored: StoredFile) -> list[JSONDict]:
    """A thumbnail plus the full size, as Telegram always returns several PhotoSizes.

    Both point at the same stored bytes; only the advertised dimensions differ."""
    width, height = image_size(stored.content)
    scale = min(1.0, 90 / max(width, height, 1))
    thumb_unique = file_unique_id(stored.content, "thumb")
    return [
        {
            "file_id": stored.file_id + "-s",
            "file_unique_id": thumb_unique,
            "file_size": stored.file_size,
            "width": max(1, round(width * scale)),
            "height": max(1, round(height * scale)),
        },
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.file_size,
            "width": width,
            "height": height,
        },
    ]


# A valid 2x2 PNG, so handlers that open the image (e.g. Pillow) do not choke on the default.
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP438AARAwQCgAt7gX9iz9uhAAAAABJRU5ErkJggg=="
)


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    content: bytes
