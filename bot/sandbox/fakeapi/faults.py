"""Request log, scripted faults and flood-limit enforcement for the fake Bot API."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.sandbox.fakeapi.shapes import JSONDict


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
    # The name the caller gave in its path (/via/<name>/bot...), None without one.
    via: str | None = None
    # When flood control counted it (`time.monotonic()`: arrival plus the latency).
    taken: float | None = None

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
    """Telegram's flood control as sliding windows: ``global_rate`` messages per second for
    the bot as a whole, ``paid_rate`` per second for messages sent with
    ``allow_paid_broadcast`` (they ignore the free limit), ``per_chat_rate`` per second into
    one private chat and ``group_rate`` per minute into one group (negative chat ids)."""

    def __init__(
        self,
        global_rate: int,
        per_chat_rate: int,
        *,
        paid_rate: int = 1000,
        group_rate: int = 20,
    ) -> None:
        self.global_rate = global_rate
        self.per_chat_rate = per_chat_rate
        self.paid_rate = paid_rate
        self.group_rate = group_rate
        self._free: deque[float] = deque()
        # Every accepted message, free or paid: the paid limit counts them all.
        self._all: deque[float] = deque()
        self._per_chat: dict[Any, deque[float]] = {}

    def acquire(self, chat_id: Any, now: float, *, paid: bool = False) -> int | None:
        """Record a send and return None, or return retry_after seconds if over a limit."""
        group = isinstance(chat_id, int) and chat_id < 0
        chat_period = 60.0 if group else 1.0
        chat_window = self._per_chat.setdefault(chat_id, deque())
        checks = (
            (self._all if paid else self._free, self.paid_rate if paid else self.global_rate, 1.0),
            (chat_window, self.group_rate if group else self.per_chat_rate, chat_period),
        )
        for window, rate, period in checks:
            while window and window[0] <= now - period:
                window.popleft()
            if len(window) >= rate:
                return max(1, math.ceil(window[0] + period - now))
        for window in (self._free, self._all):
            while window and window[0] <= now - 1.0:
                window.popleft()
        if not paid:
            self._free.append(now)
        self._all.append(now)
        chat_window.append(now)
        return None
