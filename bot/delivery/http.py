"""The HTTP client of the delivery engine's own Bot: aiohttp under PTB's `BaseRequest`.

PTB's default client (httpx) scans its whole connection pool for every request;
with the 50-100 connections a paid broadcast keeps busy (1000 messages/s at
50-100 ms each) that scan alone costs milliseconds per message. aiohttp's
connector does not, and aiohttp is a dependency already.

Errors keep PTB's shapes (`TimedOut` for time-outs, `NetworkError` otherwise,
the aiohttp error as the cause), and say whether the request can have reached
Telegram (`request_not_sent`): connecting failed or timed out (the time-out
includes waiting for a free connection) means nothing went out; a read time-out
or a connection cut afterwards means it may have.
"""

from __future__ import annotations

import json
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import aiohttp
import httpx
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

if TYPE_CHECKING:
    # PTB's type of its time-out parameters: a float, None, or a `DefaultValue` (not given).
    from telegram._utils.types import ODVInput

DEFAULT_READ_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 5.0
# Uploads (certificates) may take longer to write than a text.
DEFAULT_MEDIA_READ_TIMEOUT = 20.0
_NOT_SENT_CAUSES = (
    aiohttp.ClientConnectorError,
    aiohttp.ConnectionTimeoutError,
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
)


# The body `AiohttpRequest.post_encoded` is posting, in the task that posts it. PTB's
# `RequestData` and `BaseRequest.post` are final: the body goes beside PTB's call.
_encoded_body: ContextVar[bytes | None] = ContextVar("encoded_body", default=None)


class AiohttpRequest(BaseRequest):
    """`connections` at most at once; more requests wait for one (within the connect
    time-out, then TimedOut, and nothing was sent).

    With `slim`, a sent message comes back to PTB as its id, date and chat only:
    turning Telegram's full answer into a `Message` (entities, keyboard, sender)
    costs more than everything else the engine does for a send, and the engine
    keeps only the id."""

    def __init__(
        self,
        connections: int,
        *,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        media_read_timeout: float = DEFAULT_MEDIA_READ_TIMEOUT,
        slim: bool = False,
    ) -> None:
        self._connections = connections
        self._slim = slim
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._media_read_timeout = media_read_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post_encoded(self, url: str, body: bytes) -> dict[str, Any]:
        """PTB's `post` (its answers and errors) of a form body the caller encoded
        (`bot.messages.outgoing`), sent as it is; the result must be an object."""
        token = _encoded_body.set(body)
        try:
            result = await self.post(url)
        finally:
            _encoded_body.reset(token)
        if not isinstance(result, dict):
            raise TypeError(f"{url.rpartition('/')[2]} answered {result!r}, not an object")
        return result

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        encoded = _encoded_body.get() if request_data is None else None
        files = request_data.multipart_data if request_data else None
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._media_read_timeout if files else self._read_timeout
        if isinstance(connect_timeout, DefaultValue):
            connect_timeout = self._connect_timeout
        # aiohttp has no write time-out: a stalled upload ends at the read time-out.
        timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout)
        try:
            body = encoded if encoded is not None else _body(request_data)
            headers = {"User-Agent": self.USER_AGENT}
            if isinstance(body, bytes):
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            async with self._session.request(
                method, url, data=body, timeout=timeout, headers=headers
            ) as response:
                payload = await response.read()
                # An encoded form's answer is read for its message id only, by PTB's post().
                if self._slim and response.status == 200 and encoded is None:
                    payload = _slim(payload)
                return response.status, payload
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut("Connecting timed out: the request was *not* sent") from error
        except TimeoutError as error:  # aiohttp.ServerTimeoutError included
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def request_not_sent(error: NetworkError) -> bool:
    """True when the request certainly did not reach Telegram (see the module docstring).
    PTB's httpx client raises TimedOut (a NetworkError) for every httpx time-out and
    NetworkError for the rest, the httpx error as the cause; so does this client."""
    return isinstance(error.__cause__, _NOT_SENT_CAUSES)


def _slim(payload: bytes) -> bytes:
    answer = json.loads(payload)
    result = answer.get("result")
    if not (isinstance(result, dict) and "message_id" in result and "chat" in result):
        return payload
    chat = result["chat"]
    kept = {
        "message_id": result["message_id"],
        "date": result.get("date", 0),
        "chat": {"id": chat.get("id"), "type": chat.get("type", "private")},
    }
    return json.dumps({"ok": True, "result": kept}).encode()


def _body(request_data: RequestData | None) -> aiohttp.FormData | bytes | None:
    if request_data is None:
        return None
    fields = request_data.json_parameters
    files = request_data.multipart_data
    if not files:
        # Encoded here: aiohttp's FormData draws a random multipart boundary first.
        return urlencode(fields).encode()
    # Raw UTF-8 file names, as PTB's own client sends them (quoted ones arrive as "%D0%94...").
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (file_name, content, mime_type) in files.items():
        form.add_field(name, content, filename=file_name, content_type=mime_type)
    return form
