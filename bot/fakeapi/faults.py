"""Request log, scripted faults and flood-limit enforcement for the fake Bot API."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.fakeapi.shapes import JSONDict


@dataclass
class RecordedRequest:
    """One call the bot made. ``params`` are decoded (ints, dicts, lists), files separate."""

    method: str
    params: JSONDict
    at: float
    files: dict[str, Any] = field(default_factory=dict)
    status: int = 200
    description: str | None = None
    # The client hung up before the answer (read timeout, cancelled long poll).
    abandoned: bool = False

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")


FaultAction = Literal["error", "drop", "delay"]


@dataclass
class Fault:
    method: str  # lower-cased: Bot API method names are case-insensitive
    action: FaultAction
    chat_id: int | None = None
    times: int = 1
    error_code: int = 429
    description: str | None = None
    retry_after: int | None = None
    seconds: float = 0.0
    deliver: bool = False

    def matches(self, method: str, chat_id: Any) -> bool:
        return self.method == method.lower() and (
            self.chat_id is None or str(self.chat_id) == str(chat_id)
        )


class FaultPlan:
    """Faults queued by tests; each fires for its next ``times`` matching calls."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def take(self, method: str, chat_id: Any) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, chat_id):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None


class RateLimiter:
    """Sliding one-second windows, overall and per chat, like Telegram's flood control."""

    def __init__(self, global_rate: int, per_chat_rate: int) -> None:
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self._global: deque[float] = deque()
        self._per_chat: dict[Any, deque[float]] = {}

    def acquire(self, chat_id: Any, now: float) -> int | None:
        """Record a send and return None, or return retry_after seconds if over the limit."""
        chat_window = self._per_chat.setdefault(chat_id, deque())
        for window in (self._global, chat_window):
            while window and window[0] <= now - 1.0:
                window.popleft()
        for window, rate in ((self._global, self.global_rate), (chat_window, self.per_chat_rate)):
            if len(window) >= rate:
                return max(1, math.ceil(window[0] + 1.0 - now))
        self._global.append(now)
        chat_window.append(now)
        return None
