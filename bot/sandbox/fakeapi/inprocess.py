"""The fake Bot API without sockets: a PTB request object that hands each call to the
fake's method handlers directly.

`FakeApiRequest` is a `telegram.request.BaseRequest`, like PTB's own HTTP clients: PTB
encodes a call exactly as it would for Telegram (every parameter a string, non-string
values JSON-encoded, files as uploads) and the fake decodes it as its HTTP server does
(`protocol.decode_params`), then `FakeBotApi.call` records, checks and answers it: the
same faults, flood control and recorded requests as over HTTP. A dropped connection is a
`NetworkError`, an answer later than the read time-out a `TimedOut` (the call still takes
effect and is recorded as abandoned, as over HTTP).

    api = FakeBotApi()  # no start(): nothing listens
    bot = Bot(api.token, base_url=api.base_url, request=FakeApiRequest(api))
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.sandbox.fakeapi.protocol import decode_params, dumps
from bot.sandbox.fakeapi.server import Dropped, FakeBotApi
from bot.sandbox.fakeapi.shapes import ApiError, Upload, error_body, ok_body

if TYPE_CHECKING:
    # PTB's type of its time-out parameters: a float, None, or a `DefaultValue` (not given).
    from telegram._utils.types import ODVInput

DEFAULT_READ_TIMEOUT = 5.0


class FakeApiRequest(BaseRequest):
    def __init__(self, api: FakeBotApi, *, read_timeout: float = DEFAULT_READ_TIMEOUT) -> None:
        self._api = api
        self._read_timeout = read_timeout

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

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
        if isinstance(read_timeout, DefaultValue):
            read_timeout = self._read_timeout
        path = unquote(urlsplit(url).path)  # PTB quotes file paths (and the token in them)
        if path.startswith("/file/bot"):
            return self._file(path.removeprefix("/file/bot"))
        prefix, _, requested = path.rpartition("/")
        token = prefix.removeprefix("/bot")
        params, files = _params(request_data)
        hung_up = False
        call = asyncio.ensure_future(
            self._api.call(token, requested, params, files, hung_up=lambda: hung_up)
        )
        try:
            # Shielded: like a server, the fake finishes a call its client gave up on.
            outcome = await asyncio.wait_for(asyncio.shield(call), read_timeout)
        except TimeoutError:
            hung_up = True
            raise TimedOut(f"Timed out reading the fake's answer to {requested}") from None
        except asyncio.CancelledError:
            # The caller is gone (a long poll stopped): nobody reads this answer.
            hung_up = True
            call.cancel()
            raise
        if isinstance(outcome, Dropped):
            raise NetworkError("fake Bot API: connection dropped")
        if isinstance(outcome, ApiError):
            body = error_body(outcome.code, outcome.description, outcome.retry_after)
            return outcome.code, dumps(body).encode()
        return 200, dumps(ok_body(outcome)).encode()

    def _file(self, rest: str) -> tuple[int, bytes]:
        token, _, file_path = rest.partition("/")
        stored = self._api.files.by_path.get(file_path)
        if token != self._api.token or stored is None:
            return 404, dumps(error_body(404, "Not Found")).encode()
        return 200, stored.content


def _params(request_data: RequestData | None) -> tuple[dict[str, Any], dict[str, Upload]]:
    if request_data is None:
        return {}, {}
    body = getattr(request_data, "body", None)
    if isinstance(body, bytes):  # a form encoded by the caller (bot.delivery.http.EncodedForm)
        return decode_params(dict(parse_qsl(body.decode()))), {}
    raw = dict(request_data.json_parameters)
    files = {
        name: Upload(file_name, mime_type, content if isinstance(content, bytes) else b"")
        for name, (file_name, content, mime_type) in (request_data.multipart_data or {}).items()
    }
    return decode_params(raw), files
