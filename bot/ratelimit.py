"""Pacing of outgoing messages, so that Telegram's flood control rarely has to say no.

Telegram allows a bot about 30 messages per second in all and 1 per second into
one chat; above that it answers 429 with `retry_after`. The limiter keeps both
limits on our side (a sliding one-second window overall, a minimum gap per
chat) and lets a 429 pause every sender at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

DEFAULT_RATE = 30
DEFAULT_CHAT_INTERVAL = 1.0
# Per-chat stamps older than the interval are forgotten once this many pile up.
_PRUNE_AT = 10_000


class RateLimiter:
    """`await limiter.acquire(chat_id)` before each send.

    `clock` (seconds, monotonic) and `sleep` are injectable so tests can run on a
    fake clock. Waiting happens outside the bookkeeping, which has no `await`
    in it, so concurrent senders in one event loop never overshoot.
    """

    def __init__(
        self,
        rate: int = DEFAULT_RATE,
        chat_interval: float = DEFAULT_CHAT_INTERVAL,
        *,
        period: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least one message per period")
        self.rate = rate
        self.chat_interval = chat_interval
        self.period = period
        self._clock = clock
        self._sleep = sleep
        self._recent: deque[float] = deque()
        self._last_in_chat: dict[Hashable, float] = {}
        self._paused_until = 0.0

    def delay(self, chat_id: Hashable) -> float:
        """Seconds until a message to `chat_id` may go; 0 when it may go now."""
        now = self._clock()
        while self._recent and self._recent[0] <= now - self.period:
            self._recent.popleft()
        waits = [self._paused_until - now]
        if len(self._recent) >= self.rate:
            waits.append(self._recent[0] + self.period - now)
        last = self._last_in_chat.get(chat_id)
        if last is not None:
            waits.append(last + self.chat_interval - now)
        return max(0.0, *waits)

    async def acquire(self, chat_id: Hashable) -> None:
        while (wait := self.delay(chat_id)) > 0:
            await self._sleep(wait)
        self._record(chat_id)

    def pause(self, seconds: float) -> None:
        """Flood control answered: nobody sends for `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def _record(self, chat_id: Hashable) -> None:
        now = self._clock()
        self._recent.append(now)
        self._last_in_chat[chat_id] = now
        if len(self._last_in_chat) > _PRUNE_AT:
            horizon = now - self.chat_interval
            self._last_in_chat = {
                chat: stamp for chat, stamp in self._last_in_chat.items() if stamp > horizon
            }
