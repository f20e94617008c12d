"""Wire format of the fake Bot API: decoding requests and encoding answers."""

from __future__ import annotations

import json
import re
from typing import Any

from aiohttp import web

from bot.sandbox.fakeapi.shapes import ApiError, JSONDict, Upload, error_body, ok_body

# Form-encoded parameters arrive as strings; these tell us how to restore their types.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "allowed_updates",
        "commands",
        "scope",
        "menu_button",
        "message_ids",
        "media",
    }
)
_INT_FIELDS = frozenset(
    {
        "chat_id",
        "from_chat_id",
        "message_id",
        "reply_to_message_id",
        "message_thread_id",
        "offset",
        "limit",
        "cache_time",
        "user_id",
        "max_connections",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "has_spoiler",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_INT_RE = re.compile(r"-?\d+")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def error_response(error: ApiError) -> web.Response:
    body = error_body(error.code, error.description, error.retry_after)
    return web.json_response(body, status=error.code, dumps=dumps)


async def read_params(request: web.Request) -> tuple[JSONDict, dict[str, Upload]]:
    """Parameters from the query string plus a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, Upload] = {}
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    with value.file as handle:  # a temp file; close it to avoid leaks
                        content = handle.read()
                    files[key] = Upload(value.filename, value.content_type, content)
                else:
                    raw[key] = value
    return decode_params(raw), files


def decode_params(raw: dict[str, Any]) -> JSONDict:
    """Typed parameters from the wire: form fields arrive as strings (PTB sends every
    non-string value JSON-encoded), a JSON body's values as they are."""
    return {key: _decode(key, value) for key, value in raw.items()}


def _decode(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    if key in _INT_FIELDS and _INT_RE.fullmatch(value):
        return int(value)
    if key in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if key == "timeout":
        try:
            return float(value)
        except ValueError:
            return value
    return value


def ok_response(result: Any) -> web.Response:
    return web.json_response(ok_body(result), dumps=dumps)
